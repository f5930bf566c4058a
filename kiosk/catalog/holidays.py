"""Japanese national holidays (国民の祝日, 振替休日, 国民の休日), from the ``holidays`` package.

Why ``holidays`` (python-holidays) rather than a list kept here or a Japan-only package: it is
released about monthly by a team that follows each country's law, it encodes 祝日法's rules
(equinox days, the 振替休日 of Article 3(2), the 国民の休日 of Article 3(3)) with tests, and
it states the years it covers. Outside those years it would silently know no holiday, so
dates there are refused here instead.

The equinox days are predicted: the official dates are announced each February for the next
year (国立天文台, https://eco.mtk.nao.ac.jp/koyomi/yoko/); a changed law needs a new release.
"""
from __future__ import annotations

from datetime import date
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from holidays.countries.japan import Japan


class HolidaysUnknown(ValueError):
    """A date in a year the holiday calendar does not cover."""


@cache
def _calendar() -> type[Japan]:
    # imported when first asked: ~0.1 s, which the kiosk's cold start does not need to pay
    from holidays.countries.japan import Japan

    return Japan


def covered_years() -> range:
    japan = _calendar()
    return range(japan.start_year, japan.end_year + 1)


@cache
def national_holidays(year: int) -> frozenset[date]:
    if year not in covered_years():
        years = covered_years()
        raise HolidaysUnknown(f"national holidays are known for {years.start}-{years.stop - 1} only, not {year}")
    return frozenset(_calendar()(years=year))


def is_national_holiday(day: date) -> bool:
    return day in national_holidays(day.year)


def is_business_day(day: date) -> bool:
    """Monday to Friday and not a national holiday; HolidaysUnknown outside the covered years."""
    return day.weekday() < 5 and not is_national_holiday(day)
