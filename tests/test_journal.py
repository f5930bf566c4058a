"""The money journal: append-only, committed per call, strict about what a row may say."""
import re
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.clock import JST
from journal_fixtures import T0, clock, journal  # noqa: F401  (fixtures)
from kiosk.journal import (
    EventType, JournalEntryError, MoneyJournal, SessionNotOpen, recover_unfinished,
)
from kiosk.journal.events import allow_job_prefix, allow_name, scrub_detail

def raw(tmp_path):
    return sqlite3.connect(tmp_path / "journal.db", isolation_level=None)


def pay_and_print(journal, session_id, *, completed: bool) -> None:
    """1000 yen in, 300 charged, 700 change, one 300-yen job."""
    journal.record(session_id, EventType.CASH_CREDITED, 1000)
    journal.record(session_id, EventType.FEE_CHARGED, 300)
    journal.record(session_id, EventType.CHANGE_DISPENSED, 700)
    journal.record(session_id, EventType.PRINT_SUBMITTED, 300, "folder-000001 juminhyo")
    if completed:
        journal.record(session_id, EventType.PRINT_COMPLETED, detail="folder-000001")


# --- storage --------------------------------------------------------------------------------
def test_each_append_is_visible_to_another_connection_at_once(journal, tmp_path):
    session_id = journal.open_session("kiosk-01")
    journal.record(session_id, EventType.CASH_CREDITED, 500)
    rows = raw(tmp_path).execute("SELECT type, amount FROM events WHERE session_id = ? ORDER BY seq", (session_id,))
    assert rows.fetchall() == [("session_opened", None), ("cash_credited", 500)]


def test_the_database_is_in_wal_mode(journal, tmp_path):
    assert raw(tmp_path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("statement", ["UPDATE events SET amount = 1", "DELETE FROM events"])
def test_the_database_refuses_to_change_or_remove_rows(journal, tmp_path, statement):
    session_id = journal.open_session("kiosk-01")
    journal.record(session_id, EventType.CASH_CREDITED, 100)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw(tmp_path).execute(statement)
    assert [e.amount for e in journal.events(session_id)] == [None, 100]


def test_no_journal_code_updates_or_deletes_rows():
    package = Path(__file__).resolve().parents[1] / "kiosk" / "journal"
    mutating = re.compile(r"\bUPDATE\s+events\b|\bDELETE\s+FROM\b|\bDROP\b|\bREPLACE\s+INTO\b", re.I)
    offenders = [p.name for p in package.glob("*.py") if mutating.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_events_carry_the_clock_time_with_its_timezone(journal, clock, tmp_path):
    session_id = journal.open_session("kiosk-01")
    clock.advance(90)
    journal.record(session_id, EventType.CASH_CREDITED, 1000)
    stored = raw(tmp_path).execute("SELECT at FROM events ORDER BY seq").fetchall()
    assert [at for (at,) in stored] == ["2026-11-25T10:00:00+09:00", "2026-11-25T10:01:30+09:00"]
    assert journal.events(session_id)[-1].at == datetime(2026, 11, 25, 10, 1, 30, tzinfo=JST)


def test_a_clock_without_timezone_is_refused(tmp_path):
    class NaiveClock:
        def now(self):
            return datetime(2026, 11, 25, 10, 0)

    with MoneyJournal(tmp_path / "j.db", NaiveClock()) as journal:
        with pytest.raises(JournalEntryError):
            journal.open_session("kiosk-01")
        assert journal.events() == []


def test_events_survive_reopening_in_order(tmp_path, clock):
    with MoneyJournal(tmp_path / "j.db", clock) as first:
        session_id = first.open_session("kiosk-01")
        first.record(session_id, EventType.CASH_CREDITED, 100)
    with MoneyJournal(tmp_path / "j.db", clock) as second:
        second.record(session_id, EventType.CASH_CREDITED, 50)
        events = second.events(session_id)
    assert [e.type for e in events] == [EventType.SESSION_OPENED, EventType.CASH_CREDITED, EventType.CASH_CREDITED]
    assert [e.seq for e in events] == sorted(e.seq for e in events)


# --- sessions -------------------------------------------------------------------------------
def test_session_ids_are_long_random_and_distinct(journal):
    ids = {journal.open_session("kiosk-01") for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)


def test_recording_into_an_unknown_session_is_refused(journal):
    with pytest.raises(SessionNotOpen):
        journal.record("0" * 32, EventType.CASH_CREDITED, 100)
    assert journal.events() == []


def test_recording_after_the_session_closed_is_refused(journal):
    session_id = journal.open_session("kiosk-01")
    journal.close_session(session_id, "printed")
    with pytest.raises(SessionNotOpen):
        journal.record(session_id, EventType.CASH_CREDITED, 100)
    assert [e.type for e in journal.events(session_id)] == [EventType.SESSION_OPENED, EventType.SESSION_CLOSED]


def test_opening_goes_through_its_own_method(journal):
    session_id = journal.open_session("kiosk-01")
    with pytest.raises(JournalEntryError):
        journal.record(session_id, EventType.SESSION_OPENED, detail="kiosk-01")


def test_kiosk_started_belongs_to_no_session(journal):
    event = journal.kiosk_started("kiosk-01")
    assert event.session_id is None
    assert journal.unfinished_sessions() == []


def test_rows_inherit_the_resident_ref_once_known(journal):
    session_id = journal.open_session("kiosk-01")
    journal.record(session_id, EventType.CASH_CREDITED, 500)
    journal.record(session_id, EventType.FEE_CHARGED, 300, resident_ref="R-0007")
    journal.close_session(session_id, "print_failed", refund_owed=300, refund_reason="print_failed")
    assert [e.resident_ref for e in journal.events(session_id)] == [None, None, "R-0007", "R-0007", "R-0007"]
    assert journal.refunds_owed()[0].resident_ref == "R-0007"


def test_a_refused_closing_writes_neither_refund_nor_close(journal):
    session_id = journal.open_session("kiosk-01")
    with pytest.raises(JournalEntryError):
        journal.close_session(session_id, "print_failed", refund_owed=-300, refund_reason="print_failed")
    assert journal.unfinished_sessions() == [session_id]
    assert journal.refunds_owed() == []


# --- what a row may say: details come from an allow-list (journal/events.py) --------------------
# Details as the flow (kiosk/session.py), recovery, refund withdrawals and the printer adapters
# write them; every one must be stored unchanged.
REAL_DETAILS = [
    (EventType.PRINT_STARTED, 300, "0 juminhyo m-990001"),
    (EventType.PRINT_SUBMITTED, 300, "folder-000001 op-12"),
    (EventType.PRINT_SUBMITTED, 300, "folder-000002 op-14 found"),
    (EventType.PRINT_SUBMITTED, 300, "KIOSK-17 op-15 late"),
    (EventType.PRINT_COMPLETED, None, "folder-000001"),
    (EventType.PRINT_FAILED, 300, "op-12 RuntimeError"),
    (EventType.PRINT_FAILED, None, "folder-000003 media-empty"),
    (EventType.PRINT_FAILED, None, "folder-000004 not-a-pdf"),
    (EventType.PRINT_FAILED, None, "KIOSK-18 canceled media-jam-error"),
    (EventType.PRINT_FAILED, None, "KIOSK-19 stopped: toner-empty-error, door-open-error"),
    (EventType.PRINT_FAILED, None, "KIOSK-20 job-state 8"),
    (EventType.PRINT_CANCELLED, None, "folder-000005 canceled"),
    (EventType.PRINT_CANCELLED, None, "folder-000006 recovered"),
    (EventType.REFUND_OWED, 200, "change short"),
    (EventType.REFUND_OWED, 200, "cash return short"),
    (EventType.REFUND_OWED, 200, "cash stacked short"),
    (EventType.REFUND_OWED, 300, "print failed"),
    (EventType.REFUND_OWED, 300, "journal fault"),
    (EventType.REFUND_OWED, 100, "cash stack timeout"),
    (EventType.REFUND_OWED, 100, "cash return TimeoutError"),
    (EventType.REFUND_OWED, 100, "cash change unknown count_cash_box"),
    (EventType.REFUND_OWED, 100, "interrupted_session count_cash_box"),
    (EventType.REFUND_OWED, 100, "unsettled_at_close"),
    (EventType.REFUND_WITHDRAWN, 300, "ref-000123 printed-late"),
    (EventType.REFUND_WITHDRAWN, 300, "ref-000123 delivered"),
    (EventType.REFUND_WITHDRAWN, 300, "ref-000123 recovered"),
    (EventType.REFUND_WITHDRAWN, 300, "ref-000123"),
    (EventType.STACK_STARTED, 100, "keep-escrow"),
    (EventType.CASH_STACKED, 0, "op-7 not-done"),
    (EventType.CASH_STACKED, 0, "op-7 timeout"),
    (EventType.CASH_STACKED, 100, "op-7 recovered"),
    (EventType.CASH_CREDITED, 100, "found-in-escrow"),
    (EventType.CASH_CREDITED, 100, "found-in-escrow recovered"),
    (EventType.RETURN_STARTED, 100, "after op-9"),
    (EventType.RETURN_STARTED, 100, "retain-escrow"),
    (EventType.CASH_RETURNED, 0, "op-8 emptied-escrow"),
    (EventType.CASH_RETURNED, 500, "em-abcdefabcdefabcd recovered"),
    (EventType.CASH_RETURNED, 0, "em-41 timeout"),
    (EventType.CHANGE_DISPENSED, 0, "op-10 unknown count_cash_box"),
    (EventType.SESSION_CLOSED, None, "printed"),
    (EventType.SESSION_CLOSED, None, "print failed"),
    (EventType.SESSION_CLOSED, None, "pin_blocked"),
    (EventType.SESSION_CLOSED, None, "interrupted"),
    (EventType.CASH_RETURNED, 0, ""),
]


@pytest.mark.parametrize("event_type, amount, text", REAL_DETAILS)
def test_every_detail_the_kiosk_writes_is_kept_as_given(journal, event_type, amount, text):
    assert allow_job_prefix("KIOSK")  # as the CUPS printer does for its queue
    session_id = journal.open_session("kiosk-01")
    event = journal.record(session_id, event_type, amount, text)
    assert event.detail == text
    assert journal.events(session_id)[-1] == event


@pytest.mark.parametrize(
    "text, stored",
    [
        ("pin-4721", "[redacted]"),  # what the pattern filter let through
        ("x.770914534160", "[redacted]"),
        ("SILVA RAFAEL", "[redacted] [redacted]"),
        ("1234", "[redacted]"),  # a bare PIN
        ("op-12 pin4721 4721op pin_4721 PIN:4721 pin=4721", "op-12 [redacted] [redacted] [redacted] [redacted] [redacted]"),
        ("ref-4721 folder-4721 m-4721 d-4721", "[redacted] [redacted] [redacted] [redacted]"),  # known prefixes, wrong shape
        ("folder-000001 123456789018", "folder-000001 [redacted]"),  # a bare 個人番号
        ("7709-1453-4160 7709.1453.4160 7709_1453_4160", "[redacted] [redacted] [redacted]"),
        ("7709 1453 4160", "[redacted] [redacted] [redacted]"),
        ("juminhyo: 山田太郎", "juminhyo: [redacted]"),
        ("ヤマダ タロウ やまだ", "[redacted] [redacted] [redacted]"),
        ("Tanaka Hanako tanaka SilvaRafael", "[redacted] [redacted] [redacted] [redacted]"),
        ("address 架空県架空市桜町1-2-3 1-2-3", "[redacted] [redacted] [redacted]"),
        ("1977-09-14 19770914 S52.9.14", "[redacted] [redacted] [redacted]"),
        ("KIOSK-17 aborted: Filter failed", "KIOSK-17 aborted: [redacted] failed"),  # CUPS' free text
        ("timeout after 30 s", "timeout after 30 [redacted]"),
        ("ｔｉｍｅｏｕｔ timeout\u200b", "[redacted] [redacted]"),  # look-alikes are not the word
        ("a b c d e f g h i j", " ".join(["[redacted]"] * 8)),  # at most eight tokens
    ],
)
def test_anything_not_in_the_vocabulary_is_redacted(journal, tmp_path, text, stored):
    assert allow_job_prefix("KIOSK")
    session_id = journal.open_session("kiosk-01")
    journal.record(session_id, EventType.PRINT_FAILED, None, text)
    [(kept,)] = raw(tmp_path).execute("SELECT detail FROM events WHERE type = 'print_failed'").fetchall()
    assert kept == stored


@pytest.mark.parametrize("name, allowed", [
    ("DEMO-0001", True), ("kiosk-01", True), ("K1", True), ("KIOSKTESTab-1", True),
    ("4721", False), ("KIOSK2024", False), ("x.770914534160", False), ("山田", False), ("K" * 33, False),
])
def test_a_kiosk_id_or_queue_is_allowed_only_if_it_cannot_pass_for_a_pin(name, allowed):
    assert allow_name(name) is allowed
    assert scrub_detail(name) == (name if allowed else "[redacted]")


@pytest.mark.parametrize(
    "event_type, amount, resident_ref",
    [
        (EventType.CASH_CREDITED, None, None),
        (EventType.CASH_CREDITED, 0, None),
        (EventType.REFUND_OWED, 0, None),
        (EventType.CHANGE_DISPENSED, -10, None),
        (EventType.CHANGE_DISPENSED, True, None),
        (EventType.FEE_CHARGED, 300.0, None),
        (EventType.SESSION_CLOSED, 300, None),
        (EventType.FEE_CHARGED, 300, "123456789018"),  # resident_ref must be opaque
        (EventType.FEE_CHARGED, 300, "架空 花子"),
    ],
)
def test_bad_amounts_and_refs_are_refused_without_echoing_them(journal, event_type, amount, resident_ref):
    session_id = journal.open_session("kiosk-01")
    with pytest.raises(JournalEntryError) as refused:
        journal.record(session_id, event_type, amount, "", resident_ref)
    assert "123456789018" not in str(refused.value) and "花子" not in str(refused.value)
    assert len(journal.events(session_id)) == 1


def test_a_row_describes_itself_on_one_line(journal):
    session_id = journal.open_session("kiosk-01")
    event = journal.record(session_id, EventType.PRINT_SUBMITTED, 300, "folder-000001 juminhyo", "R-0007")
    assert event.describe() == (
        f"#{event.seq} 2026-11-25T10:00:00+09:00 {session_id[:8]} print_submitted 300 yen folder-000001 juminhyo [R-0007]"
    )


# --- balances and refunds ---------------------------------------------------------------------
def test_session_balance_sums_each_money_movement(journal):
    session_id = journal.open_session("kiosk-01")
    journal.record(session_id, EventType.CASH_CREDITED, 1000)
    journal.record(session_id, EventType.FEE_CHARGED, 500)
    journal.record(session_id, EventType.CHANGE_DISPENSED, 500)
    journal.record(session_id, EventType.PRINT_SUBMITTED, 300, "folder-000001 juminhyo")
    journal.record(session_id, EventType.PRINT_SUBMITTED, 200, "folder-000002 inkan")
    journal.record(session_id, EventType.PRINT_COMPLETED, detail="folder-000001")
    journal.record(session_id, EventType.PRINT_FAILED, detail="folder-000002 jam")
    journal.record(session_id, EventType.REFUND_OWED, 200, "print_failed")
    balance = journal.session_balance(session_id)
    assert (balance.credited, balance.returned, balance.charged, balance.change) == (1000, 0, 500, 500)
    assert (balance.printed_value, balance.owed, balance.undelivered) == (300, 200, 0)


def test_more_handed_out_than_taken_shows_as_negative(journal):
    session_id = journal.open_session("kiosk-01")
    journal.record(session_id, EventType.CASH_CREDITED, 100)
    journal.record(session_id, EventType.CASH_RETURNED, 150)
    assert journal.session_balance(session_id).undelivered == -50
    [recovered] = recover_unfinished(journal)
    assert recovered.refund_owed == 0 and recovered.balance.undelivered == -50


def test_refunds_owed_lists_session_amount_reason_and_time(journal, clock):
    first = journal.open_session("kiosk-01")
    journal.record(first, EventType.CASH_CREDITED, 1000)
    clock.advance(60)
    journal.record(first, EventType.REFUND_OWED, 200, "change short")
    second = journal.open_session("kiosk-01")
    journal.close_session(second, "cancelled")
    refunds = journal.refunds_owed()
    assert [(r.session_id, r.amount, r.reason, r.at) for r in refunds] == [
        (first, 200, "change short", datetime(2026, 11, 25, 10, 1, tzinfo=JST))
    ]


# --- recovery ---------------------------------------------------------------------------------
def _escrow_only(j, s):
    j.record(s, EventType.CASH_CREDITED, 500)


def _escrow_returned(j, s):
    j.record(s, EventType.CASH_CREDITED, 500)
    j.record(s, EventType.CASH_RETURNED, 500)


def _print_failed_refund_recorded(j, s):
    pay_and_print(j, s, completed=False)
    j.record(s, EventType.PRINT_FAILED, detail="folder-000001 media-empty")
    j.record(s, EventType.REFUND_OWED, 300, "print_failed")


def _change_short(j, s):
    j.record(s, EventType.CASH_CREDITED, 1000)
    j.record(s, EventType.FEE_CHARGED, 300)
    j.record(s, EventType.PRINT_SUBMITTED, 300, "folder-000001 juminhyo")
    j.record(s, EventType.PRINT_COMPLETED, detail="folder-000001")
    j.record(s, EventType.CHANGE_DISPENSED, 500)
    j.record(s, EventType.REFUND_OWED, 200, "change short")


def _two_jobs_one_printed(j, s):
    j.record(s, EventType.CASH_CREDITED, 1000)
    j.record(s, EventType.FEE_CHARGED, 650)
    j.record(s, EventType.CHANGE_DISPENSED, 350)
    j.record(s, EventType.PRINT_SUBMITTED, 300, "folder-000001 juminhyo")
    j.record(s, EventType.PRINT_SUBMITTED, 350, "folder-000002 koseki_zenbu")
    j.record(s, EventType.PRINT_COMPLETED, detail="folder-000002")


@pytest.mark.parametrize(
    "story, owed",
    [
        (lambda j, s: pay_and_print(j, s, completed=False), 300),
        (lambda j, s: pay_and_print(j, s, completed=True), 0),
        (_escrow_only, 500),
        (_escrow_returned, 0),
        (_print_failed_refund_recorded, 0),
        (_change_short, 0),
        (_two_jobs_one_printed, 300),
        (lambda j, s: None, 0),
    ],
    ids=["print-pending", "printed", "escrow", "returned", "refund-already-owed", "change-short",
         "one-of-two-printed", "empty"],
)
def test_recovery_owes_what_was_taken_and_not_delivered(journal, story, owed):
    session_id = journal.open_session("kiosk-01", resident_ref="R-0001")
    story(journal, session_id)
    refunds_before = len(journal.refunds_owed())
    [recovered] = recover_unfinished(journal)
    assert (recovered.session_id, recovered.refund_owed) == (session_id, owed)
    new_refunds = journal.refunds_owed()[refunds_before:]
    assert [(r.session_id, r.amount, r.reason) for r in new_refunds] == (
        [(session_id, owed, "interrupted_session")] if owed else []
    )
    assert journal.events(session_id)[-1].detail == "interrupted"
    assert journal.unfinished_sessions() == []


def test_recovery_leaves_closed_sessions_alone_and_runs_once(journal):
    closed = journal.open_session("kiosk-01")
    journal.record(closed, EventType.CASH_CREDITED, 1000)
    journal.close_session(closed, "printed")
    open_ = journal.open_session("kiosk-01")
    journal.record(open_, EventType.CASH_CREDITED, 100)
    assert [r.session_id for r in recover_unfinished(journal)] == [open_]
    assert recover_unfinished(journal) == []
    assert [(r.session_id, r.amount) for r in journal.refunds_owed()] == [(open_, 100)]


def test_a_completion_counts_the_submitted_value_and_needs_a_readable_job_id(journal):
    session_id = journal.open_session("kiosk-01")
    journal.record(session_id, EventType.CASH_CREDITED, 1000)
    journal.record(session_id, EventType.PRINT_SUBMITTED, 300, "folder-000001 juminhyo")
    journal.record(session_id, EventType.PRINT_COMPLETED, 999, "folder-000001")  # its own amount is informative
    journal.record(session_id, EventType.PRINT_SUBMITTED, 200, "1234 inkan")  # the id is redacted
    journal.record(session_id, EventType.PRINT_COMPLETED, None, "1234")
    assert journal.session_balance(session_id).printed_value == 300


def test_an_owed_refund_describes_itself_on_one_line(journal):
    session_id = journal.open_session("kiosk-01", resident_ref="R-0007")
    journal.close_session(session_id, "print_failed", refund_owed=300, refund_reason="print failed")
    [refund] = journal.refunds_owed()
    assert refund.describe() == f"#{refund.reference} 2026-11-25T10:00:00+09:00 {session_id[:8]} owed 300 yen: print failed [R-0007]"
    assert refund.reference == "000002"
