"""A municipality's kiosk rules, as read from its file under assets/municipalities/."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from enum import Enum
from types import MappingProxyType
from typing import Mapping, Union

from kiosk.kinds import CertificateKind

DEFAULT_MAX_COPIES = 10  # per kind and transaction: no public limit, our decision (docs/decisions.md)
UNDER_AGE_LIMIT = 15


class DayRule(Enum):
    EVERY_DAY = "every_day"
    WEEKDAYS = "weekdays"  # Monday to Friday, national holidays excluded


@dataclass(frozen=True)
class ServiceHours:
    """Open from ``opens`` (inclusive) until ``closes`` (exclusive): 23:00 itself is closed."""

    days: DayRule
    opens: time
    closes: time

    def contains(self, moment: time) -> bool:
        return self.opens <= moment < self.closes


DEFAULT_HOURS = ServiceHours(DayRule.EVERY_DAY, time(6, 30), time(23, 0))


@dataclass(frozen=True, order=True)
class MonthDay:
    month: int
    day: int

    @classmethod
    def of(cls, day: date) -> "MonthDay":
        return cls(day.month, day.day)


@dataclass(frozen=True)
class AnnualPeriod:
    """Inclusive month-day range that may wrap over New Year (12/29–1/3)."""

    first: MonthDay
    last: MonthDay

    def contains(self, day: date) -> bool:
        md = MonthDay.of(day)
        if self.first <= self.last:
            return self.first <= md <= self.last
        return md >= self.first or md <= self.last


YEAR_END = AnnualPeriod(MonthDay(12, 29), MonthDay(1, 3))


@dataclass(frozen=True)
class DatedWindow:
    """A one-off maintenance stop on one date."""

    on: date
    opens: time
    closes: time

    def applies_on(self, day: date) -> bool:
        return day == self.on


@dataclass(frozen=True)
class MonthlyWindow:
    """A recurring maintenance stop, e.g. the 3rd Wednesday of every month."""

    nth: int  # 1..5
    weekday: int  # Monday = 0
    opens: time
    closes: time

    def applies_on(self, day: date) -> bool:
        return day.weekday() == self.weekday and (day.day - 1) // 7 + 1 == self.nth


MaintenanceWindow = Union[DatedWindow, MonthlyWindow]


@dataclass(frozen=True)
class Closures:
    year_end: AnnualPeriod = YEAR_END
    annual_maintenance_days: tuple[MonthDay, ...] = ()  # closed every year, e.g. 12/28 and 1/4
    maintenance_dates: frozenset[date] = frozenset()  # one-off whole-day stops
    windows: tuple[MaintenanceWindow, ...] = ()


@dataclass(frozen=True)
class FiscalYearPolicy:
    """Which tax years (年度) are offered on a given day.

    The newest year becomes available on ``new_year_from`` (e.g. 6/1, once assessments are
    done); before that the newest is the previous year. From ``switch_over_from`` until
    ``new_year_from`` the system is being switched over and only that previous year is offered.
    Exactly one of ``latest`` (the newest N years) and ``years`` (an explicit list) is set.
    """

    new_year_from: MonthDay
    latest: int | None = None
    years: tuple[int, ...] = ()
    switch_over_from: MonthDay | None = None

    def offered(self, day: date) -> tuple[int, ...]:
        """Newest first."""
        md = MonthDay.of(day)
        newest = day.year if md >= self.new_year_from else day.year - 1
        switching = self.switch_over_from is not None and self.switch_over_from <= md < self.new_year_from
        if self.latest is not None:
            candidates = tuple(range(newest, newest - self.latest, -1))
        else:
            candidates = tuple(sorted((y for y in self.years if y <= newest), reverse=True))
        if switching:
            return tuple(y for y in candidates if y == newest)
        return candidates


@dataclass(frozen=True)
class UnderAgePolicy:
    """Which kinds a resident under 15 may obtain at the kiosk (empty = none)."""

    allowed: frozenset[CertificateKind] = frozenset()

    def allows(self, kind: CertificateKind) -> bool:
        return kind in self.allowed


@dataclass(frozen=True)
class KindRule:
    fee: int  # yen per copy
    hours: ServiceHours
    max_copies: int


@dataclass(frozen=True)
class Mayor:
    title: str  # e.g. 七星市長
    name: str


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    reading: str
    name_latin: str  # the name in Latin letters (Hepburn), for residents who do not read kanji
    prefecture: str
    mayor: Mayor
    prints_my_number: bool  # 個人番号 may be printed on 住民票 when the resident asks
    honseki_registration_required: bool  # 本籍地 issuance to non-residents needs 利用登録
    tax_years: FiscalYearPolicy
    under_age: UnderAgePolicy
    hours: ServiceHours  # the municipality's general hours, shown on the attract screen
    closures: Closures
    kinds: Mapping[CertificateKind, KindRule]  # only the kinds offered at the kiosk

    def __post_init__(self) -> None:
        object.__setattr__(self, "kinds", MappingProxyType(dict(self.kinds)))

    def offers(self, kind: CertificateKind) -> bool:
        return kind in self.kinds

    def rule(self, kind: CertificateKind) -> KindRule:
        return self.kinds[kind]
