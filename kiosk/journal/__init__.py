"""The money journal: an append-only record of cash taken, given back, printed for and owed."""
from kiosk.journal.balance import SessionBalance
from kiosk.journal.events import EventType, JournalEntryError, JournalEvent, scrub_detail
from kiosk.journal.journal import (
    JournalDamaged, JournalWriteError, MoneyJournal, OwedRefund, PaidRefund, RefundNotPayable, SessionNotOpen,
)
from kiosk.journal.recovery import RecoveredSession, recover_unfinished

__all__ = [
    "EventType", "JournalDamaged", "JournalEntryError", "JournalEvent", "JournalWriteError", "MoneyJournal",
    "OwedRefund", "PaidRefund", "RecoveredSession", "RefundNotPayable", "SessionBalance", "SessionNotOpen",
    "recover_unfinished", "scrub_detail",
]
