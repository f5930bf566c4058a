"""Dates in the Japanese era calendar (和暦), as certificates print them: 令和8年11月25日, 平成元年…"""
from __future__ import annotations

from datetime import date

# (first day of the era, name), newest first. Dates before 明治6年 (the solar calendar) never occur here.
_ERAS = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
    (date(1912, 7, 30), "大正"),
    (date(1868, 10, 23), "明治"),
)


def era_year(day: date) -> tuple[str, int]:
    for start, name in _ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError(f"{day.isoformat()} is before the 明治 era")


def wareki(day: date) -> str:
    name, year = era_year(day)
    return f"{name}{'元' if year == 1 else year}年{day.month}月{day.day}日"


def wareki_fiscal_year(year: int) -> str:
    """A 年度 (April to March) takes its calendar year's name: 2019 -> 令和元年度 (as government does)."""
    return f"{wareki_year(year)}度"


def wareki_year(year: int) -> str:
    """A calendar year by the era in force on 31 December: 2019 -> 令和元年."""
    name, number = era_year(date(year, 12, 31))
    return f"{name}{'元' if number == 1 else number}年"
