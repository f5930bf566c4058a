"""Reads and validates one municipality file (TOML). Every mistake names the file and the key.

Format (assets/municipalities/<code>.toml; the three demo files show every key):
  code, name, reading, prefecture, my_number_on_juminhyo, honseki_registration_required,
  max_copies (optional, default 10);
  [mayor] title, name;  [hours] (optional) days = every_day|weekdays, from, until ("HH:MM");
  [tax] latest_years = N | years = [..], new_year_from = "MM-DD" (default 06-01), switch_over_from;
  [under_15] policy = refuse_all|allow_all|allow_only, kinds = [..] (allow_only);
  [closures] (optional) year_end = {from, until}, annual_days = ["MM-DD"], dates = [TOML dates],
    [[closures.windows]] from, until and either date or nth + weekday;
  [kinds.<kind>] for every CertificateKind: offered = false, or fee, optional hours and max_copies.
"""
from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

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

MAX_FEE = 2000  # yen per copy; a higher figure is a typo, not a fee
COPIES_LIMIT = 20
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^(\d{2}):(\d{2})$")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


class MunicipalityFileError(ValueError):
    def __init__(self, file: str, key: str, problem: str) -> None:
        super().__init__(f"{file}: {key}: {problem}")
        self.file = file
        self.key = key
        self.problem = problem


class _Table:
    """One TOML table being read: knows its dotted path and refuses keys nobody asked for."""

    def __init__(self, file: str, path: str, data: dict[str, Any]) -> None:
        self.file, self.path, self._data, self._read = file, path, data, set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def error(self, name: str, problem: str) -> MunicipalityFileError:
        return MunicipalityFileError(self.file, self.key(name), problem)

    def has(self, name: str) -> bool:
        return name in self._data

    def get(self, name: str, kind: type, default: Any = ...) -> Any:
        self._read.add(name)
        if name not in self._data:
            if default is ...:
                raise self.error(name, "missing")
            return default
        value = self._data[name]
        # bool is an int in Python, but `fee = true` is still a mistake
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(name, f"expected {_TYPE_NAMES.get(kind, kind.__name__)}, got {type(value).__name__}")
        return value

    def table(self, name: str, required: bool = True) -> "_Table | None":
        if not required and name not in self._data:
            self._read.add(name)
            return None
        return _Table(self.file, self.key(name), self.get(name, dict))

    def tables(self, name: str) -> list["_Table"]:
        items = self.get(name, list, [])
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise self.error(f"{name}[{i}]", "expected a table")
        return [_Table(self.file, self.key(f"{name}[{i}]"), item) for i, item in enumerate(items)]

    def names(self) -> list[str]:
        return list(self._data)

    def done(self) -> None:
        unknown = sorted(set(self._data) - self._read)
        if unknown:
            raise self.error(unknown[0], "unknown key")


_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", dict: "a table", list: "an array"}


def load_municipality(path: Path) -> Municipality:
    file = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise MunicipalityFileError(file, "-", f"not valid TOML ({exc})") from None
    root = _Table(file, "", data)
    code = root.get("code", str)
    if not re.fullmatch(r"\d{6}", code):
        raise root.error("code", "expected six digits")
    if code != path.stem:
        raise root.error("code", f"does not match the file name {path.stem}")
    mayor = root.table("mayor")
    hours_table = root.table("hours", required=False)
    hours = _hours(hours_table, DEFAULT_HOURS)
    max_copies = _copies(root, "max_copies", DEFAULT_MAX_COPIES)
    municipality = Municipality(
        code=code,
        name=_text(root, "name"),
        reading=_text(root, "reading"),
        prefecture=_text(root, "prefecture"),
        mayor=Mayor(title=_text(mayor, "title"), name=_text(mayor, "name")),
        prints_my_number=root.get("my_number_on_juminhyo", bool),
        honseki_registration_required=root.get("honseki_registration_required", bool),
        tax_years=_tax_years(root.table("tax")),
        under_age=_under_age(root.table("under_15")),
        hours=hours,
        closures=_closures(root.table("closures", required=False)),
        kinds=_kinds(root.table("kinds"), hours, max_copies),
    )
    mayor.done()
    root.done()
    return municipality


def _text(table: _Table, name: str) -> str:
    value = table.get(name, str).strip()
    if not value:
        raise table.error(name, "empty")
    return value


def _copies(table: _Table, name: str, default: int) -> int:
    value = table.get(name, int, default)
    if not 1 <= value <= COPIES_LIMIT:
        raise table.error(name, f"expected 1..{COPIES_LIMIT}, got {value}")
    return value


def _time(table: _Table, name: str) -> time:
    text = table.get(name, str)
    match = _TIME.match(text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise table.error(name, f"expected a time HH:MM, got {text!r}")
    return time(int(match[1]), int(match[2]))


def _month_day(table: _Table, name: str, text: str) -> MonthDay:
    match = _MONTH_DAY.match(text)
    try:
        date(2024, int(match[1]), int(match[2])) if match else None  # 2024: 02-29 is a day too
    except ValueError:
        match = None
    if not match:
        raise table.error(name, f"expected a month-day MM-DD, got {text!r}")
    return MonthDay(int(match[1]), int(match[2]))


def _window(table: _Table) -> tuple[time, time]:
    opens, closes = _time(table, "from"), _time(table, "until")
    if closes <= opens:
        raise table.error("until", "must be later than from")
    return opens, closes


def _hours(table: _Table | None, default: ServiceHours) -> ServiceHours:
    if table is None:
        return default
    days_text = table.get("days", str, default.days.value)
    try:
        days = DayRule(days_text)
    except ValueError:
        raise table.error("days", f"expected every_day or weekdays, got {days_text!r}") from None
    opens, closes = _window(table)
    table.done()
    return ServiceHours(days, opens, closes)


def _kind(table: _Table, name: str, text: str) -> CertificateKind:
    try:
        return CertificateKind(text)
    except ValueError:
        raise table.error(name, f"unknown certificate kind {text!r}") from None


def _kinds(table: _Table, hours: ServiceHours, max_copies: int) -> dict[CertificateKind, KindRule]:
    for name in table.names():
        _kind(table, name, name)
    rules = {}
    for kind in CertificateKind:
        entry = table.table(kind.value)
        if entry.get("offered", bool, True):
            fee = entry.get("fee", int)
            if not 0 <= fee <= MAX_FEE or fee % 10:
                raise entry.error("fee", f"expected 0..{MAX_FEE} yen in steps of 10, got {fee}")
            rules[kind] = KindRule(
                fee=fee,
                hours=_hours(entry.table("hours", required=False), hours),
                max_copies=_copies(entry, "max_copies", max_copies),
            )
        entry.done()
    table.done()
    return rules


def _tax_years(table: _Table) -> FiscalYearPolicy:
    if table.has("latest_years") == table.has("years"):
        raise table.error("latest_years", "give exactly one of latest_years and years")
    latest = table.get("latest_years", int, None)
    if latest is not None and not 1 <= latest <= 5:
        raise table.error("latest_years", f"expected 1..5, got {latest}")
    years = table.get("years", list, [])
    if table.has("years") and (not years or not all(isinstance(y, int) and 2000 <= y <= 2100 for y in years)):
        raise table.error("years", "expected a non-empty array of years such as 2026")
    new_year_from = _month_day(table, "new_year_from", table.get("new_year_from", str, "06-01"))
    switch_text = table.get("switch_over_from", str, None)
    switch_over_from = None if switch_text is None else _month_day(table, "switch_over_from", switch_text)
    if switch_over_from is not None and switch_over_from >= new_year_from:
        raise table.error("switch_over_from", "must come before new_year_from in the same year")
    table.done()
    return FiscalYearPolicy(new_year_from, latest, tuple(years), switch_over_from)


def _under_age(table: _Table) -> UnderAgePolicy:
    policy = table.get("policy", str)
    if policy == "refuse_all":
        allowed = frozenset()
    elif policy == "allow_all":
        allowed = frozenset(CertificateKind)
    elif policy == "allow_only":
        allowed = frozenset(_kind(table, "kinds", _string(table, "kinds", k)) for k in table.get("kinds", list))
        if not allowed:
            raise table.error("kinds", "allow_only needs at least one kind")
    else:
        raise table.error("policy", f"expected refuse_all, allow_all or allow_only, got {policy!r}")
    table.done()
    return UnderAgePolicy(allowed)


def _closures(table: _Table | None) -> Closures:
    if table is None:
        return Closures()
    year_end = YEAR_END
    year_end_table = table.table("year_end", required=False)
    if year_end_table is not None:
        year_end = AnnualPeriod(
            _month_day(year_end_table, "from", year_end_table.get("from", str)),
            _month_day(year_end_table, "until", year_end_table.get("until", str)),
        )
        year_end_table.done()
    annual = tuple(_month_day(table, "annual_days", _string(table, "annual_days", v))
                   for v in table.get("annual_days", list, []))
    dates = table.get("dates", list, [])
    if not all(_is_date(d) for d in dates):
        raise table.error("dates", "expected TOML dates such as 2026-12-01")
    windows = tuple(_maintenance_window(t) for t in table.tables("windows"))
    table.done()
    return Closures(year_end, annual, frozenset(dates), windows)


def _is_date(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)  # TOML datetimes are dates too


def _string(table: _Table, name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise table.error(name, f"expected strings, got {type(value).__name__}")
    return value


def _maintenance_window(table: _Table) -> MaintenanceWindow:
    opens, closes = _window(table)
    if table.has("date") == table.has("nth"):
        raise table.error("date", "give either date or nth + weekday")
    if table.has("date"):
        on = table.get("date", date)
        if not _is_date(on):
            raise table.error("date", "expected a date without a time")
        table.done()
        return DatedWindow(on, opens, closes)
    nth = table.get("nth", int)
    if not 1 <= nth <= 5:
        raise table.error("nth", f"expected 1..5, got {nth}")
    weekday = table.get("weekday", str)
    if weekday not in _WEEKDAYS:
        raise table.error("weekday", f"expected a weekday name such as wednesday, got {weekday!r}")
    table.done()
    return MonthlyWindow(nth, _WEEKDAYS.index(weekday), opens, closes)
