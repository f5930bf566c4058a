"""Catalog: loading, hours, closed days, maintenance windows, service status, tax years."""
from __future__ import annotations

import shutil
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from kiosk.catalog.catalog import Catalog, UnknownMunicipality
from kiosk.catalog.holidays import HolidaysUnknown, is_business_day, national_holidays
from kiosk.catalog.hours import ClosureReason
from kiosk.catalog.loader import MunicipalityFileError
from kiosk.catalog.model import FiscalYearPolicy, MonthDay
from kiosk.clock import JST
from kiosk.eligibility import RefusalReason as R
from kiosk.kinds import CertificateKind as K

ASSETS = Path(__file__).resolve().parent.parent / "assets" / "municipalities"
NANAHOSHI, TSUKIMINO, HIBARI = "990001", "990002", "990003"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(ASSETS)


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST)


def reason(catalog, code, kind, at):
    refusal = catalog.kind_available_at(code, kind, at)
    return None if refusal is None else refusal.reason


def test_loads_all_codes(catalog):
    assert catalog.codes() == (NANAHOSHI, TSUKIMINO, HIBARI)
    assert catalog.municipality(TSUKIMINO).name == "月見野町"
    with pytest.raises(UnknownMunicipality):
        catalog.municipality("999999")


def test_duplicate_code_refused(catalog):
    with pytest.raises(ValueError):
        Catalog((catalog.municipality(NANAHOSHI), catalog.municipality(NANAHOSHI)))


@pytest.mark.parametrize(
    "at, expected",
    [
        (jst(2026, 11, 24, 6, 29), R.OUTSIDE_HOURS),
        (jst(2026, 11, 24, 6, 29, 59), R.OUTSIDE_HOURS),
        (jst(2026, 11, 24, 6, 30), None),
        (jst(2026, 11, 24, 22, 59, 59), None),
        (jst(2026, 11, 24, 23, 0), R.OUTSIDE_HOURS),
        (jst(2026, 12, 28, 22, 0), None),
        (jst(2026, 12, 29, 0, 0), R.CLOSED_DAY),
        (jst(2026, 12, 29, 12, 0), R.CLOSED_DAY),
        (jst(2027, 1, 3, 23, 59), R.CLOSED_DAY),
        (jst(2027, 1, 4, 0, 0), R.OUTSIDE_HOURS),
        (jst(2027, 1, 4, 6, 30), None),
    ],
)
def test_juminhyo_hours_and_year_end(catalog, at, expected):
    assert reason(catalog, TSUKIMINO, K.JUMINHYO, at) == expected


def test_time_zone_is_japan(catalog):
    utc_2130 = datetime(2026, 11, 24, 21, 30, tzinfo=timezone.utc)  # 06:30 next day in Japan
    assert catalog.kind_available_at(TSUKIMINO, K.JUMINHYO, utc_2130) is None
    assert reason(catalog, TSUKIMINO, K.JUMINHYO, datetime(2026, 11, 24, 6, 29)) == R.OUTSIDE_HOURS  # naive = JST


def test_not_offered_and_unknown_municipality(catalog):
    at = jst(2026, 11, 24, 10)
    assert reason(catalog, TSUKIMINO, K.KOSEKI_ZENBU, at) == R.NOT_OFFERED
    assert reason(catalog, TSUKIMINO, K.JUMINHYO_KISAI, at) == R.NOT_OFFERED
    assert reason(catalog, "999999", K.JUMINHYO, at) == R.NOT_OFFERED
    # not offered wins over closed: the resident cannot come back another day for it
    assert reason(catalog, TSUKIMINO, K.FUHYO, jst(2026, 12, 30, 10)) == R.NOT_OFFERED


@pytest.mark.parametrize(
    "at, expected",
    [
        (jst(2026, 11, 24, 8, 59), R.OUTSIDE_HOURS),  # Tuesday
        (jst(2026, 11, 24, 9, 0), None),
        (jst(2026, 11, 24, 16, 59), None),
        (jst(2026, 11, 24, 17, 0), R.OUTSIDE_HOURS),
        (jst(2026, 11, 28, 10, 0), R.OUTSIDE_HOURS),  # Saturday
        (jst(2026, 11, 23, 10, 0), R.OUTSIDE_HOURS),  # 勤労感謝の日 (Monday)
        (jst(2026, 5, 6, 10, 0), R.OUTSIDE_HOURS),  # 振替休日
    ],
)
def test_koseki_weekdays_only(catalog, at, expected):
    assert reason(catalog, NANAHOSHI, K.KOSEKI_ZENBU, at) == expected


def test_koseki_hours_differ_per_municipality(catalog):
    assert reason(catalog, HIBARI, K.KOSEKI_KOJIN, jst(2026, 11, 24, 8, 30)) is None
    assert reason(catalog, HIBARI, K.KOSEKI_KOJIN, jst(2026, 11, 24, 17, 14)) is None
    assert reason(catalog, HIBARI, K.KOSEKI_KOJIN, jst(2026, 11, 24, 17, 15)) == R.OUTSIDE_HOURS
    assert reason(catalog, HIBARI, K.FUHYO, jst(2026, 11, 28, 10)) is None  # 附票 keeps the general hours


@pytest.mark.parametrize(
    "at, expected",
    [
        (jst(2026, 11, 18, 19, 59), None),  # 3rd Wednesday
        (jst(2026, 11, 18, 20, 0), R.CLOSED_DAY),
        (jst(2026, 11, 18, 22, 59), R.CLOSED_DAY),
        (jst(2026, 11, 18, 23, 0), R.OUTSIDE_HOURS),
        (jst(2026, 11, 11, 21, 0), None),  # 2nd Wednesday
        (jst(2026, 11, 25, 21, 0), None),  # 4th Wednesday
        (jst(2026, 12, 16, 21, 0), R.CLOSED_DAY),  # 3rd Wednesday of December
    ],
)
def test_monthly_maintenance_window(catalog, at, expected):
    assert reason(catalog, NANAHOSHI, K.JUMINHYO, at) == expected
    assert reason(catalog, TSUKIMINO, K.JUMINHYO, at) in (None, R.OUTSIDE_HOURS)  # others unaffected


def test_extra_maintenance_days(catalog):
    for day in (jst(2026, 12, 28, 10), jst(2027, 1, 4, 10)):
        assert reason(catalog, HIBARI, K.JUMINHYO, day) == R.CLOSED_DAY
        assert reason(catalog, NANAHOSHI, K.JUMINHYO, day) is None
    assert reason(catalog, HIBARI, K.JUMINHYO, jst(2027, 1, 5, 6, 30)) is None


def test_service_status(catalog):
    status = catalog.service_status(jst(2026, 11, 24, 10))
    assert status.open and status.reason is None
    assert (status.hours.opens.hour, status.hours.closes.hour) == (6, 23)

    year_end = catalog.service_status(jst(2026, 12, 31, 10))
    assert not year_end.open and year_end.reason is ClosureReason.YEAR_END

    night = catalog.service_status(jst(2026, 11, 24, 23, 30))
    assert not night.open and night.reason is ClosureReason.OUTSIDE_HOURS

    # 1/4 early morning: one village in maintenance, two merely before opening time
    early = catalog.service_status(jst(2027, 1, 4, 5, 0))
    assert early.reason is ClosureReason.OUTSIDE_HOURS
    by_code = {s.code: s for s in early.municipalities}
    assert by_code[HIBARI].reason is ClosureReason.MAINTENANCE

    window = catalog.service_status(jst(2026, 11, 18, 21))
    assert window.open
    assert {s.code: s.reason for s in window.municipalities}[NANAHOSHI] is ClosureReason.MAINTENANCE


def test_fiscal_years(catalog):
    assert catalog.offered_fiscal_years(NANAHOSHI, jst(2026, 11, 25)) == (2026, 2025, 2024, 2023)
    assert catalog.offered_fiscal_years(NANAHOSHI, jst(2026, 5, 24)) == (2025, 2024, 2023, 2022)
    assert catalog.offered_fiscal_years(NANAHOSHI, jst(2026, 5, 25)) == (2025,)  # switch-over
    assert catalog.offered_fiscal_years(NANAHOSHI, jst(2026, 5, 31, 23, 59)) == (2025,)
    assert catalog.offered_fiscal_years(NANAHOSHI, jst(2026, 6, 1)) == (2026, 2025, 2024, 2023)
    assert catalog.offered_fiscal_years(TSUKIMINO, jst(2026, 11, 25)) == (2026,)
    assert catalog.offered_fiscal_years(HIBARI, jst(2027, 3, 1)) == (2026, 2025)


def test_explicit_fiscal_year_list():
    policy = FiscalYearPolicy(new_year_from=MonthDay(6, 1), years=(2024, 2025, 2026))
    assert policy.offered(date(2026, 5, 31)) == (2025, 2024)
    assert policy.offered(date(2026, 6, 1)) == (2026, 2025, 2024)


# 国民の祝日, 振替休日 and 国民の休日 of 2026 and 2027 as the Cabinet Office lists them
ANNOUNCED_2026_2027 = (
    "2026-01-01", "2026-01-12", "2026-02-11", "2026-02-23", "2026-03-20", "2026-04-29",
    "2026-05-03", "2026-05-04", "2026-05-05", "2026-05-06", "2026-07-20", "2026-08-11",
    "2026-09-21", "2026-09-22", "2026-09-23", "2026-10-12", "2026-11-03", "2026-11-23",
    "2027-01-01", "2027-01-11", "2027-02-11", "2027-02-23", "2027-03-21", "2027-03-22",
    "2027-04-29", "2027-05-03", "2027-05-04", "2027-05-05", "2027-07-19", "2027-08-11",
    "2027-09-20", "2027-09-23", "2027-10-11", "2027-11-03", "2027-11-23",
)


def test_the_holidays_of_2026_and_2027_are_those_announced():
    assert national_holidays(2026) | national_holidays(2027) == {date.fromisoformat(d) for d in ANNOUNCED_2026_2027}
    assert not is_business_day(date(2026, 9, 22))  # 国民の休日
    assert not is_business_day(date(2027, 3, 22))  # 振替休日
    assert is_business_day(date(2026, 11, 24))


@pytest.mark.parametrize("day", [
    date(2028, 3, 20),  # 春分の日, a Monday
    date(2028, 9, 22),  # 秋分の日, a Friday
    date(2029, 2, 12),  # 振替休日: 建国記念の日 fell on a Sunday
    date(2031, 5, 6),  # 振替休日: みどりの日 on a Sunday, the Monday already こどもの日
    date(2032, 9, 21),  # 国民の休日 between 敬老の日 and 秋分の日
])
def test_holidays_after_2027_are_known(day):
    assert day.weekday() < 5
    assert not is_business_day(day)


def test_a_koseki_kind_is_closed_on_a_2028_holiday(catalog):
    assert reason(catalog, NANAHOSHI, K.KOSEKI_ZENBU, jst(2028, 3, 20, 10, 0)) == R.OUTSIDE_HOURS
    assert reason(catalog, NANAHOSHI, K.KOSEKI_ZENBU, jst(2028, 3, 21, 10, 0)) is None


@pytest.mark.parametrize("day", [date(1948, 6, 1), date(2100, 1, 4)])
def test_a_year_the_holiday_calendar_does_not_cover_is_refused(day):
    with pytest.raises(HolidaysUnknown, match=str(day.year)):
        is_business_day(day)


def test_load_reports_the_bad_file(tmp_path):
    shutil.copy(ASSETS / "990001.toml", tmp_path / "990001.toml")
    (tmp_path / "990002.toml").write_text("code = 990002\n", encoding="utf-8")
    with pytest.raises(MunicipalityFileError) as caught:
        Catalog.load(tmp_path)
    assert (caught.value.file, caught.value.key) == ("990002.toml", "code")
