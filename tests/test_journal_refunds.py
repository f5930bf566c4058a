"""Refunds settled by staff, by the reference on the resident's slip; what is still owed after."""

import pytest

from kiosk.journal import EventType, JournalEntryError, MoneyJournal, RefundNotPayable
from kiosk.journal.check import check_books
from journal_fixtures import T0, clock, journal  # noqa: F401  (fixtures)


def owe(journal, amount: int, reason: str = "print_failed", resident_ref: str | None = "R-0001") -> tuple[str, str]:
    """A closed session that took ``amount`` and owes it back; (session id, reference)."""
    session = journal.open_session("K1", resident_ref)
    journal.record(session, EventType.CASH_CREDITED, amount)
    journal.close_session(session, "print failed", refund_owed=amount, refund_reason=reason)
    return session, journal.refunds_owed()[-1].reference


def test_a_paid_refund_is_journaled_in_its_session_and_no_longer_owed(journal, clock):
    session, reference = owe(journal, 300)
    other_session, other = owe(journal, 450)
    clock.advance(3600)
    paid = journal.mark_refund_paid(reference, "staff1")
    assert (paid.type, paid.session_id, paid.amount) == (EventType.REFUND_PAID, session, 300)
    assert paid.detail == f"ref-{reference} op-staff1"
    assert paid.resident_ref == "R-0001" and paid.at == clock.now()
    assert [r.reference for r in journal.refunds_owed()] == [other]
    [settled] = journal.refunds_paid()
    assert (settled.reference, settled.session_id, settled.amount, settled.operator) == (reference, session, 300, "op-staff1")
    assert "[redacted]" not in paid.detail


def test_what_a_late_answer_withdrew_is_not_paid_again(journal):
    session, reference = owe(journal, 500)
    journal.record(session, EventType.REFUND_WITHDRAWN, 200, f"ref-{reference} printed-late")
    assert journal.refunds_owed()[0].amount == 300
    assert journal.mark_refund_paid(reference, "op-staff2").amount == 300
    assert journal.refunds_owed() == []


@pytest.mark.parametrize("typed", ["{ref}", "#{ref}", "ref-{ref}", "{short}"])
def test_the_reference_is_taken_as_staff_type_it(journal, typed):
    _, reference = owe(journal, 300)
    text = typed.format(ref=reference, short=str(int(reference)))
    assert journal.mark_refund_paid(text, "staff1").amount == 300


def test_an_unknown_reference_is_refused_and_nothing_is_written(journal):
    session, reference = owe(journal, 300)
    before = len(journal.events())
    for wrong in ("999999", "0", "abc", str(int(reference) - 1)):  # the row before is the cash_credited, not a refund
        with pytest.raises(RefundNotPayable) as refused:
            journal.mark_refund_paid(wrong, "staff1")
        assert "\n" not in str(refused.value)
    assert len(journal.events()) == before


def test_a_refund_is_paid_once(journal, tmp_path, clock):
    _, reference = owe(journal, 300)
    journal.mark_refund_paid(reference, "staff1")
    with MoneyJournal(tmp_path / "journal.db", clock) as till_two:  # another connection, e.g. the CLI
        with pytest.raises(RefundNotPayable, match="already paid"):
            till_two.mark_refund_paid(reference, "staff2")
    assert len(journal.refunds_paid()) == 1


def test_a_fully_withdrawn_refund_cannot_be_paid(journal):
    session, reference = owe(journal, 300)
    journal.record(session, EventType.REFUND_WITHDRAWN, 300, f"ref-{reference} printed-late")
    with pytest.raises(RefundNotPayable, match="withdrawn"):
        journal.mark_refund_paid(reference, "staff1")
    assert journal.refunds_paid() == []


@pytest.mark.parametrize("operator", ["Tanaka Hanako", "staff1234", "山田", "", "op-" + "x" * 60])
def test_an_operator_id_that_would_not_survive_scrubbing_is_refused_unquoted(journal, operator):
    _, reference = owe(journal, 300)
    with pytest.raises(JournalEntryError) as refused:
        journal.mark_refund_paid(reference, operator)
    assert operator not in str(refused.value) or not operator
    assert journal.refunds_paid() == [] and len(journal.refunds_owed()) == 1


def test_the_books_still_balance_after_a_refund_is_paid(journal):
    _, reference = owe(journal, 300)
    journal.mark_refund_paid(reference, "staff1")
    assert check_books(journal) == []


def test_the_books_flag_a_refund_paid_beyond_what_was_owed(journal):
    session, reference = owe(journal, 300)
    journal.record(session, EventType.REFUND_PAID, 500, f"ref-{reference} op-staff1")  # not through mark_refund_paid
    [problem] = check_books(journal)
    assert f"ref-{reference}" in problem and "500" in problem and "300" in problem


def test_unfinished_sessions_show_what_recovery_will_owe(journal):
    crashed = journal.open_session("K1")
    journal.record(crashed, EventType.CASH_CREDITED, 1000)
    journal.record(crashed, EventType.FEE_CHARGED, 300)
    journal.record(crashed, EventType.CHANGE_DISPENSED, 700)
    nothing_taken = journal.open_session("K1")
    owe(journal, 200)
    assert journal.unfinished_owed() == [(crashed, 300)]
    assert nothing_taken in journal.unfinished_sessions()
