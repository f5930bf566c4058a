import copy
import io
import json
import re
import sqlite3
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from center.registry.impressions import demo_recipe, draw_impression
from center.registry.demo_loader import DemoDataError, load_demo_population, parse_demo_population
from center.registry.mynumber import is_valid_my_number
from center.registry.records import Sex
from center.storage.engine import open_engine
from center.storage.migrate import migrate
from center.storage.registry import CertificateLinkError, SqlRegistry, load_demo

ROOT = Path(__file__).resolve().parents[1]
DEMO_JSON = ROOT / "assets" / "demo" / "residents.json"
CARDS_TOML = ROOT / "assets" / "demo" / "cards.toml"
TODAY = date(2026, 11, 26)
KIOSK_MUNICIPALITIES = {"990001", "990002", "990003"}
SPECIAL_PROFILES = {
    "one_try_left", "locked", "expired", "revoked", "face_auth",
    "juki_card", "unknown_ca", "not_my_number", "phone_android",
}
CERT_A = "ab" * 32
CERT_B = "cd" * 32


@pytest.fixture(scope="module")
def population():
    return load_demo_population(DEMO_JSON)


def _registry(path: Path, source: Path = DEMO_JSON) -> SqlRegistry:
    """The center's registry on a SQLite file: migrated, the demo population loaded."""
    engine = open_engine(f"sqlite:///{path}")
    migrate(engine)
    load_demo(engine, load_demo_population(source), replace=True)
    return SqlRegistry(engine)


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("registry") / "registry.sqlite3"
    _registry(path).close()
    return path


@pytest.fixture(scope="module")
def registry(db_path):
    reg = SqlRegistry(open_engine(f"sqlite:///{db_path}"))
    yield reg
    reg.close()


@pytest.fixture
def fresh_registry(tmp_path):
    """For tests that write (certificate links)."""
    reg = _registry(tmp_path / "registry.sqlite3")
    yield reg
    reg.close()


def table_count(db_path: Path, table: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# --- the built database -------------------------------------------------------------------------


def test_counts(db_path, registry):
    assert table_count(db_path, "residents") >= 30
    assert table_count(db_path, "households") >= 10
    with sqlite3.connect(db_path) as conn:
        codes = {row[0] for row in conn.execute("SELECT DISTINCT municipality_code FROM households")}
    assert codes == KIOSK_MUNICIPALITIES
    for code in KIOSK_MUNICIPALITIES:
        assert registry.municipality_residents(code)


def test_every_my_number_is_valid_and_unique(population, registry):
    numbers = [registry.resident(r.resident_ref).my_number for r in population.residents]
    assert all(is_valid_my_number(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)


def test_every_record_round_trips(population, registry):
    for r in population.residents:
        stored = r if r.seal is None else replace(r, seal=replace(  # the 印影 picture is drawn when stored
            r.seal, image=draw_impression(r.seal.impression, r.seal.image_recipe)))
        assert registry.resident(r.resident_ref) == stored
    for k in population.koseki:
        assert registry.koseki(k.koseki_id) == k


def test_every_registered_seal_has_its_own_impression_picture(population, registry):
    """Drawn once, when the registry is loaded: a 1-bit PNG with its resolution, the same for one
    resident every time, different for every resident (both 渡邉 included)."""
    pictures = {}
    for r in population.residents:
        if r.seal is None:
            continue
        seal = registry.resident(r.resident_ref).seal
        assert seal.image_recipe == demo_recipe(r.resident_ref, r.seal.registration_number)
        with Image.open(io.BytesIO(seal.image)) as image:
            assert (image.format, image.mode) == ("PNG", "1")
            assert round(image.info["dpi"][0]) == 400 and 150 <= image.width <= 400
        assert len(seal.image) < 6000
        pictures[r.resident_ref] = seal.image
    assert len(pictures) >= 15 and len(set(pictures.values())) == len(pictures)
    assert sum(1 for r in population.residents if r.seal and r.seal.impression == "渡邉") == 2


def test_unknown_ids_give_none(registry):
    assert registry.resident("R-9999") is None
    assert registry.koseki("K-999") is None
    assert registry.household("H-999") == ()


def test_household_head_comes_first_even_when_listed_later(registry):
    members = registry.household("H-101")  # the file lists the wife before the head
    assert [m.resident_ref for m in members] == ["R-0020", "R-0019", "R-0021"]
    assert members[0].household_head and not any(m.household_head for m in members[1:])


def test_household_leaves_out_the_deceased(registry):
    refs = [m.resident_ref for m in registry.household("H-002")]
    assert refs == ["R-0005", "R-0007"]
    deceased = registry.resident("R-0006")
    assert deceased is not None and deceased.flags.deceased
    assert "R-0006" not in {r.resident_ref for r in registry.municipality_residents("990001")}


def test_household_keeps_a_member_who_is_moving_out(registry):
    # 転出予定 is still a resident: the center needs to see them to refuse the 住民票.
    members = registry.household("H-003")
    assert any(m.flags.moving_out for m in members)


def test_foreign_resident_round_trips(registry):
    r = registry.resident("R-0014")
    assert r.koseki_id is None
    assert r.foreign.nationality == "ブラジル"
    assert r.foreign.status == "定住者"
    assert r.foreign.period_until == date(2028, 3, 8) and r.foreign.period == "5年"
    assert r.foreign.residence_card_number == "ZA40617283BK"
    assert r.seal is not None and r.sex is Sex.MALE


def test_koseki_members_and_entries_round_trip(registry):
    k = registry.koseki("K-003")
    assert k.municipality_code == "990001"
    assert k.hittousha.full == "髙橋\u3000正雄"
    by_ref = {m.resident_ref: m for m in k.members}
    married_out = by_ref["R-0019"]
    assert married_out.removed
    assert [e.event for e in married_out.entries] == ["出生", "婚姻"]
    assert married_out.entries[1].on == date(2016, 10, 10)
    assert "【新本籍】" in married_out.entries[1].detail
    died = by_ref["R-0006"]
    assert died.removed and died.entries[-1].event == "死亡"
    assert not by_ref["R-0005"].removed


def test_kiosk_registrations(registry):
    assert registry.koseki("K-006").kiosk_registered_refs == frozenset({"R-0019", "R-0020"})
    assert registry.koseki("K-007").kiosk_registered_refs == frozenset({"R-0023"})
    assert registry.koseki("K-001").kiosk_registered_refs == frozenset()


def test_municipality_residents_groups_households_head_first(registry):
    residents = registry.municipality_residents("990002")
    assert {r.municipality_code for r in residents} == {"990002"}
    households = [r.household_id for r in residents]
    assert households == sorted(households)
    first_of_each = {}
    for r in residents:
        first_of_each.setdefault(r.household_id, r)
    assert all(r.household_head for r in first_of_each.values())


def test_registry_can_be_used_from_worker_threads(registry):
    refs = [f"R-{i:04d}" for i in range(1, 33)] * 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(registry.resident, refs))
    assert [r.resident_ref for r in found] == refs


# --- certificate links --------------------------------------------------------------------------


def test_link_and_find_certificate(fresh_registry):
    assert fresh_registry.resident_for_certificate(CERT_A) is None
    fresh_registry.link_certificate(CERT_A, "R-0001")
    assert fresh_registry.resident_for_certificate(CERT_A) == "R-0001"
    assert fresh_registry.resident_for_certificate(CERT_A.upper()) == "R-0001"


def test_linking_the_same_pair_again_is_harmless_and_a_resident_may_hold_two(fresh_registry):
    fresh_registry.link_certificate(CERT_A, "R-0001")
    fresh_registry.link_certificate(CERT_A.upper(), "R-0001")
    fresh_registry.link_certificate(CERT_B, "R-0001")
    assert fresh_registry.resident_for_certificate(CERT_B) == "R-0001"


def test_a_certificate_cannot_move_to_another_resident(fresh_registry):
    fresh_registry.link_certificate(CERT_A, "R-0001")
    with pytest.raises(CertificateLinkError, match="already linked"):
        fresh_registry.link_certificate(CERT_A, "R-0002")
    assert fresh_registry.resident_for_certificate(CERT_A) == "R-0001"


@pytest.mark.parametrize(
    ("digest", "ref", "message"),
    [("ab" * 31, "R-0001", "64 hex"), ("zz" * 32, "R-0001", "64 hex"), (CERT_A, "R-9999", "no such resident")],
)
def test_bad_links_are_refused(fresh_registry, digest, ref, message):
    with pytest.raises(CertificateLinkError, match=message):
        fresh_registry.link_certificate(digest, ref)
    assert fresh_registry.resident_for_certificate(digest) is None


def test_links_persist_across_connections(tmp_path):
    path = tmp_path / "r.sqlite3"
    reg = _registry(path)
    reg.link_certificate(CERT_A, "R-0030")
    reg.close()
    again = SqlRegistry(open_engine(f"sqlite:///{path}"))
    assert again.resident_for_certificate(CERT_A) == "R-0030"
    again.close()


# --- a broken demo file -------------------------------------------------------------------------


def raw_demo() -> dict:
    return json.loads(DEMO_JSON.read_text(encoding="utf-8"))


def resident_in(doc: dict, ref: str) -> dict:
    return next(r for r in doc["residents"] if r["resident_ref"] == ref)


def koseki_in(doc: dict, koseki_id: str) -> dict:
    return next(k for k in doc["koseki"] if k["koseki_id"] == koseki_id)


def set_wrong_check_digit(doc):
    r = resident_in(doc, "R-0007")
    r["my_number"] = r["my_number"][:11] + str((int(r["my_number"][11]) + 1) % 10)


def duplicate_my_number(doc):
    resident_in(doc, "R-0008")["my_number"] = resident_in(doc, "R-0007")["my_number"]


BROKEN_FILES = [
    (set_wrong_check_digit, "resident R-0007: my_number: not 12 digits with a valid check digit"),
    (duplicate_my_number, "resident R-0008: my_number: used twice"),
    (lambda d: resident_in(d, "R-0007").pop("birth_date"), "resident R-0007: birth_date: missing"),
    (lambda d: resident_in(d, "R-0007").update(brith_date="1976-11-02"), "resident R-0007: brith_date: unknown key"),
    (lambda d: resident_in(d, "R-0007").update(birth_date="1976/11/02"),
     "resident R-0007: birth_date: expected a date YYYY-MM-DD"),
    (lambda d: resident_in(d, "R-0007")["seal"].update(registered_on="soon"),
     "resident R-0007: seal.registered_on: expected a date YYYY-MM-DD"),
    (lambda d: resident_in(d, "R-0007").update(sex="m"), "resident R-0007: sex: expected male or female"),
    (lambda d: resident_in(d, "R-0007")["tax_records"][0].update(total_income=-1),
     "resident R-0007: tax_records[0].total_income: expected a whole number >= 0"),
    (lambda d: resident_in(d, "R-0007").update(koseki_id="K-404"), "resident R-0007: koseki_id: no such koseki"),
    (lambda d: resident_in(d, "R-0007").update(koseki_id=None),
     "resident R-0007: koseki_id: give a koseki_id (Japanese national) or foreign items, exactly one"),
    (lambda d: resident_in(d, "R-0007").update(notified_on="1970-01-01"),
     "resident R-0007: notified_on: before address_set_on"),
    (lambda d: resident_in(d, "R-0007").update(municipality_code="990010"),
     "resident R-0007: municipality_code: not a participating municipality"),
    (lambda d: resident_in(d, "R-0007").update(household_head=True),
     "household H-002: household_head: 2 living heads, expected 1"),
    (lambda d: resident_in(d, "R-0007").update(address="架空県七星市昴町三丁目5番9号"),
     "resident R-0007: address: differs from R-0005 in H-002"),
    (lambda d: resident_in(d, "R-0007")["tax_records"].reverse(),
     "resident R-0007: tax_records: fiscal years must be unique, oldest first"),
    (lambda d: resident_in(d, "R-0007")["name"].pop("given_kana"), "resident R-0007: name.given_kana: missing"),
    (lambda d: d["residents"][0].pop("resident_ref"), "demo file: residents[0].resident_ref: missing"),
    (lambda d: koseki_in(d, "K-003")["members"][2].update(resident_ref="R-9999"),
     "koseki K-003: members[2].resident_ref: unknown resident R-9999"),
    (lambda d: koseki_in(d, "K-007")["kiosk_registered_refs"].append("R-0001"),
     "koseki K-007: kiosk_registered_refs: R-0001 is not a current member"),
    (lambda d: koseki_in(d, "K-001")["kiosk_registered_refs"].append("R-0001"),
     "koseki K-001: kiosk_registered_refs: R-0001 lives at the 本籍地; no 利用登録 needed"),
    (lambda d: koseki_in(d, "K-003")["members"][2].update(removed=True),
     "resident R-0007: koseki_id: not listed as a current member there"),
    (lambda d: d.pop("about"), "demo file: about: missing"),
    # the tax breakdown must add up: caught in the file, not on a printed certificate
    (lambda d: tax_in(d, "R-0007", 0).update(municipal_tax=tax_in(d, "R-0007", 0)["municipal_tax"] + 100),
     "resident R-0007: tax_records[0].municipal_tax: not municipal_per_capita + municipal_income_levy"),
    (lambda d: tax_in(d, "R-0007", 1).update(prefectural_income_levy=0),
     "resident R-0007: tax_records[1].prefectural_tax: not prefectural_per_capita + prefectural_income_levy"),
    (lambda d: tax_in(d, "R-0007", 0)["incomes"].append({"kind": "雑", "revenue": None, "income": 1000}),
     "resident R-0007: tax_records[0].total_income: not the sum of the incomes' income"),
    (lambda d: tax_in(d, "R-0007", 0)["deductions"].pop(0),
     "resident R-0007: tax_records[0].total_deductions: not the sum of the deductions' amount"),
    (lambda d: tax_in(d, "R-0007", 0).update(taxable_income=tax_in(d, "R-0007", 0)["taxable_income"] + 1000),
     "resident R-0007: tax_records[0].taxable_income: not total_income - total_deductions rounded down to 1,000 yen"),
    (lambda d: tax_in(d, "R-0002", 1).update(municipal_tax=3000, municipal_per_capita=3000),
     "resident R-0002: tax_records[1].municipal_tax: a year not taxed (非課税) has no tax"),
    (lambda d: tax_in(d, "R-0007", 0)["incomes"][0].update(revenue=1),
     "resident R-0007: tax_records[0].incomes[0].income: more than revenue"),
    (lambda d: tax_in(d, "R-0007", 0).pop("municipal_per_capita"),
     "resident R-0007: tax_records[0].municipal_per_capita: missing"),
    (lambda d: resident_in(d, "R-0014")["foreign"].pop("category"), "resident R-0014: foreign.category: missing"),
    (lambda d: resident_in(d, "R-0014")["foreign"].pop("period"),
     "resident R-0014: foreign.period: set for a 中長期在留者 and only for one"),
    (lambda d: resident_in(d, "R-0014")["foreign"].update(category="特別永住者"),
     "resident R-0014: foreign.period: set for a 中長期在留者 and only for one"),
    (lambda d: resident_in(d, "R-0014").update(remarks=[""]), "resident R-0014: remarks[0]: expected non-empty text"),
    # 戸籍: 届出日, 配偶者区分 and 戸籍事項
    (lambda d: koseki_in(d, "K-001")["members"][2]["entries"][0].pop("notified_on"),
     "koseki K-001: members[2].entries[0].notified_on: missing: a 出生 is notified after it happens"),
    (lambda d: koseki_in(d, "K-003")["members"][1]["entries"][2].update(notified_on="2026-08-13"),
     "koseki K-003: members[1].entries[2].notified_on: before the event"),
    (lambda d: koseki_in(d, "K-001")["members"][2].update(spouse=True),
     "koseki K-001: members[2].spouse: no 婚姻 that a later 離婚 did not end"),
    (lambda d: koseki_in(d, "K-009")["members"][0].update(spouse=True),
     "koseki K-009: members[0].spouse: no 婚姻 that a later 離婚 did not end"),
    (lambda d: koseki_in(d, "K-001")["members"][0]["entries"].reverse(), "koseki K-001: members[0].entries: must be oldest first"),
    (lambda d: koseki_in(d, "K-001").update(events=[]), "koseki K-001: events: a 戸籍 has its 戸籍事項 (戸籍編製 or 転籍)"),
    (lambda d: koseki_in(d, "K-005").pop("events"), "koseki K-005: events: missing"),
]


def tax_in(doc: dict, ref: str, index: int) -> dict:
    return resident_in(doc, ref)["tax_records"][index]


@pytest.mark.parametrize(("break_it", "message"), BROKEN_FILES)
def test_a_broken_demo_file_names_the_record_and_key(break_it, message):
    doc = raw_demo()
    break_it(doc)
    with pytest.raises(DemoDataError) as caught:
        parse_demo_population(doc)
    assert str(caught.value) == message


def test_errors_never_repeat_personal_values():
    doc = raw_demo()
    set_wrong_check_digit(doc)
    bad_number = resident_in(doc, "R-0007")["my_number"]
    with pytest.raises(DemoDataError) as caught:
        parse_demo_population(doc)
    assert bad_number not in str(caught.value) and "健太" not in str(caught.value)


def test_build_refuses_an_invalid_my_number(tmp_path):
    doc = raw_demo()
    set_wrong_check_digit(doc)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DemoDataError, match="R-0007: my_number"):
        _registry(tmp_path / "r.sqlite3", broken)


def test_parsing_does_not_change_the_input():
    doc = raw_demo()
    before = copy.deepcopy(doc)
    parse_demo_population(doc)
    assert doc == before


# --- what the demo population must contain ------------------------------------------------------


def test_population_covers_every_case_the_kiosk_handles(population):
    residents = population.residents
    koseki = {k.koseki_id: k for k in population.koseki}
    municipality_of = {m.code: m for m in population.municipalities}
    current_fy = 2026

    assert any(r.flags.support_measure for r in residents)
    assert any(r.flags.deceased for r in residents)
    moving = [r for r in residents if r.flags.moving_out]
    assert moving and all(sum(o.household_id == r.household_id for o in residents) > 1 for r in moving)
    assert any(r.age_on(TODAY) < 15 for r in residents)
    assert any(r.age_on(TODAY) >= 80 for r in residents)
    assert any(r.foreign is not None for r in residents)
    adults = [r for r in residents if r.age_on(TODAY) >= 18 and r.foreign is None]
    assert any(r.seal for r in adults) and any(r.seal is None for r in adults)

    this_year = {r.resident_ref: t for r in residents for t in r.tax_records if t.fiscal_year == current_fy}
    assert any(not t.declared for t in this_year.values())
    assert any(t.declared and not t.taxed for t in this_year.values())
    moved_in = [r for r in residents if r.became_resident_on > date(current_fy, 1, 1)]
    assert any(this_year[r.resident_ref].jan1_municipality_code != r.municipality_code for r in moved_in)

    honseki_elsewhere = [
        r for r in residents if r.koseki_id and koseki[r.koseki_id].municipality_code != r.municipality_code
    ]
    registered = [r for r in honseki_elsewhere if r.resident_ref in koseki[r.koseki_id].kiosk_registered_refs]
    assert registered and len(registered) < len(honseki_elsewhere)
    assert any(municipality_of[koseki[r.koseki_id].municipality_code].kiosk_participating for r in registered)
    assert any(not municipality_of[k.municipality_code].kiosk_participating for k in koseki.values())
    assert any(r.koseki_id and koseki[r.koseki_id].municipality_code == r.municipality_code for r in residents)
    # 月見野町 keeps no 戸籍.
    assert not any(k.municipality_code == "990002" for k in koseki.values())

    members = [m for k in koseki.values() for m in k.members]
    assert any(m.removed and any(e.event == "婚姻" for e in m.entries) for m in members)
    assert {"出生", "婚姻", "離婚", "分籍", "死亡"} <= {e.event for m in members for e in m.entries}
    # 戸籍事項: a 戸籍 made by marriage or 分籍, one that came by 転籍, one computerised (改製)
    assert {"戸籍編製", "転籍", "戸籍改製"} <= {e.event for k in koseki.values() for e in k.events}
    assert all(k.events for k in koseki.values())
    assert any(m.spouse for m in members) and any(m.spouse and m.removed for m in members)

    # 住民票: someone who moved in and someone who moved within the municipality, with their 備考
    assert any(any(line.endswith("から転入") for line in r.remarks) for r in residents)
    assert any(any(line.endswith("転居") for line in r.remarks) for r in residents)
    # a foreign resident with every foreign item, the 区分 and a 備考 included
    assert any(r.foreign and all(vars(r.foreign).values()) and r.remarks for r in residents)

    # tax: each kind of income the forms show, 非課税 years, and a year with 均等割 only
    lines = [t for r in residents for t in r.tax_records]
    assert {"給与", "公的年金等", "営業等"} <= {i.kind for t in lines for i in t.incomes}
    assert any(t.taxed and t.municipal_per_capita and not t.municipal_income_levy for t in lines)


def test_demo_tax_arithmetic_is_what_the_loader_documents(population):
    """The demo's own choices (center/registry/demo_loader.py): 均等割 3,000 + 1,000; 所得割 6 % and
    4 % of the 課税標準額 rounded down to 100 yen; 基礎控除 430,000 (住民税); 給与所得 per the
    給与所得控除 table. The loader checks only what holds everywhere (the sums)."""
    def salary_income(revenue: int, year: int) -> int:
        if year >= 2025 and revenue <= 1_900_000:
            return max(0, revenue - 650_000)
        if revenue < 1_625_000:
            return max(0, revenue - 550_000)
        rounded = revenue // 4000 * 4000
        if revenue < 1_800_000:
            return rounded * 6 // 10 + 100_000
        if revenue < 3_600_000:
            return rounded * 7 // 10 - 80_000
        if revenue < 6_600_000:
            return rounded * 8 // 10 - 440_000
        if revenue < 8_500_000:
            return revenue * 9 // 10 - 1_100_000
        return revenue - 1_950_000

    checked = 0
    for r in population.residents:
        for t in r.tax_records:
            assert (t.municipal_per_capita, t.prefectural_per_capita) == ((3000, 1000) if t.taxed else (0, 0))
            expected = (t.taxable_income * 6 // 100 // 100 * 100, t.taxable_income * 4 // 100 // 100 * 100)
            assert (t.municipal_income_levy, t.prefectural_income_levy) == (expected if t.taxed else (0, 0))
            if t.declared:
                assert [d.amount for d in t.deductions if d.kind == "基礎控除"] == [430_000], r.resident_ref
            for line in t.incomes:
                if line.kind == "給与":
                    assert line.income == salary_income(line.revenue, t.fiscal_year - 1), r.resident_ref
                    checked += 1
    assert checked > 40


def test_residence_card_numbers_have_the_fictional_format(population):
    numbers = [r.foreign.residence_card_number for r in population.residents if r.foreign]
    assert numbers and all(re.fullmatch(r"[A-Z]{2}[0-9]{8}[A-Z]{2}", n) for n in numbers)


def test_every_character_of_the_demo_file_exists_in_the_print_font():
    # the font shipped in assets/fonts, found the way the renderer finds it
    from printing.fonts import MINCHO, missing_glyphs

    text = DEMO_JSON.read_text(encoding="utf-8")
    assert sorted(ch for ch in missing_glyphs(MINCHO, text) if ord(ch) > 0x7F) == []


def test_names_include_rare_kanji(population):
    names = "".join(r.name.family + r.name.given for r in population.residents)
    assert {"髙", "﨑", "邉", "濵"} <= set(names)


# --- demo cards -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cards():
    return tomllib.loads(CARDS_TOML.read_text(encoding="utf-8"))["card"]


def test_cards_reference_only_existing_residents(cards, population):
    refs = {r.resident_ref for r in population.residents}
    assert all(c["resident_ref"] in refs for c in cards if "resident_ref" in c)


def test_cards_have_one_of_each_special_profile_and_several_ordinary(cards):
    profiles = [c["profile"] for c in cards]
    assert set(profiles) == SPECIAL_PROFILES | {"ordinary"}
    assert all(profiles.count(p) == 1 for p in SPECIAL_PROFILES)
    assert profiles.count("ordinary") >= 8


def test_cards_are_well_formed(cards):
    allowed = {"name", "resident_ref", "profile", "pin", "purpose_ja", "purpose_en"}
    assert all(set(c) <= allowed for c in cards)
    names = [c["name"] for c in cards]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z][a-z0-9-]*", n) for n in names)
    for c in cards:
        assert c["purpose_ja"] and c["purpose_en"]
        if c["profile"] in {"face_auth", "not_my_number"}:
            assert "pin" not in c
        else:
            assert re.fullmatch(r"[0-9]{4}", c["pin"])


def test_ordinary_cards_exercise_the_refusal_classes(cards, population):
    by_ref = {r.resident_ref: r for r in population.residents}
    holders = [by_ref[c["resident_ref"]] for c in cards if c["profile"] == "ordinary" and "resident_ref" in c]
    households = {h: [o for o in population.residents if o.household_id == h] for h in {r.household_id for r in holders}}
    koseki = {k.koseki_id: k for k in population.koseki}

    assert any(r.foreign for r in holders)
    assert any(r.flags.support_measure for r in holders)
    assert any(r.age_on(TODAY) < 15 for r in holders)
    assert any(r.seal is None and r.age_on(TODAY) >= 15 for r in holders)
    assert any(any(o.flags.moving_out for o in households[r.household_id]) for r in holders)
    assert any(any(t.fiscal_year == 2026 and not t.declared for t in r.tax_records) for r in holders)
    assert any(r.became_resident_on > date(2026, 1, 1) for r in holders)
    elsewhere = [r for r in holders if r.koseki_id and koseki[r.koseki_id].municipality_code != r.municipality_code]
    assert any(r.resident_ref in koseki[r.koseki_id].kiosk_registered_refs for r in elsewhere)
    assert any(r.resident_ref not in koseki[r.koseki_id].kiosk_registered_refs for r in elsewhere)
    assert any(c["profile"] == "ordinary" and "resident_ref" not in c for c in cards)
