"""Start-up recovery: settle every session a crash left open by asking the devices what happened.

For each unfinished session, oldest first:

1. Every intent without an outcome (``stack_started``, ``return_started``, ``change_started``,
   named ``op-<seq>`` by its row) is put to the cash unit, which keeps what each operation did.
   A unit that cannot tell is answered in the resident's favour: nothing was paid out, and the
   refund is flagged ``count_cash_box`` for the operator.
2. Every document whose printing started is looked up at the printer, by job id or, when the
   job id never reached the journal, by the job's name. Completed means delivered; anything
   else (held in a paused queue, pending, unknown) is cancelled for good, so it never prints
   after it was refunded.
3. Escrow still in the cash unit belongs to the last unfinished session (there is never more
   than one session at a time). It is kept, never handed to whoever stands at the kiosk, and
   owed; escrow the journal never heard of (a crash between the coin and its journal row) is
   journaled first.
4. What the session took and did not deliver is owed, and the session is closed.

Nothing is paid out automatically: staff settle refunds by hand, by reference.
"""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.journal.balance import SessionBalance, balance_of
from kiosk.journal.events import EventType, JournalEvent
from kiosk.journal.journal import MoneyJournal
from kiosk.ports.cash import CashUnit, OutcomeUnknown
from kiosk.ports.printer import JobState, Printer

RECOVERED_OUTCOME = "interrupted"
REFUND_REASON = "interrupted_session"
COUNT_CASH_BOX = "count_cash_box"  # the unit could not say: the operator counts the cash box

_INTENTS = {
    EventType.STACK_STARTED: EventType.CASH_STACKED,
    EventType.RETURN_STARTED: EventType.CASH_RETURNED,
    EventType.CHANGE_STARTED: EventType.CHANGE_DISPENSED,
}


@dataclass(frozen=True)
class RecoveredSession:
    session_id: str
    balance: SessionBalance  # as found, before the refund line
    refund_owed: int  # 0 when the session was closed without one
    flagged: bool = False  # the operator must count the cash box


def recover_unfinished(journal: MoneyJournal, cash: CashUnit | None = None, printer: Printer | None = None,
                       kiosk_id: str = "recovery") -> list[RecoveredSession]:
    """Close every unfinished session; idempotent, as closed sessions are never found again."""
    unfinished = journal.unfinished_sessions()
    if cash is not None and not unfinished and cash.held():
        # a coin landed in escrow and the kiosk died before it could open a session for it
        unfinished = [journal.open_session(kiosk_id)]
    recovered = []
    for n, session_id in enumerate(unfinished):
        flagged = False
        if cash is not None:
            flagged = _settle_cash_intents(journal, cash, session_id)
        if printer is not None:
            _settle_printing(journal, printer, session_id)
        if cash is not None and n == len(unfinished) - 1:
            flagged |= _keep_escrow(journal, cash, session_id)
        balance = journal.session_balance(session_id)
        # a negative figure means more was handed out than taken: nothing is owed then
        owed = max(balance.undelivered, 0)
        reason = f"{REFUND_REASON} {COUNT_CASH_BOX}" if flagged else REFUND_REASON
        journal.close_session(session_id, RECOVERED_OUTCOME, refund_owed=owed, refund_reason=reason)
        recovered.append(RecoveredSession(session_id, balance, owed, flagged))
    return recovered


def _settle_cash_intents(journal: MoneyJournal, cash: CashUnit, session_id: str) -> bool:
    events = journal.events(session_id)
    answered = {e.detail.split(" ", 1)[0] for e in events if e.type in _INTENTS.values()}
    flagged = False
    for intent in (e for e in events if e.type in _INTENTS):
        ref = f"op-{intent.seq}"
        if ref in answered:
            continue
        try:
            op = cash.outcome(ref)
        except OutcomeUnknown:
            op, flagged = None, True
        done = op.done if op is not None else 0
        journal.record(session_id, _INTENTS[intent.type], done, f"{ref} recovered")
    emergency = f"em-{session_id[:16]}"  # a return made when the journal could not be written
    op = cash.outcome(emergency)
    if op is not None and op.done:
        journal.record(session_id, EventType.CASH_RETURNED, op.done, f"{emergency} recovered")
    return flagged


def _settle_printing(journal: MoneyJournal, printer: Printer, session_id: str) -> None:
    events = journal.events(session_id)
    submitted = {e.detail.split(" ")[1]: e.job_id for e in events
                 if e.type is EventType.PRINT_SUBMITTED and len(e.detail.split(" ")) > 1}
    final = {e.job_id for e in events if e.type in (EventType.PRINT_COMPLETED, EventType.PRINT_FAILED,
                                                    EventType.PRINT_CANCELLED)}
    failed_before_submit = {e.detail.split(" ", 1)[0] for e in events
                            if e.type is EventType.PRINT_FAILED and e.detail.startswith("op-")}
    for intent in (e for e in events if e.type is EventType.PRINT_STARTED):
        ref = f"op-{intent.seq}"
        if ref in failed_before_submit:
            continue
        job_id = submitted.get(ref)
        if job_id is None:
            job_id = printer.find_job(ref)
            if job_id is None:
                continue  # never reached the printer: owed below
            journal.record(session_id, EventType.PRINT_SUBMITTED, intent.amount, f"{job_id} {ref} found")
        if job_id in final:
            continue
        _settle_job(journal, printer, session_id, job_id)


def _settle_job(journal: MoneyJournal, printer: Printer, session_id: str, job_id: str) -> None:
    if printer.job_status(job_id).state is not JobState.COMPLETED:
        printer.cancel(job_id)  # held, pending or unknown: it must never print after the refund
    status = printer.job_status(job_id)
    if status.state is JobState.COMPLETED:
        journal.record(session_id, EventType.PRINT_COMPLETED, None, job_id)
    else:
        journal.record(session_id, EventType.PRINT_CANCELLED, None, f"{job_id} recovered")


def _keep_escrow(journal: MoneyJournal, cash: CashUnit, session_id: str) -> bool:
    held = cash.held()
    if not held:
        return False
    known = balance_of(journal.events(session_id)).escrow
    if held > known:
        journal.record(session_id, EventType.CASH_CREDITED, held - known, "found-in-escrow recovered")
    intent = journal.record(session_id, EventType.STACK_STARTED, held, "keep-escrow")
    stacked = cash.stack(f"op-{intent.seq}")
    journal.record(session_id, EventType.CASH_STACKED, stacked, f"op-{intent.seq}")
    return stacked != held
