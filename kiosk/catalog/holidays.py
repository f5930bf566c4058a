"""Japanese national holidays (国民の祝日, 振替休日, 国民の休日) for the years the kiosk is configured for.

A fixed list on purpose: the rules depend on equinox dates announced each February, so a year
is added here by hand. Outside the listed years only Saturdays and Sundays count as days off.
"""
from __future__ import annotations

from datetime import date

COVERED_YEARS = frozenset({2026, 2027})

NATIONAL_HOLIDAYS = frozenset(
    date.fromisoformat(day)
    for day in (
        # 2026
        "2026-01-01", "2026-01-12", "2026-02-11", "2026-02-23", "2026-03-20", "2026-04-29",
        "2026-05-03", "2026-05-04", "2026-05-05", "2026-05-06",  # 5/6: 振替休日 for Sunday 5/3
        "2026-07-20", "2026-08-11", "2026-09-21",
        "2026-09-22",  # 国民の休日 between 敬老の日 and 秋分の日
        "2026-09-23", "2026-10-12", "2026-11-03", "2026-11-23",
        # 2027
        "2027-01-01", "2027-01-11", "2027-02-11", "2027-02-23",
        "2027-03-21", "2027-03-22",  # 3/22: 振替休日 for Sunday 3/21
        "2027-04-29", "2027-05-03", "2027-05-04", "2027-05-05",
        "2027-07-19", "2027-08-11", "2027-09-20", "2027-09-23", "2027-10-11", "2027-11-03",
        "2027-11-23",
    )
)


def is_business_day(day: date) -> bool:
    """Monday to Friday and not a national holiday."""
    return day.weekday() < 5 and day not in NATIONAL_HOLIDAYS
