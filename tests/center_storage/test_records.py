"""交付記録: append-only (also against SQL from outside the code), one row per outcome, no personal data."""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

import center.storage.store as store_module
from center.storage import CenterStore, RecordOutcome, ReportResult, migrate, open_engine
from center.storage.tables import issuance_records
from center_storage.samples import PERSONAL_VALUES, PSEUDONYM_KEY, T0, document
from kiosk.kinds import CertificateKind
from kiosk.ports.center import DocumentOutcome, Issued

RESIDENT = "R-0001"


@pytest.fixture
def issued(store):
    def build(take):
        return Issued((document(CertificateKind.JUMINHYO, take("990001", T0), "S-1", T0, copies=2),
                       document(CertificateKind.INKAN, take("990001", T0), "S-1", T0)))

    result = store.issue_once("ab" * 32, build, kiosk_id="K-0001", session_id="S-1", resident_ref=RESIDENT, at=T0)
    return [d.issue_number for d in result.documents]


def test_outcomes_are_appended_once_each(store, issued):
    first, second = issued
    later = T0 + timedelta(minutes=3)
    assert store.report("S-1", first, DocumentOutcome.PRINTED, later) is ReportResult.RECORDED
    assert store.report("S-1", first, DocumentOutcome.PRINTED, later) is ReportResult.ALREADY_RECORDED
    assert store.report("S-1", second, DocumentOutcome.REFUNDED, later) is ReportResult.RECORDED
    assert store.report("S-1", second, DocumentOutcome.PRINTED, later) is ReportResult.RECORDED  # printed late
    rows = store.records(first)
    assert [(r.outcome, r.kind, r.copies, r.kiosk_id) for r in rows] == [
        (RecordOutcome.ISSUED, "juminhyo", 2, "K-0001"), (RecordOutcome.PRINTED, "juminhyo", 2, "K-0001")]
    assert rows[1].recorded_at == later
    assert len(store.records()) == 5


def test_a_report_for_another_session_or_number_adds_nothing(store, issued):
    assert store.report("S-2", issued[0], DocumentOutcome.VOIDED, T0) is ReportResult.UNKNOWN_ISSUE_NUMBER
    assert store.report("S-1", "990001-20261125-999999", DocumentOutcome.VOIDED, T0) is \
        ReportResult.UNKNOWN_ISSUE_NUMBER
    assert len(store.records()) == 2
    with pytest.raises(ValueError):
        store.report("S-1", issued[0], RecordOutcome.ISSUED, T0)


def test_record_appends_once(store):
    kwargs = dict(issue_number="990001-20261125-000777", kind="inkan", copies=1, kiosk_id="K-0001",
                  session_id="S-9", resident_ref=RESIDENT, outcome=RecordOutcome.ISSUED, at=T0)
    assert store.record(**kwargs) is True
    assert store.record(**kwargs) is False
    assert store.report("S-9", "990001-20261125-000777", DocumentOutcome.VOIDED, T0) is ReportResult.RECORDED


@pytest.mark.parametrize("statement", [
    "UPDATE issuance_records SET outcome = 'printed'",
    "UPDATE issuance_records SET copies = 9 WHERE outcome = 'issued'",
    "DELETE FROM issuance_records",
    "DELETE FROM issuance_records WHERE outcome = 'issued'",
])
def test_update_and_delete_are_refused_by_the_database(engine, issued, statement):
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(select(issuance_records)).all() != []


@pytest.mark.realstack
def test_truncate_is_refused_by_postgresql(postgres_server):
    """SQLite has no TRUNCATE; PostgreSQL's is refused by its own statement trigger."""
    engine = open_engine(postgres_server.create_database())
    try:
        migrate(engine)
        CenterStore(engine, pseudonym_key=PSEUDONYM_KEY).record(
            issue_number="990001-20261125-000001", kind="inkan", copies=1, kiosk_id="K-0001", session_id="S-1",
            resident_ref=RESIDENT, outcome=RecordOutcome.ISSUED, at=T0)
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text("TRUNCATE issuance_records"))
    finally:
        engine.dispose()


def test_the_code_has_no_update_or_delete_path():
    source = Path(store_module.__file__).read_text()
    assert not re.search(r"(update|delete)\(\s*t_records", source)
    assert not re.search(r"(UPDATE|DELETE FROM)\s+issuance_records", source, re.IGNORECASE)


def test_the_resident_is_only_a_pseudonym(store, engine, issued):
    store.report("S-1", issued[0], DocumentOutcome.PRINTED, T0)
    expected = hmac.new(PSEUDONYM_KEY, RESIDENT.encode(), hashlib.sha256).hexdigest()
    assert store.pseudonym(RESIDENT) == expected != store.pseudonym("R-0002")
    with engine.connect() as conn:
        rows = conn.execute(select(issuance_records)).all()
    values = [str(v) for row in rows for v in row]
    assert {row.resident_pseudonym for row in rows} == {expected}
    assert not any(RESIDENT in v for v in values)
    assert not any(personal in v for v in values for personal in PERSONAL_VALUES)
    assert set(issuance_records.c.keys()) == {
        "issue_number", "outcome", "recorded_at", "kiosk_id", "session_id", "kind", "copies", "resident_pseudonym"}
