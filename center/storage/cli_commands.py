"""``kiosk-center migrate`` and ``kiosk-center load-demo``: the commands, for the CLI to wire.

Each takes the parsed ``argparse.Namespace``, prints one line, and returns the exit status: 0
done, 2 with one line on stderr for a bad URL, a database that cannot be reached, a migration
that cannot be applied or a demo file that cannot be used. ``add_parsers(subparsers)`` defines
both sub-commands with their options (``--database URL`` or ``$KIOSK_CENTER_DATABASE``).
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from center.build import CENTER_DATABASE
from center.registry.demo_loader import load_demo_population
from center.storage.engine import UnsupportedDatabase, open_engine
from center.storage.migrate import MigrationError, migrate, schema_version
from center.storage.registry import RegistryNotEmpty, load_demo
from kiosk.validation import InputFileError

DATABASE_ENV = "KIOSK_CENTER_DATABASE"
DEFAULT_RESIDENTS = Path(__file__).resolve().parents[2] / "assets" / "demo" / "residents.json"


def add_parsers(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    migrate_p = subparsers.add_parser("migrate", help="bring the center database to this code's schema version")
    _database_option(migrate_p)
    migrate_p.set_defaults(func=migrate_command)
    load = subparsers.add_parser("load-demo", help="fill the center database's registry from the demo residents")
    _database_option(load)
    load.add_argument("--residents", type=Path, default=DEFAULT_RESIDENTS, help="the demo population JSON")
    load.add_argument("--links-from", type=Path, default=None,
                      help="a provisioned data directory (or its center.sqlite): copy the demo cards' links")
    load.add_argument("--replace", action="store_true", help="empty the registry first (certificate links too)")
    load.set_defaults(func=load_demo_command)


def migrate_command(args: argparse.Namespace) -> int:
    try:
        url = _database(args)
        engine = open_engine(url, pool_size=1, max_overflow=0)
        try:
            applied = migrate(engine)
            version = schema_version(engine)
        finally:
            engine.dispose()
    except (UnsupportedDatabase, MigrationError, SQLAlchemyError, OSError) as exc:
        return _fail("migrate", exc)
    done = f"applied {', '.join(map(str, applied))}" if applied else "nothing to apply"
    print(f"{_shown(url)}: schema version {version} ({done})")
    return 0


def load_demo_command(args: argparse.Namespace) -> int:
    try:
        url = _database(args)
        population = load_demo_population(getattr(args, "residents", None) or DEFAULT_RESIDENTS)
        links_from = getattr(args, "links_from", None)
        links = _links(links_from) if links_from is not None else []
        engine = open_engine(url, pool_size=1, max_overflow=0)
        try:
            migrate(engine)
            count = load_demo(engine, population, links=links, replace=bool(getattr(args, "replace", False)))
        finally:
            engine.dispose()
    except (UnsupportedDatabase, MigrationError, RegistryNotEmpty, InputFileError, SQLAlchemyError, OSError,
            sqlite3.Error, ValueError) as exc:
        return _fail("load-demo", exc)
    print(f"{_shown(url)}: {count} residents and {len(links)} certificate links loaded")
    return 0


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", default=os.environ.get(DATABASE_ENV),
                        help=f"sqlite:///FILE or postgresql://USER@HOST/DB (default ${DATABASE_ENV})")


def _database(args: argparse.Namespace) -> str:
    url = getattr(args, "database", None) or os.environ.get(DATABASE_ENV)
    if not url:
        raise UnsupportedDatabase(f"no database: give --database URL or set {DATABASE_ENV}")
    return str(url)


def _links(source: Path) -> list[tuple[str, str]]:
    """The demo cards' certificate links, from a provisioned data directory's center database, read-only."""
    path = source / CENTER_DATABASE if source.is_dir() else source
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no provisioned registry (run `kiosk setup` first)")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return [(d, r) for d, r in conn.execute("SELECT cert_sha256, resident_ref FROM certificate_links ORDER BY 1")]
    finally:
        conn.close()


def _shown(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for the message
        return "database"


def _fail(command: str, exc: BaseException) -> int:
    # SQLAlchemy's messages carry the SQL and a link; the first line of the driver's is enough
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    print(f"kiosk-center {command}: {reason}", file=sys.stderr)
    return 2
