"""``kiosk journal --check``: do the books of every session balance, and agree with the cash unit?

A closed session balances when credited = printed + change paid + returned + owed (owed net of
refunds withdrawn), and every intent it journaled has its outcome. No refund is withdrawn or
paid beyond what was owed on it. Across all sessions, what the journal says moved (and what
staff collected or topped up) must equal the unit's own counters, and escrow is empty when no
session is open. Each disagreement is one line; no line means the books are right.
"""
from __future__ import annotations

from kiosk.journal.balance import balance_of, yen
from kiosk.journal.events import EventType, JournalEvent
from kiosk.journal.journal import ref_token
from kiosk.journal.unusable import KioskJournal
from kiosk.ports.cash import CashCounters

_OUTCOME_OF = {
    EventType.STACK_STARTED: EventType.CASH_STACKED,
    EventType.RETURN_STARTED: EventType.CASH_RETURNED,
    EventType.CHANGE_STARTED: EventType.CHANGE_DISPENSED,
}


def check_books(journal: KioskJournal, counters: CashCounters | None = None) -> list[str]:
    problems: list[str] = []
    unfinished = set(journal.unfinished_sessions())
    by_session: dict[str, list[JournalEvent]] = {}
    totals = {t: 0 for t in EventType}
    for event in journal.events():
        if event.session_id is not None:
            by_session.setdefault(event.session_id, []).append(event)
        else:  # the operator's collections and top-ups
            totals[event.type] += event.amount or 0
    for session_id, events in by_session.items():
        for e in events:
            totals[e.type] += e.amount or 0
        if session_id in unfinished:
            continue
        b = balance_of(events)
        if b.undelivered:
            problems.append(
                f"session {session_id[:8]}: credited {b.credited} yen != printed {b.printed_value} + change "
                f"{b.change} + returned {b.returned} + owed {b.owed} (off by {b.undelivered} yen)")
        answered = {e.detail.split(" ", 1)[0] for e in events if e.type in _OUTCOME_OF.values()}
        for e in events:
            if e.type in _OUTCOME_OF and f"op-{e.seq}" not in answered:
                problems.append(f"session {session_id[:8]}: {e.type.value} op-{e.seq} has no outcome")
    problems += _overpaid_refunds(by_session)
    if counters is not None:
        for label, journaled, counted in (
            ("credited", totals[EventType.CASH_CREDITED], counters.credited),
            ("stacked", totals[EventType.CASH_STACKED], counters.stacked),
            ("returned", totals[EventType.CASH_RETURNED], counters.returned),
            ("paid out", totals[EventType.CHANGE_DISPENSED], counters.paid_out),
            ("collected", totals[EventType.CASH_COLLECTED], counters.collected),
            ("topped up", totals[EventType.FLOAT_TOPPED_UP], counters.topped_up),
        ):
            if journaled != counted:
                problems.append(f"cash unit {label}: journal {journaled} yen, unit's counter {counted} yen")
        if not unfinished and counters.escrow:
            problems.append(f"cash unit holds {counters.escrow} yen in escrow with no session open")
    return problems


def _overpaid_refunds(by_session: dict[str, list[JournalEvent]]) -> list[str]:
    """A refund settled (withdrawn or paid) beyond what was owed on it."""
    owed: dict[str, tuple[str, int]] = {}
    settled: dict[str, int] = {}
    for session_id, events in by_session.items():
        for e in events:
            if e.type is EventType.REFUND_OWED:
                owed[ref_token(e.seq)] = (session_id, yen(e))
            elif e.type in (EventType.REFUND_WITHDRAWN, EventType.REFUND_PAID):
                token = e.detail.split(" ", 1)[0]
                settled[token] = settled.get(token, 0) + yen(e)
    problems = []
    for token, amount in settled.items():
        session_id, due = owed.get(token, ("?", 0))
        if amount > due:
            problems.append(f"refund {token}: {amount} yen withdrawn or paid, {due} yen was owed (session {session_id[:8]})")
    return problems
