"""The operator code's hash, and the day's figures the operator page shows from the journal."""
from __future__ import annotations

from datetime import datetime

from kiosk.clock import JST, ManualClock
from kiosk.journal.events import EventType
from kiosk.journal.journal import MoneyJournal
from ui.operator.credential import make_hash, verify
from ui.operator.journal_summary import summarize


def test_operator_code_is_checked_against_its_hash_only():
    stored = make_hash("135790", iterations=1000)
    assert "135790" not in stored
    assert verify("135790", stored)
    assert not verify("135791", stored)
    assert not verify("135790", "") and not verify("135790", "md5$1$x$y")


def test_day_summary_counts_sales_kinds_and_unsettled_jobs(tmp_path):
    clock = ManualClock(datetime(2026, 11, 25, 10, 0, tzinfo=JST))
    with MoneyJournal(tmp_path / "j.sqlite", clock) as journal:
        s = journal.open_session("K1")
        journal.record(s, EventType.CASH_CREDITED, 1000)
        journal.record(s, EventType.FEE_CHARGED, 600)
        journal.record(s, EventType.PRINT_SUBMITTED, 300, "folder-000001 juminhyo")
        journal.record(s, EventType.PRINT_SUBMITTED, 300, "folder-000002 inkan")
        journal.record(s, EventType.PRINT_SUBMITTED, 0, "folder-000003 receipt")
        journal.record(s, EventType.PRINT_COMPLETED, 300, "folder-000001")
        journal.record(s, EventType.PRINT_FAILED, 300, "folder-000002 jam")
        day = summarize(journal.events(), clock.now().date())
    assert day.charged == 600 and day.sales == 300 and day.sessions == 1
    assert day.printed_by_kind == {"juminhyo": 1}
    assert day.unsettled_jobs == ("folder-000003",)
