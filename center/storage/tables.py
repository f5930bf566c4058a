"""The center's tables as SQLAlchemy Core objects: what every query is written against.

The tables themselves are made by the numbered migrations in ``center/migrations/`` (portable
SQL, see center/storage/migrate.py); these objects only describe them, for SQLite and
PostgreSQL alike. tests/test_center_storage.py checks that a migrated database has exactly these
tables, columns and keys.

Times are ``Micros``: an aware datetime stored as BIGINT microseconds since the epoch (UTC), the
one representation that compares and sorts the same in both databases without a timezone type.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import (
    BigInteger, Boolean, Column, Date, ForeignKeyConstraint, Integer, LargeBinary, MetaData, PrimaryKeyConstraint, Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Micros(TypeDecorator[datetime]):
    """Aware datetime <-> BIGINT microseconds since 1970-01-01 UTC. Naive datetimes are refused."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> int | None:
        if value is None:
            return None
        return to_micros(value)

    def process_result_value(self, value: int | None, dialect: object) -> datetime | None:
        return None if value is None else from_micros(value)


def to_micros(at: datetime) -> int:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("a naive datetime cannot be stored: give it a timezone")
    delta = at - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


metadata = MetaData()

# --- the center ---------------------------------------------------------------------------------------
issue_counters = Table(
    "issue_counters", metadata,
    Column("municipality_code", Text, nullable=False),
    Column("day", Text, nullable=False),  # YYYYMMDD, Japan time
    Column("last_number", BigInteger, nullable=False),
    PrimaryKeyConstraint("municipality_code", "day"),
)

challenges = Table(
    "challenges", metadata,
    Column("challenge_id", Text, primary_key=True),
    Column("nonce", Text, nullable=False),  # 32 bytes, hex
    Column("expires_at", Micros, nullable=False),
    Column("forget_at", Micros, nullable=False),
    Column("used", Boolean, nullable=False),
)

auth_sessions = Table(
    "auth_sessions", metadata,
    Column("token_sha256", Text, primary_key=True),
    Column("resident_ref", Text, nullable=False),
    Column("kiosk_id", Text, nullable=False),
    Column("opened_at", Micros, nullable=False),
    Column("expires_at", Micros, nullable=False),
)

issue_requests = Table(
    "issue_requests", metadata,
    Column("request_key", Text, primary_key=True),
    Column("kiosk_id", Text, nullable=False),
    Column("created_at", Micros, nullable=False),
    Column("result", Text, nullable=True),
)

issuance_records = Table(
    "issuance_records", metadata,
    Column("issue_number", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("recorded_at", Micros, nullable=False),
    Column("kiosk_id", Text, nullable=False),
    Column("session_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("copies", Integer, nullable=False),
    Column("resident_pseudonym", Text, nullable=False),
    PrimaryKeyConstraint("issue_number", "outcome"),
)

# --- the registry -------------------------------------------------------------------------------------
municipalities = Table(
    "municipalities", metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_kana", Text, nullable=False),
    Column("prefecture", Text, nullable=False),
    Column("kiosk_participating", Boolean, nullable=False),
)

households = Table(
    "households", metadata,
    Column("household_id", Text, primary_key=True),
    Column("municipality_code", Text, nullable=False),
    Column("address", Text, nullable=False),
)

koseki = Table(
    "koseki", metadata,
    Column("koseki_id", Text, primary_key=True),
    Column("municipality_code", Text, nullable=False),
    Column("honseki", Text, nullable=False),
    Column("hittousha_family", Text, nullable=False),
    Column("hittousha_given", Text, nullable=False),
    Column("hittousha_family_kana", Text, nullable=False),
    Column("hittousha_given_kana", Text, nullable=False),
)

residents = Table(
    "residents", metadata,
    Column("resident_ref", Text, primary_key=True),
    Column("household_id", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("family", Text, nullable=False),
    Column("given", Text, nullable=False),
    Column("family_kana", Text, nullable=False),
    Column("given_kana", Text, nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("sex", Text, nullable=False),
    Column("household_head", Boolean, nullable=False),
    Column("relationship", Text, nullable=False),
    Column("became_resident_on", Date, nullable=False),
    Column("address_set_on", Date, nullable=False),
    Column("notified_on", Date, nullable=False),
    Column("previous_address", Text, nullable=True),
    Column("my_number", Text, nullable=False),
    Column("koseki_id", Text, nullable=True),
    Column("support_measure", Boolean, nullable=False),
    Column("moving_out", Boolean, nullable=False),
    Column("deceased", Boolean, nullable=False),
)

foreign_residents = Table(
    "foreign_residents", metadata,
    Column("resident_ref", Text, primary_key=True),
    Column("nationality", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("period_until", Date, nullable=False),
    Column("residence_card_number", Text, nullable=False),
    Column("category", Text, nullable=False),  # migration 3: 区分 (中長期在留者, 特別永住者...)
    Column("period", Text, nullable=False),  # migration 3: 在留期間等 ('' where none)
)

resident_remarks = Table(  # migration 3: 備考 lines of the 住民票
    "resident_remarks", metadata,
    Column("resident_ref", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("remark", Text, nullable=False),
    PrimaryKeyConstraint("resident_ref", "position"),
)

seals = Table(
    "seals", metadata,
    Column("resident_ref", Text, primary_key=True),
    Column("registration_number", Text, nullable=False),
    Column("registered_on", Date, nullable=False),
    Column("impression", Text, nullable=False),
    Column("image_recipe", Text, nullable=False),  # migration 2
    Column("image", LargeBinary, nullable=False),  # migration 2: the 印影, a 1-bit PNG
)

tax_records = Table(
    "tax_records", metadata,
    Column("resident_ref", Text, nullable=False),
    Column("fiscal_year", Integer, nullable=False),
    Column("jan1_municipality_code", Text, nullable=False),
    Column("declared", Boolean, nullable=False),
    Column("total_income", BigInteger, nullable=False),
    Column("taxable_income", BigInteger, nullable=False),
    Column("municipal_tax", BigInteger, nullable=False),
    Column("prefectural_tax", BigInteger, nullable=False),
    Column("dependents", BigInteger, nullable=False),
    Column("taxed", Boolean, nullable=False),
    Column("total_deductions", BigInteger, nullable=False),  # migration 3, like the four below
    Column("municipal_per_capita", BigInteger, nullable=False),
    Column("municipal_income_levy", BigInteger, nullable=False),
    Column("prefectural_per_capita", BigInteger, nullable=False),
    Column("prefectural_income_levy", BigInteger, nullable=False),
    PrimaryKeyConstraint("resident_ref", "fiscal_year"),
)

tax_incomes = Table(  # migration 3
    "tax_incomes", metadata,
    Column("resident_ref", Text, nullable=False),
    Column("fiscal_year", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", Text, nullable=False),
    Column("revenue", BigInteger, nullable=True),
    Column("income", BigInteger, nullable=False),
    PrimaryKeyConstraint("resident_ref", "fiscal_year", "position"),
    ForeignKeyConstraint(["resident_ref", "fiscal_year"], ["tax_records.resident_ref", "tax_records.fiscal_year"]),
)

tax_deductions = Table(  # migration 3
    "tax_deductions", metadata,
    Column("resident_ref", Text, nullable=False),
    Column("fiscal_year", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", Text, nullable=False),
    Column("amount", BigInteger, nullable=False),
    PrimaryKeyConstraint("resident_ref", "fiscal_year", "position"),
    ForeignKeyConstraint(["resident_ref", "fiscal_year"], ["tax_records.resident_ref", "tax_records.fiscal_year"]),
)

address_history = Table(
    "address_history", metadata,
    Column("resident_ref", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("address", Text, nullable=False),
    Column("set_on", Date, nullable=False),
    PrimaryKeyConstraint("resident_ref", "position"),
)

koseki_members = Table(
    "koseki_members", metadata,
    Column("koseki_id", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("family", Text, nullable=False),
    Column("given", Text, nullable=False),
    Column("family_kana", Text, nullable=False),
    Column("given_kana", Text, nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("sex", Text, nullable=False),
    Column("father", Text, nullable=False),
    Column("mother", Text, nullable=False),
    Column("relationship", Text, nullable=False),
    Column("resident_ref", Text, nullable=True),
    Column("removed", Boolean, nullable=False),
    Column("spouse", Boolean, nullable=False),  # migration 3: 【配偶者区分】
    PrimaryKeyConstraint("koseki_id", "position"),
)

koseki_entries = Table(
    "koseki_entries", metadata,
    Column("koseki_id", Text, nullable=False),
    Column("member_position", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("event", Text, nullable=False),
    Column("on_date", Date, nullable=False),
    Column("detail", Text, nullable=False),
    Column("notified_on", Date, nullable=True),  # migration 3: 【届出日】
    PrimaryKeyConstraint("koseki_id", "member_position", "position"),
    ForeignKeyConstraint(["koseki_id", "member_position"], ["koseki_members.koseki_id", "koseki_members.position"]),
)

koseki_events = Table(  # migration 3: 戸籍事項 (戸籍編製, 転籍...) of the 戸籍 itself
    "koseki_events", metadata,
    Column("koseki_id", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("event", Text, nullable=False),
    Column("on_date", Date, nullable=False),
    Column("detail", Text, nullable=False),
    Column("notified_on", Date, nullable=True),
    PrimaryKeyConstraint("koseki_id", "position"),
)

kiosk_registrations = Table(
    "kiosk_registrations", metadata,
    Column("koseki_id", Text, nullable=False),
    Column("resident_ref", Text, nullable=False),
    PrimaryKeyConstraint("koseki_id", "resident_ref"),
)

certificate_links = Table(
    "certificate_links", metadata,
    Column("cert_sha256", Text, primary_key=True),
    Column("resident_ref", Text, nullable=False),
)

# Children before parents: the order rows are deleted in when the registry is loaded again.
REGISTRY_TABLES_CHILDREN_FIRST = (
    certificate_links, kiosk_registrations, koseki_events, koseki_entries, koseki_members, address_history,
    tax_deductions, tax_incomes, tax_records, resident_remarks, seals, foreign_residents, residents, koseki,
    households, municipalities,
)
