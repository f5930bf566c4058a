"""The three demo municipality files, and the loader's refusal of broken ones."""
from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from kiosk.catalog.loader import MunicipalityFileError, load_municipality
from kiosk.catalog.model import DEFAULT_MAX_COPIES, DayRule, MonthDay, MonthlyWindow
from kiosk.kinds import CertificateKind as K

ASSETS = Path(__file__).resolve().parent.parent / "assets" / "municipalities"
RESIDENCE_KINDS = {K.JUMINHYO, K.JUMINHYO_KISAI, K.INKAN, K.TAX_SHOTOKU, K.TAX_HIKAZEI}


def load(code: str):
    return load_municipality(ASSETS / f"{code}.toml")


def test_exactly_three_demo_files():
    assert sorted(p.stem for p in ASSETS.glob("*.toml")) == ["990001", "990002", "990003"]


def test_nanahoshi():
    m = load("990001")
    assert (m.name, m.prefecture, m.mayor.title) == ("七星市", "架空県", "七星市長")
    assert set(m.kinds) == set(K)
    assert {k: m.rule(k).fee for k in K} == {
        K.JUMINHYO: 300, K.JUMINHYO_KISAI: 300, K.INKAN: 300, K.TAX_SHOTOKU: 300, K.TAX_HIKAZEI: 300,
        K.KOSEKI_ZENBU: 450, K.KOSEKI_KOJIN: 450, K.FUHYO: 300,
    }
    assert m.prints_my_number and m.honseki_registration_required
    assert m.tax_years.latest == 4
    assert m.rule(K.KOSEKI_ZENBU).hours.days is DayRule.WEEKDAYS
    assert (m.rule(K.KOSEKI_ZENBU).hours.opens, m.rule(K.KOSEKI_ZENBU).hours.closes) == (time(9), time(17))
    assert m.rule(K.FUHYO).hours.days is DayRule.EVERY_DAY
    assert not any(m.under_age.allows(k) for k in K)
    assert m.closures.windows == (MonthlyWindow(3, 2, time(20), time(23)),)
    assert all(m.rule(k).max_copies == DEFAULT_MAX_COPIES for k in K)


def test_tsukimino():
    m = load("990002")
    assert m.name == "月見野町"
    assert set(m.kinds) == RESIDENCE_KINDS - {K.JUMINHYO_KISAI}
    assert {m.rule(k).fee for k in m.kinds} == {150}
    assert not m.prints_my_number
    assert m.tax_years.latest == 1
    assert not any(m.under_age.allows(k) for k in K)


def test_hibarigahara():
    m = load("990003")
    assert m.name == "雲雀ヶ原村"
    assert set(m.kinds) == set(K)
    assert {k: m.rule(k).fee for k in K if k not in (K.KOSEKI_ZENBU, K.KOSEKI_KOJIN)} == {
        k: 200 for k in K if k not in (K.KOSEKI_ZENBU, K.KOSEKI_KOJIN)
    }
    assert m.rule(K.KOSEKI_KOJIN).fee == 350
    assert (m.rule(K.KOSEKI_ZENBU).hours.opens, m.rule(K.KOSEKI_ZENBU).hours.closes) == (time(8, 30), time(17, 15))
    assert not m.prints_my_number
    assert m.tax_years.latest == 2
    assert m.under_age.allowed == {K.JUMINHYO}
    assert m.closures.annual_maintenance_days == (MonthDay(12, 28), MonthDay(1, 4))


VALID = (ASSETS / "990003.toml").read_text(encoding="utf-8")


def broken(tmp_path: Path, text: str, name: str = "990003.toml") -> MunicipalityFileError:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MunicipalityFileError) as caught:
        load_municipality(path)
    error = caught.value
    assert error.file == name and error.file in str(error) and error.key in str(error)
    return error


def replace(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new, 1)


@pytest.mark.parametrize(
    "text, key, problem",
    [
        (replace('reading = "ひばりがはらむら"\n', ""), "reading", "missing"),
        (replace("[kinds.fuhyo]\nfee = 200\n", ""), "kinds.fuhyo", "missing"),
        (replace("[kinds.inkan]\nfee = 200", "[kinds.inkan]\n"), "kinds.inkan.fee", "missing"),
        (replace("[kinds.inkan]\nfee = 200", '[kinds.inkan]\nfee = "200"'), "kinds.inkan.fee", "expected an integer"),
        (replace("[kinds.inkan]\nfee = 200", "[kinds.inkan]\nfee = true"), "kinds.inkan.fee", "expected an integer"),
        (replace("my_number_on_juminhyo = false", 'my_number_on_juminhyo = "no"'), "my_number_on_juminhyo", "true or false"),
        (replace('prefecture = "架空県"', 'prefecture = "架空県"\nprefectur = "x"'), "prefectur", "unknown key"),
        (replace("[kinds.inkan]\nfee = 200", "[kinds.inkan]\nfee = 200\nfees = 1"), "kinds.inkan.fees", "unknown key"),
        (replace('until = "17:15"', 'until = "17:15", note = "x"'), "kinds.koseki_zenbu.hours.note", "unknown key"),
        (replace('from = "08:30"', 'from = "25:00"'), "kinds.koseki_zenbu.hours.from", "HH:MM"),
        (replace('from = "08:30"', 'from = "8:30"'), "kinds.koseki_zenbu.hours.from", "HH:MM"),
        (replace('until = "17:15"', 'until = "08:00"'), "kinds.koseki_zenbu.hours.until", "later than"),
        (replace('days = "weekdays"', 'days = "weekday"'), "kinds.koseki_zenbu.hours.days", "every_day or weekdays"),
        (replace("[kinds.inkan]\nfee = 200", "[kinds.inkan]\nfee = 20000"), "kinds.inkan.fee", "0..2000"),
        (replace("[kinds.inkan]\nfee = 200", "[kinds.inkan]\nfee = -10"), "kinds.inkan.fee", "0..2000"),
        (replace("[kinds.inkan]\nfee = 200", "[kinds.inkan]\nfee = 205"), "kinds.inkan.fee", "steps of 10"),
        (VALID + "\n[kinds.passport]\nfee = 200\n", "kinds.passport", "unknown certificate kind"),
        (replace('kinds = ["juminhyo"]', 'kinds = ["jyuminhyo"]'), "under_15.kinds", "unknown certificate kind"),
        (replace('policy = "allow_only"', 'policy = "sometimes"'), "under_15.policy", "refuse_all"),
        (replace('annual_days = ["12-28", "01-04"]', 'annual_days = ["12-32"]'), "closures.annual_days", "MM-DD"),
        (replace("latest_years = 2", "latest_years = 2\nyears = [2026]"), "tax.latest_years", "exactly one"),
        (replace('code = "990003"', 'code = "990004"'), "code", "file name"),
        (replace("[kinds.inkan]\nfee = 200", "[kinds.inkan]\nfee = 200\nmax_copies = 0"), "kinds.inkan.max_copies", "1..20"),
    ],
)
def test_broken_file_names_file_and_key(tmp_path, text, key, problem):
    error = broken(tmp_path, text)
    assert error.key == key
    assert problem in error.problem


def test_maintenance_window_checked(tmp_path):
    text = VALID + '\n[[closures.windows]]\nnth = 6\nweekday = "wednesday"\nfrom = "20:00"\nuntil = "23:00"\n'
    assert broken(tmp_path, text).key == "closures.windows[0].nth"
    text = VALID + '\n[[closures.windows]]\ndate = 2026-12-02\nfrom = "20:00"\nuntil = "19:00"\n'
    assert broken(tmp_path, text).key == "closures.windows[0].until"


def test_not_toml_is_reported_with_the_file(tmp_path):
    assert "not valid TOML" in broken(tmp_path, "code = ").problem


def test_optional_parts_take_their_defaults(tmp_path):
    path = tmp_path / "990002.toml"
    path.write_text((ASSETS / "990002.toml").read_text(encoding="utf-8"), encoding="utf-8")
    m = load_municipality(path)
    assert (m.hours.opens, m.hours.closes, m.hours.days) == (time(6, 30), time(23), DayRule.EVERY_DAY)
    assert m.closures.year_end.contains(date(2026, 12, 29)) and not m.closures.windows
    assert m.tax_years.new_year_from == MonthDay(6, 1)


def test_a_kinds_hours_without_days_take_the_municipalitys_days(tmp_path):
    text = VALID.replace("[kinds.inkan]\nfee = 200", '[kinds.inkan]\nfee = 200\nhours = { from = "09:00", until = "17:00" }')
    text = text.replace("[mayor]", '[hours]\ndays = "weekdays"\nfrom = "08:00"\nuntil = "20:00"\n\n[mayor]', 1)
    path = tmp_path / "990003.toml"
    path.write_text(text, encoding="utf-8")
    rule = load_municipality(path).rule(K.INKAN)
    assert (rule.hours.days, rule.hours.opens, rule.hours.closes) == (DayRule.WEEKDAYS, time(9), time(17))
