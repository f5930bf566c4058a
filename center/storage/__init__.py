"""The issuance center's storage: one code path over SQLite (the embedded default) and PostgreSQL.

- engine.py     ``open_engine(url)``, and why SQLAlchemy's pool over psycopg 3
- migrate.py    numbered SQL migrations (center/migrations/) and their runner, and why not alembic
- tables.py     the tables as SQLAlchemy Core objects, for the queries
- store.py      ``CenterStore``: 発行番号, challenges, sessions, idempotent issuance, 交付記録
- registry.py   ``SqlRegistry`` (the ResidentRegistry) and ``load_demo``
- codec.py      issued documents to JSON and back; ``request_key``
- cli_commands.py  ``migrate_command``, ``load_demo_command`` for ``kiosk-center``
"""
from center.codec import decode_documents, encode_documents, request_key
from center.storage.engine import Database, UnsupportedDatabase, open_engine
from center.storage.migrate import MigrationError, latest_version, migrate, require_current, schema_version
from center.storage.registry import RegistryNotEmpty, SqlRegistry, load_demo
from center.storage.store import (
    AuthSession, CenterStore, IssuanceRecord, RecordOutcome, ReportResult, TakeNumber, load_pseudonym_key,
)

__all__ = [
    "AuthSession", "CenterStore", "Database", "IssuanceRecord", "MigrationError", "RecordOutcome",
    "RegistryNotEmpty", "ReportResult", "SqlRegistry", "TakeNumber", "UnsupportedDatabase", "decode_documents",
    "encode_documents", "latest_version", "load_demo", "load_pseudonym_key", "migrate", "open_engine",
    "request_key", "require_current", "schema_version",
]
