"""Certificate validity bounds fall on JST day edges, as on the real JPKI certificates."""
from __future__ import annotations

from datetime import date, datetime, time

from kiosk.clock import JST


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(0, 0, 0), JST)


def end_of_day(day: date) -> datetime:
    """23:59:59 JST: the notAfter the real auth certificates show."""
    return datetime.combine(day, time(23, 59, 59), JST)
