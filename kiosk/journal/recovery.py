"""Start-up recovery: settle what a crash left undone by asking the devices what happened.

First, the sessions the last run closed (those after its ``kiosk_started``): an operation the
flow gave up on (a cash call past its deadline, or one the unit could not account for; a print
request never answered) was owed, and its late answer, which would have withdrawn that refund,
died with the process. The cash unit is asked about each such operation and the printer about
each such document (step 1 and 2 below), and a refund the session no longer owes, as the
devices delivered after all, is withdrawn.

Then for each unfinished session, oldest first:

1. Every intent without an outcome (``stack_started``, ``return_started``, ``change_started``,
   named ``op-<seq>`` by its row), and every intent given up on, is put to the cash unit, which
   keeps what each operation did. A unit that cannot tell is answered in the resident's favour:
   nothing was paid out, and the refund is flagged ``count_cash_box`` for the operator.
2. Every document whose printing started is looked up at the printer, by job id or, when the
   job id never reached the journal, by the job's name. Completed means delivered; anything
   else (held in a paused queue, pending, unknown) is cancelled for good, so it never prints
   after it was refunded.
3. Escrow still in the cash unit belongs to the last unfinished session (there is never more
   than one session at a time), apart from what a closed session's given-up return left there,
   which that session already owes. It is kept (stacked), never handed to whoever stands at the
   kiosk, and owed; escrow the journal never heard of (a crash between the coin and its journal
   row) is journaled first. A jammed unit that cannot stack it retains it, so it cannot pay for
   the next resident once the jam is cleared.
4. What the session took and did not deliver is owed, and the session is closed; a refund it
   recorded for what the devices turn out to have delivered is withdrawn.

Escrow found with no session open gets a session of its own. Nothing is paid out
automatically: staff settle refunds by hand, by reference.
"""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.journal.balance import SessionBalance, yen
from kiosk.journal.events import EventType, JournalEvent
from kiosk.journal.journal import MoneyJournal, emergency_return_ref
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
    """Close every unfinished session; idempotent, as what it settles it journals."""
    unfinished = journal.unfinished_sessions()
    closed = _closed_in_last_run(journal, set(unfinished))
    for session_id in closed:
        _settle_devices(journal, cash, printer, session_id)
        journal.withdraw_excess(session_id, "recovered")
    if cash is not None and not unfinished and cash.held():
        # a coin landed in escrow and the kiosk died before it could open a session for it, or a
        # closed session's return never happened: a session of its own journals keeping it
        unfinished = [journal.open_session(kiosk_id)]
    recovered = []
    for n, session_id in enumerate(unfinished):
        flagged = _settle_devices(journal, cash, printer, session_id)
        if cash is not None and n == len(unfinished) - 1:
            owned = sum(_journaled_escrow(journal.events(s), cash) for s in closed)
            flagged |= _keep_escrow(journal, cash, session_id, owned)
        journal.withdraw_excess(session_id, "recovered")
        balance = journal.session_balance(session_id)
        # a negative figure means more was handed out than taken: nothing is owed then
        owed = max(balance.undelivered, 0)
        reason = f"{REFUND_REASON} {COUNT_CASH_BOX}" if flagged else REFUND_REASON
        journal.close_session(session_id, RECOVERED_OUTCOME, refund_owed=owed, refund_reason=reason)
        recovered.append(RecoveredSession(session_id, balance, owed, flagged))
    return recovered


def _closed_in_last_run(journal: MoneyJournal, unfinished: set[str]) -> list[str]:
    """Closed sessions of the run that just ended (a row after the last ``kiosk_started``) that
    still owe a refund: only those can have lost a late answer, as every operation the flow gives
    up on is owed at once. Earlier runs were settled by the start-up that followed them.
    """
    owing = {r.session_id for r in journal.refunds_owed()} - unfinished
    if not owing:
        return []
    events = journal.events()  # the whole journal, as the daily close reads it: once per start
    start = max((i for i, e in enumerate(events) if e.type is EventType.KIOSK_STARTED), default=-1)
    return [s for s in dict.fromkeys(e.session_id for e in events[start + 1:]) if s in owing]


def _settle_devices(journal: MoneyJournal, cash: CashUnit | None, printer: Printer | None, session_id: str) -> bool:
    """Steps 1 and 2 for one session; True when the cash unit could not account for something."""
    flagged = False
    if cash is not None:
        flagged = _settle_cash_intents(journal, cash, session_id)
        flagged |= _settle_given_up(journal, cash, session_id)
    if printer is not None:
        _settle_printing(journal, printer, session_id)
    return flagged


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
    emergency = emergency_return_ref(session_id)  # a return made when the journal could not be written
    op = cash.outcome(emergency) if emergency not in answered else None
    if op is not None and op.done:
        known = _journaled_escrow(journal.events(session_id), cash)
        if op.done > known:  # it gave back coins whose credit the journal had refused: credit them first
            journal.record(session_id, EventType.CASH_CREDITED, op.done - known, "found-in-escrow recovered")
        journal.record(session_id, EventType.CASH_RETURNED, op.done, f"{emergency} recovered")
    return flagged


def _settle_given_up(journal: MoneyJournal, cash: CashUnit, session_id: str) -> bool:
    """Ask the unit about operations the flow gave up on (outcome 0, ``op-<seq> timeout`` or
    ``unknown``) whose late answer never came: what the unit did after all is journaled."""
    outcomes: dict[str, list[JournalEvent]] = {}
    for e in journal.events(session_id):
        if e.type in _INTENTS.values():
            outcomes.setdefault(e.detail.split(" ", 1)[0], []).append(e)
    flagged = False
    for ref, rows in outcomes.items():
        if not all(_given_up(r) for r in rows):
            continue  # never given up, or its late answer is journaled already
        try:
            op = cash.outcome(ref)
        except OutcomeUnknown:
            flagged = True
            continue
        if op is not None and op.done:
            journal.record(session_id, rows[0].type, op.done, f"{ref} recovered")
    return flagged


def _given_up(outcome: JournalEvent) -> bool:
    reason = outcome.detail.split(" ")[1:2]
    return outcome.amount == 0 and reason in (["timeout"], ["unknown"])


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


def _keep_escrow(journal: MoneyJournal, cash: CashUnit, session_id: str, owned: int = 0) -> bool:
    """``owned``: escrow closed sessions know of (a given-up return that never happened) and owe."""
    held = cash.held()
    if not held:
        return False
    known = _journaled_escrow(journal.events(session_id), cash) + owned
    if held > known:
        journal.record(session_id, EventType.CASH_CREDITED, held - known, "found-in-escrow recovered")
    intent = journal.record(session_id, EventType.STACK_STARTED, held, "keep-escrow")
    stacked = cash.stack(f"op-{intent.seq}")
    journal.record(session_id, EventType.CASH_STACKED, stacked, f"op-{intent.seq}")
    if stacked < held:
        _retain(journal, cash, session_id, held - stacked)
    return stacked != held


def _retain(journal: MoneyJournal, cash: CashUnit, session_id: str, amount: int) -> None:
    """A jammed unit took nothing. Left in escrow, the cash would be found there by the first
    session after the jam is cleared and pay for that resident, while this one is owed it too.
    A jammed unit cannot give it back either: its return keeps the escrow for the staff."""
    intent = journal.record(session_id, EventType.RETURN_STARTED, amount, "retain-escrow")
    result = cash.return_held(f"op-{intent.seq}")
    journal.record(session_id, EventType.CASH_RETURNED, result.dispensed, f"op-{intent.seq}")


def _journaled_escrow(events: list[JournalEvent], cash: CashUnit) -> int:
    """What the journal knows to be in escrow: credited, less what stacks took and returns emptied.

    Not the balance's figure, which takes any stack or return outcome as emptying the escrow: an
    intent the unit never carried out (recorded above as 0) leaves it full, and counting that
    cash again as found would owe it twice. A return empties the escrow whether it gave the cash
    back or retained it, so its own record at the unit says how much it took.
    """
    escrow = 0
    returns: set[str] = set()
    for e in events:
        if e.type is EventType.CASH_CREDITED:
            escrow += yen(e)
        elif e.type is EventType.CASH_STACKED:
            escrow -= yen(e)
        elif e.type is EventType.CASH_RETURNED:
            ref = e.detail.split(" ", 1)[0]
            try:
                op = cash.outcome(ref)
            except OutcomeUnknown:
                op = None
            if op is None:
                escrow -= yen(e)
            elif ref not in returns:  # a given-up return and its late answer are one operation
                returns.add(ref)
                escrow -= op.done + op.unpaid
    return max(escrow, 0)
