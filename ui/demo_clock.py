"""The demo's clock: real time, shifted when the presenter jumps to another moment (closed hours, year end)."""
from __future__ import annotations

from datetime import datetime, timedelta

from kiosk.clock import JST


class ShiftableClock:
    def __init__(self) -> None:
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(JST) + self._offset

    def jump_to(self, moment: datetime | None) -> None:
        """Run from ``moment`` on (None: back to real time)."""
        self._offset = timedelta(0) if moment is None else moment - datetime.now(JST)
