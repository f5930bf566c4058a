"""Start-up recovery: close every session a crash left open, and write down what it owes.

Nothing is paid out automatically: after a crash the kiosk cannot know what the resident
already has in hand, so the money it took and did not deliver becomes a refund owed that staff
settle by hand.
"""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.journal.balance import SessionBalance
from kiosk.journal.journal import MoneyJournal

RECOVERED_OUTCOME = "interrupted"
REFUND_REASON = "interrupted_session"


@dataclass(frozen=True)
class RecoveredSession:
    session_id: str
    balance: SessionBalance  # as found, before the refund line
    refund_owed: int  # 0 when the session was closed without one


def recover_unfinished(journal: MoneyJournal) -> list[RecoveredSession]:
    """Close every unfinished session; idempotent, as closed sessions are never found again."""
    recovered = []
    for session_id in journal.unfinished_sessions():
        balance = journal.session_balance(session_id)
        # a negative figure means more was handed out than taken: nothing is owed then
        owed = max(balance.undelivered, 0)
        journal.close_session(session_id, RECOVERED_OUTCOME, refund_owed=owed, refund_reason=REFUND_REASON)
        recovered.append(RecoveredSession(session_id, balance, owed))
    return recovered
