"""Migrations: applied to an empty database, idempotent, recorded, and the same tables as tables.py."""
from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import inspect, text

from center.storage import MigrationError, latest_version, migrate, open_engine, require_current, schema_version
from center.storage.migrate import MIGRATIONS_DIR, load_migrations, split_statements
from center.storage.tables import metadata


@pytest.fixture
def fresh(db_url):
    engine = open_engine(db_url)
    yield engine
    engine.dispose()


def test_apply_to_empty_then_nothing(fresh):
    assert schema_version(fresh) == 0
    with pytest.raises(MigrationError, match="run `kiosk-center migrate`"):
        require_current(fresh)
    assert migrate(fresh) == list(range(1, latest_version() + 1))
    assert migrate(fresh) == []
    assert schema_version(fresh) == latest_version() >= 1
    require_current(fresh)
    with fresh.connect() as conn:
        rows = conn.execute(text("SELECT version, name, checksum, applied_at FROM schema_version")).all()
    assert [(r.version, r.name) for r in rows] == [(m.version, m.name) for m in load_migrations()]
    assert all(len(r.checksum) == 64 and r.applied_at > 0 for r in rows)


def test_concurrent_runners_apply_once(fresh, db_url):
    engines = [open_engine(db_url) for _ in range(4)]
    try:
        with ThreadPoolExecutor(4) as pool:
            applied = list(pool.map(migrate, engines))
    finally:
        for engine in engines:
            engine.dispose()
    # each version is applied by exactly one runner (not necessarily the same one for every version)
    assert sorted(version for versions in applied for version in versions) == list(range(1, latest_version() + 1))
    assert schema_version(fresh) == latest_version()


def test_migrated_schema_is_what_tables_py_describes(engine):
    inspector = inspect(engine)
    assert set(inspector.get_table_names()) == set(metadata.tables) | {"schema_version"}
    for name, table in metadata.tables.items():
        columns = {c["name"]: c for c in inspector.get_columns(name)}
        assert list(columns) == [c.name for c in table.columns], name
        for column in table.columns:
            assert columns[column.name]["nullable"] == column.nullable, f"{name}.{column.name}"
            assert type(columns[column.name]["type"]).__name__.upper() in _SAME_TYPES[column.type.__class__.__name__]
        assert inspector.get_pk_constraint(name)["constrained_columns"] == [c.name for c in table.primary_key]


_SAME_TYPES = {  # how each Core type comes back when the database is reflected
    "Text": {"TEXT"}, "Integer": {"INTEGER"}, "BigInteger": {"BIGINT"}, "Micros": {"BIGINT"},
    "Boolean": {"BOOLEAN"}, "Date": {"DATE"}, "LargeBinary": {"BLOB", "BYTEA"},
}


def test_a_changed_migration_is_refused(engine, tmp_path):
    changed = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, changed)
    first = next(p for p in changed.glob("0001_*.sql") if p.name.count(".") == 1)  # the portable file
    first.write_text(first.read_text() + "\n-- an edit after the fact\nCREATE TABLE sneaky (x TEXT);\n")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        migrate(engine, changed)


def test_a_database_newer_than_the_code_is_refused(engine):
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO schema_version (version, name, checksum, applied_at) "
                          "VALUES (99, 'future', 'x', 0)"))
    with pytest.raises(MigrationError, match="newer than this code"):
        require_current(engine)
    with pytest.raises(MigrationError, match="newer than this code"):
        migrate(engine)


def test_a_gap_in_the_numbers_is_refused(tmp_path):
    (tmp_path / "0001_a.sql").write_text("CREATE TABLE a (x TEXT);\n")
    (tmp_path / "0003_c.sql").write_text("CREATE TABLE c (x TEXT);\n")
    with pytest.raises(MigrationError, match="migration 2 is missing"):
        load_migrations(tmp_path)


def test_a_failed_migration_leaves_nothing(fresh, tmp_path):
    (tmp_path / "0001_ok.sql").write_text("CREATE TABLE ok_table (x TEXT);\n\nCREATE TABLE broken (x NO_SUCH_TYPE(;\n")
    with pytest.raises(Exception):
        migrate(fresh, tmp_path)
    assert "ok_table" not in inspect(fresh).get_table_names()
    assert schema_version(fresh) == 0


def test_statements_are_split_at_blank_lines():
    sql = "-- comment\nCREATE TABLE a (\n    x TEXT\n);\n\n\nCREATE INDEX i ON a (x);\n-- trailing\n"
    assert split_statements(sql) == ["CREATE TABLE a (\n    x TEXT\n);", "CREATE INDEX i ON a (x);"]


def test_a_version_2_database_is_brought_to_3_keeping_its_rows(fresh, tmp_path):
    """Migration 3 (the items of the official forms) on a registry loaded at version 2: every row
    stays, the new columns take their defaults, and the registry reads it."""
    from datetime import date

    from center.storage import SqlRegistry
    from center.storage import tables as t

    older = tmp_path / "migrations"
    older.mkdir()
    for path in MIGRATIONS_DIR.glob("000[12]_*.sql"):
        shutil.copy(path, older)
    assert migrate(fresh, older) == [1, 2]
    with fresh.begin() as conn:  # only the columns version 2 has
        conn.execute(t.municipalities.insert(), {"code": "990001", "name": "七星市", "name_kana": "ななほしし",
                                                 "prefecture": "架空県", "kiosk_participating": True})
        conn.execute(t.households.insert(), {"household_id": "H-1", "municipality_code": "990001", "address": "北斗町1"})
        conn.execute(t.koseki.insert(), {"koseki_id": "K-1", "municipality_code": "990001", "honseki": "北斗町1",
                                         "hittousha_family": "月岡", "hittousha_given": "岳",
                                         "hittousha_family_kana": "ツキオカ", "hittousha_given_kana": "ガク"})
        conn.execute(t.residents.insert(), {
            "resident_ref": "R-1", "household_id": "H-1", "position": 0, "family": "月岡", "given": "岳",
            "family_kana": "ツキオカ", "given_kana": "ガク", "birth_date": date(1979, 7, 7), "sex": "male",
            "household_head": True, "relationship": "世帯主", "became_resident_on": date(1979, 7, 7),
            "address_set_on": date(2012, 9, 1), "notified_on": date(2012, 9, 3), "previous_address": None,
            "my_number": "111111111118", "koseki_id": "K-1", "support_measure": False, "moving_out": False,
            "deceased": False})
        conn.execute(t.foreign_residents.insert(), {"resident_ref": "R-1", "nationality": "架空国", "status": "定住者",
                                                    "period_until": date(2028, 3, 31),
                                                    "residence_card_number": "XY98765432ZW"})
        conn.execute(t.tax_records.insert(), {
            "resident_ref": "R-1", "fiscal_year": 2026, "jan1_municipality_code": "990001", "declared": True,
            "total_income": 5_000_000, "taxable_income": 3_000_000, "municipal_tax": 183_000,
            "prefectural_tax": 121_000, "dependents": 2, "taxed": True})
        conn.execute(t.koseki_members.insert(), {
            "koseki_id": "K-1", "position": 0, "family": "月岡", "given": "岳", "family_kana": "ツキオカ",
            "given_kana": "ガク", "birth_date": date(1979, 7, 7), "sex": "male", "father": "月岡権六",
            "mother": "月岡ハナ", "relationship": "長男", "resident_ref": "R-1", "removed": False})
        conn.execute(t.koseki_entries.insert(), {"koseki_id": "K-1", "member_position": 0, "position": 0,
                                                 "event": "出生", "on_date": date(1979, 7, 7), "detail": "【出生地】七星市"})

    assert migrate(fresh) == list(range(3, latest_version() + 1))
    require_current(fresh)
    registry = SqlRegistry(fresh)
    resident = registry.resident("R-1")
    assert resident is not None and resident.name.given == "岳" and resident.remarks == ()
    assert resident.foreign is not None and (resident.foreign.status, resident.foreign.category) == ("定住者", "")
    (tax,) = resident.tax_records
    assert (tax.total_income, tax.municipal_tax, tax.prefectural_tax) == (5_000_000, 183_000, 121_000)
    assert (tax.incomes, tax.deductions, tax.total_deductions, tax.municipal_per_capita,
            tax.municipal_income_levy, tax.prefectural_per_capita, tax.prefectural_income_levy) == ((), (), 0, 0, 0, 0, 0)
    koseki = registry.koseki("K-1")
    assert koseki is not None and koseki.events == ()
    (member,) = koseki.members
    assert not member.spouse and [(e.event, e.on, e.notified_on) for e in member.entries] == [
        ("出生", date(1979, 7, 7), None)]
