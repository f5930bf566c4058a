"""Time for the core comes from an injected clock, never from the system directly."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol

JST = timezone(timedelta(hours=9), "JST")


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware datetime in JST."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(JST)


class ManualClock:
    """A clock that moves only when told: scenarios, tests and benchmarks."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=JST)
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)

    def set(self, when: datetime) -> None:
        self._now = when if when.tzinfo else when.replace(tzinfo=JST)
