"""Journal rows for staff work on the cash unit: emptying the cash box, topping up the change.

These happen outside any session. The device is asked first (only it knows what was in the
box), and the journal row follows at once; callers check ``writable()`` before the device call
so that nothing moves while the journal cannot record it.
"""
from __future__ import annotations

from typing import Mapping

from kiosk.journal.events import EventType, JournalEvent
from kiosk.journal.unusable import KioskJournal


def record_collection(journal: KioskJournal, operator: str, taken: int) -> JournalEvent:
    """``operator`` is a token from ``operator_token`` (e.g. ``op-staff1``)."""
    return journal.kiosk_event(EventType.CASH_COLLECTED, taken, operator)


def record_top_up(journal: KioskJournal, operator: str, counts: Mapping[int, int], added: int) -> JournalEvent:
    # ``d-<yen>=<pieces>``: a token shape in the journal's vocabulary (events.py); a bare ``1000=3`` is not
    pieces = " ".join(f"d-{yen}={n}" for yen, n in sorted(counts.items(), reverse=True) if n)
    return journal.kiosk_event(EventType.FLOAT_TOPPED_UP, added, f"{operator} {pieces}".strip())
