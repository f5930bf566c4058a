"""The stand-in for a damaged journal: the kiosk still starts, shows why, and takes no money.

A journal that existed and is now missing, empty or unreadable must never be replaced by an
empty one (the refunds owed would vanish). So the kiosk runs on this instead: every write is
refused with ``JournalWriteError``, which the flow already answers by going out of service
before any money moves, and every read is empty. The damaged file is left exactly as found.
"""
from __future__ import annotations

from typing import NoReturn

from kiosk.journal.balance import SessionBalance, balance_of
from kiosk.journal.events import JournalEvent
from kiosk.journal.journal import JournalWriteError, MoneyJournal, OwedRefund, PaidRefund


class UnusableJournal:
    def __init__(self, reason: str) -> None:
        self.reason = reason  # JournalDamaged's one line: names the file, not its contents

    # --- writes: all refused -------------------------------------------------------------------
    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise JournalWriteError(f"journal unusable: {self.reason}")

    kiosk_started = kiosk_event = open_session = record = close_session = mark_refund_paid = _refuse
    withdraw_excess = _refuse  # a write too (refund_withdrawn rows); the flow catches its failure like the others

    # --- reads: nothing is known ------------------------------------------------------------------
    def events(self, session_id: str | None = None) -> list[JournalEvent]:
        return []

    def session_balance(self, session_id: str) -> SessionBalance:
        return balance_of(())

    def refunds_owed(self) -> list[OwedRefund]:
        return []

    def refunds_paid(self) -> list[PaidRefund]:
        return []

    def unfinished_sessions(self) -> list[str]:
        return []

    def unfinished_owed(self) -> list[tuple[str, int]]:
        return []

    # --- storage: what the health check asks -------------------------------------------------------
    def writable(self) -> str | None:
        return f"unusable: {self.reason}"

    def free_bytes(self) -> int:
        return 0

    def inject_write_fault(self, error: Exception | None) -> None:
        pass

    def close(self) -> None:
        pass


# What the kiosk runs on: the money journal, or the stand-in when the journal is damaged.
KioskJournal = MoneyJournal | UnusableJournal
