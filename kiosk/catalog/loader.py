"""Reads and validates one municipality file (TOML). Every mistake names the file and the key.

Format (assets/municipalities/<code>.toml; the three demo files show every key):
  code, name, reading, name_latin, prefecture, my_number_on_juminhyo, honseki_registration_required,
  max_copies (optional, default 10);
  [mayor] title, name;  [hours] (optional) days = every_day|weekdays, from, until ("HH:MM");
  [tax] latest_years = N | years = [..], new_year_from = "MM-DD" (default 06-01), switch_over_from;
  [under_15] policy = refuse_all|allow_all|allow_only, kinds = [..] (allow_only);
  [closures] (optional) year_end = {from, until}, annual_days = ["MM-DD"], dates = [TOML dates],
    [[closures.windows]] from, until and either date or nth + weekday;
  [kinds.<kind>] for every CertificateKind: offered = false, or fee, optional hours and max_copies.
"""
from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Annotated

import msgspec

from kiosk.catalog.model import (
    DEFAULT_HOURS,
    DEFAULT_MAX_COPIES,
    YEAR_END,
    AnnualPeriod,
    Closures,
    DatedWindow,
    DayRule,
    FiscalYearPolicy,
    KindRule,
    MaintenanceWindow,
    Mayor,
    MonthDay,
    MonthlyWindow,
    Municipality,
    ServiceHours,
    UnderAgePolicy,
)
from kiosk.kinds import CertificateKind
from kiosk.validation import KIB, InputFileError, Invalid, Schema, Text, between, load_toml, one_of, pattern

MAX_FEE = 2000  # yen per copy; a higher figure is a typo, not a fee
COPIES_LIMIT = 20
MAX_FILE_BYTES = 256 * KIB
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_KINDS = tuple(k.value for k in CertificateKind)


class MunicipalityFileError(InputFileError):
    """``file: key: problem``; ``file`` is the file's name (its code)."""


# --- the file's schema (kiosk/validation.py) ----------------------------------------------------------
_Time = Annotated[str, pattern(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$", "a time HH:MM")]
_Fee = Annotated[int, between(0, MAX_FEE, step=10)]
_Copies = Annotated[int, between(1, COPIES_LIMIT)]
_Days = Annotated[str, one_of("every_day", "weekdays")]
_Weekday = Annotated[str, one_of(*_WEEKDAYS)]


def _later(opens: str, closes: str) -> None:
    if closes <= opens:  # "HH:MM" text orders as the times do
        raise Invalid("until", "must be later than from")


def _month_day(key: str, text: str) -> MonthDay:
    parts = text.split("-") if len(text) == 5 and text[2] == "-" else ()
    try:
        month, day = (int(p) for p in parts) if len(parts) == 2 and all(p.isdigit() for p in parts) else (0, 0)
        date(2024, month, day)  # 2024: 02-29 is a day too
    except ValueError:
        raise Invalid(key, f"expected a month-day MM-DD, got {text!r}") from None
    return MonthDay(month, day)


class _Hours(Schema, kw_only=True):
    days: _Days | None = None  # None: as the hours this table narrows
    opens: _Time = msgspec.field(name="from")
    closes: _Time = msgspec.field(name="until")

    def __post_init__(self) -> None:
        _later(self.opens, self.closes)


class _Kind(Schema):
    offered: bool = True
    fee: _Fee | None = None
    hours: _Hours | None = None
    max_copies: _Copies | None = None

    def __post_init__(self) -> None:
        if self.offered and self.fee is None:
            raise Invalid("fee", "missing")
        for name in ("fee", "hours", "max_copies"):
            if not self.offered and getattr(self, name) is not None:
                raise Invalid(name, "given for a kind with offered = false")


class _Kinds(Schema, kw_only=True):
    """[kinds]: one table per certificate kind, every kind listed."""

    juminhyo: _Kind
    juminhyo_kisai: _Kind
    inkan: _Kind
    tax_shotoku: _Kind
    tax_hikazei: _Kind
    koseki_zenbu: _Kind
    koseki_kojin: _Kind
    fuhyo: _Kind


# a kind added to CertificateKind must be added above (and to every municipality file)
assert set(_Kinds.__struct_fields__) == set(_KINDS), "kiosk.catalog.loader._Kinds is behind CertificateKind"


class _Mayor(Schema):
    title: Text
    name: Text


class _Tax(Schema):
    latest_years: Annotated[int, between(1, 5)] | None = None
    years: Annotated[list[Annotated[int, between(2000, 2100)]], msgspec.Meta(min_length=1, max_length=100)] | None = None
    new_year_from: str = "06-01"
    switch_over_from: str | None = None

    def __post_init__(self) -> None:
        if (self.latest_years is None) == (self.years is None):
            raise Invalid("latest_years", "give exactly one of latest_years and years")
        new_year_from = _month_day("new_year_from", self.new_year_from)
        if self.switch_over_from is not None and _month_day("switch_over_from", self.switch_over_from) >= new_year_from:
            raise Invalid("switch_over_from", "must come before new_year_from in the same year")


class _UnderAge(Schema):
    policy: Annotated[str, one_of("refuse_all", "allow_all", "allow_only")]
    kinds: list[str] | None = None

    def __post_init__(self) -> None:
        if self.policy != "allow_only":
            if self.kinds is not None:
                raise Invalid("kinds", "only with policy = allow_only")
            return
        if not self.kinds:
            raise Invalid("kinds", "allow_only needs at least one kind")
        for kind in self.kinds:
            if kind not in _KINDS:
                raise Invalid("kinds", f"unknown certificate kind {kind!r}")


class _YearEnd(Schema):
    first: str = msgspec.field(name="from")
    last: str = msgspec.field(name="until")

    def __post_init__(self) -> None:
        _month_day("from", self.first)
        _month_day("until", self.last)


class _Window(Schema):
    opens: _Time = msgspec.field(name="from")
    closes: _Time = msgspec.field(name="until")
    on: date | None = msgspec.field(default=None, name="date")
    nth: Annotated[int, between(1, 5)] | None = None
    weekday: _Weekday | None = None

    def __post_init__(self) -> None:
        _later(self.opens, self.closes)
        if (self.on is None) == (self.nth is None):
            raise Invalid("date", "give either date or nth + weekday")
        if self.nth is not None and self.weekday is None:
            raise Invalid("weekday", "missing")
        if self.on is not None and self.weekday is not None:
            raise Invalid("weekday", "goes with nth, not with date")


class _Closures(Schema):
    year_end: _YearEnd | None = None
    annual_days: Annotated[list[str], msgspec.Meta(max_length=366)] = msgspec.field(default_factory=list)
    dates: Annotated[list[date], msgspec.Meta(max_length=1000)] = msgspec.field(default_factory=list)
    windows: Annotated[list[_Window], msgspec.Meta(max_length=100)] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        for text in self.annual_days:
            _month_day("annual_days", text)


class _MunicipalityFile(Schema, kw_only=True):
    code: Annotated[str, pattern(r"^[0-9]{6}$", "six digits")]
    name: Text
    reading: Text
    name_latin: Text
    prefecture: Text
    mayor: _Mayor
    my_number_on_juminhyo: bool
    honseki_registration_required: bool
    max_copies: _Copies = DEFAULT_MAX_COPIES
    hours: _Hours | None = None
    tax: _Tax
    under_15: _UnderAge
    closures: _Closures | None = None
    kinds: _Kinds


def load_municipality(path: Path) -> Municipality:
    file = path.name
    raw = load_toml(path, _MunicipalityFile, file=file, error=MunicipalityFileError, max_bytes=MAX_FILE_BYTES,
                    unknown={"kinds": "unknown certificate kind"})
    if raw.code != path.stem:
        raise MunicipalityFileError(file, "code", f"does not match the file name {path.stem}")
    hours = _hours(raw.hours, DEFAULT_HOURS)
    return Municipality(
        code=raw.code,
        name=raw.name.strip(),
        reading=raw.reading.strip(),
        name_latin=raw.name_latin.strip(),
        prefecture=raw.prefecture.strip(),
        mayor=Mayor(title=raw.mayor.title.strip(), name=raw.mayor.name.strip()),
        prints_my_number=raw.my_number_on_juminhyo,
        honseki_registration_required=raw.honseki_registration_required,
        tax_years=_tax_years(raw.tax),
        under_age=_under_age(raw.under_15),
        hours=hours,
        closures=_closures(raw.closures),
        kinds=_kinds(raw.kinds, hours, raw.max_copies),
    )


def _time(text: str) -> time:
    return time(int(text[:2]), int(text[3:]))


def _hours(raw: _Hours | None, default: ServiceHours) -> ServiceHours:
    if raw is None:
        return default
    return ServiceHours(DayRule(raw.days) if raw.days else default.days, _time(raw.opens), _time(raw.closes))


def _kinds(raw: _Kinds, hours: ServiceHours, max_copies: int) -> dict[CertificateKind, KindRule]:
    rules = {}
    for kind in CertificateKind:
        entry: _Kind = getattr(raw, kind.value)
        if entry.offered:
            assert entry.fee is not None  # checked by _Kind
            rules[kind] = KindRule(
                fee=entry.fee,
                hours=_hours(entry.hours, hours),
                max_copies=entry.max_copies if entry.max_copies is not None else max_copies,
            )
    return rules


def _tax_years(raw: _Tax) -> FiscalYearPolicy:
    new_year_from = _month_day("new_year_from", raw.new_year_from)
    switch = None if raw.switch_over_from is None else _month_day("switch_over_from", raw.switch_over_from)
    return FiscalYearPolicy(new_year_from, raw.latest_years, tuple(raw.years or ()), switch)


def _under_age(raw: _UnderAge) -> UnderAgePolicy:
    if raw.policy == "refuse_all":
        return UnderAgePolicy(frozenset())
    if raw.policy == "allow_all":
        return UnderAgePolicy(frozenset(CertificateKind))
    return UnderAgePolicy(frozenset(CertificateKind(k) for k in raw.kinds or ()))


def _closures(raw: _Closures | None) -> Closures:
    if raw is None:
        return Closures()
    year_end = YEAR_END
    if raw.year_end is not None:
        year_end = AnnualPeriod(_month_day("from", raw.year_end.first), _month_day("until", raw.year_end.last))
    annual = tuple(_month_day("annual_days", text) for text in raw.annual_days)
    windows = tuple(_window(w) for w in raw.windows)
    return Closures(year_end, annual, frozenset(raw.dates), windows)


def _window(raw: _Window) -> MaintenanceWindow:
    opens, closes = _time(raw.opens), _time(raw.closes)
    if raw.on is not None:
        return DatedWindow(raw.on, opens, closes)
    assert raw.nth is not None and raw.weekday is not None  # checked by _Window
    return MonthlyWindow(raw.nth, _WEEKDAYS.index(raw.weekday), opens, closes)
