"""Eligibility: every refusal class, municipality choices and the order screen's offers."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from enum import Enum
from pathlib import Path

import pytest

from kiosk.catalog.catalog import Catalog
from center.eligibility import RelatedRecords, _subjects_refusal, line_refusal, municipality_choices, refusal_for
from center.offers import build_offers
from kiosk.clock import JST
from kiosk.eligibility import RefusalReason as R
from kiosk.kinds import CertificateKind as K
from kiosk.order import CertificateOptions, OrderLine
from center.registry.records import (
    ForeignResidence,
    KosekiMember,
    KosekiRecord,
    PersonName,
    ResidentFlags,
    ResidentRecord,
    SealRegistration,
    Sex,
    TaxRecord,
)

CATALOG = Catalog.load(Path(__file__).resolve().parent.parent / "assets" / "municipalities")
NANAHOSHI, TSUKIMINO, HIBARI = (CATALOG.municipality(c) for c in ("990001", "990002", "990003"))
TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=JST)
SATURDAY = datetime(2026, 11, 28, 10, 0, tzinfo=JST)


def tax(year: int, code: str = "990001", **changes) -> TaxRecord:
    record = TaxRecord(year, code, True, 4_000_000, 2_500_000, 150_000, 100_000, 1, True)
    return replace(record, **changes)


def resident(ref: str, given: str, **changes) -> ResidentRecord:
    record = ResidentRecord(
        resident_ref=ref,
        municipality_code="990001",
        household_id="H-1",
        name=PersonName("星野", given, "ホシノ", "カナ"),
        birth_date=date(1980, 4, 1),
        sex=Sex.FEMALE,
        household_head=False,
        relationship="妻",
        address="架空県七星市北斗町一丁目1番地",
        became_resident_on=date(2010, 4, 1),
        address_set_on=date(2010, 4, 1),
        notified_on=date(2010, 4, 2),
        previous_address=None,
        my_number="123456789018",
        koseki_id="K-1",
        seal=SealRegistration("S-1", date(2015, 1, 5), "星野"),
        tax_records=(tax(2026), tax(2025)),
    )
    return replace(record, **changes)


HEAD = resident("R-1", "一郎", household_head=True, relationship="世帯主", sex=Sex.MALE)
WIFE = resident("R-2", "花子")
CHILD = resident("R-3", "小春", relationship="子", birth_date=date(2016, 5, 5), seal=None, tax_records=())
HOUSEHOLD = (HEAD, WIFE, CHILD)
SON_ELSEWHERE = resident("R-4", "大地", household_id="H-9", relationship="世帯主", municipality_code="990002")
OUTSIDER = resident("R-9", "他人", household_id="H-7", koseki_id="K-7")


def member(person: ResidentRecord | None, relationship: str, removed: bool = False) -> KosekiMember:
    name = person.name if person else PersonName("星野", "源三", "ホシノ", "ゲンゾウ")
    return KosekiMember(name, date(1950, 1, 1), Sex.MALE, "父", "母", relationship, (), person and person.resident_ref, removed)


KOSEKI = KosekiRecord(
    koseki_id="K-1",
    municipality_code="990001",
    honseki="架空県七星市北斗町一丁目1番地",
    hittousha=HEAD.name,
    members=(member(HEAD, "夫"), member(WIFE, "妻"), member(CHILD, "長女"), member(SON_ELSEWHERE, "長男"),
             member(None, "父", removed=True)),
)
KOSEKI_AT_HIBARI = replace(KOSEKI, municipality_code="990003", honseki="架空県雲雀ヶ原村一番地")


def check(kind, requester=WIFE, household=HOUSEHOLD, koseki=KOSEKI, municipality=NANAHOSHI, at=TUESDAY, copies=1,
          related=RelatedRecords(), **options):
    refusal = refusal_for(requester, household, koseki, municipality, kind, CertificateOptions(**options), at,
                          copies=copies, related=related)
    return None if refusal is None else refusal.reason


def test_plain_requests_are_allowed():
    assert check(K.JUMINHYO) is None
    assert check(K.JUMINHYO, members=("R-1", "R-2", "R-3"), honseki_and_hittousha=True, my_number=True) is None
    assert check(K.INKAN) is None
    assert check(K.TAX_SHOTOKU, fiscal_year=2026) is None
    assert check(K.KOSEKI_ZENBU) is None
    assert check(K.KOSEKI_KOJIN, members=("R-2", "R-4")) is None


def test_municipality_level_refusals():
    assert check(K.JUMINHYO_KISAI, requester=replace(WIFE, municipality_code="990002"), municipality=TSUKIMINO) == R.NOT_OFFERED
    assert check(K.JUMINHYO, municipality=TSUKIMINO) == R.NOT_OFFERED  # not the residence
    assert check(K.KOSEKI_ZENBU, municipality=HIBARI) == R.NOT_OFFERED  # not the 本籍地
    assert check(K.JUMINHYO, at=datetime(2026, 11, 24, 23, 0, tzinfo=JST)) == R.OUTSIDE_HOURS
    assert check(K.KOSEKI_ZENBU, at=SATURDAY) == R.OUTSIDE_HOURS
    assert check(K.JUMINHYO, at=datetime(2027, 1, 2, 10, tzinfo=JST)) == R.CLOSED_DAY


def test_seal():
    assert check(K.INKAN, requester=replace(WIFE, seal=None)) == R.NO_SEAL_REGISTERED


@pytest.mark.parametrize(
    "kind, records, year, expected",
    [
        (K.TAX_SHOTOKU, (tax(2026, "990003"),), 2026, R.NOT_RESIDENT_ON_JAN1),
        (K.TAX_SHOTOKU, (), 2026, R.NOT_RESIDENT_ON_JAN1),
        (K.TAX_SHOTOKU, (tax(2026, declared=False),), 2026, R.NO_TAX_DECLARATION),
        (K.TAX_HIKAZEI, (tax(2026),), 2026, R.TAXED),
        (K.TAX_HIKAZEI, (tax(2026, taxed=False),), 2026, None),
        (K.TAX_SHOTOKU, (tax(2022),), 2022, R.YEAR_NOT_OFFERED),  # 七星市 offers 2023–2026
        (K.TAX_SHOTOKU, (tax(2023),), 2023, None),
        (K.TAX_SHOTOKU, (tax(2026),), None, R.BAD_OPTIONS),
    ],
)
def test_tax(kind, records, year, expected):
    assert check(kind, requester=replace(WIFE, tax_records=records), fiscal_year=year) == expected


def test_tax_year_depends_on_municipality_and_date():
    tsukimino_wife = replace(WIFE, municipality_code="990002", tax_records=(tax(2025, "990002"),))
    assert check(K.TAX_SHOTOKU, requester=tsukimino_wife, municipality=TSUKIMINO, fiscal_year=2025) == R.YEAR_NOT_OFFERED
    may = datetime(2026, 5, 10, 10, tzinfo=JST)
    assert check(K.TAX_SHOTOKU, requester=tsukimino_wife, municipality=TSUKIMINO, fiscal_year=2025, at=may) is None


def test_support_measure():
    assert check(K.INKAN, requester=replace(WIFE, flags=ResidentFlags(support_measure=True))) == R.SUPPORT_MEASURE
    protected_child = replace(CHILD, flags=ResidentFlags(support_measure=True))
    household = (HEAD, WIFE, protected_child)
    assert check(K.JUMINHYO, household=household, members=("R-2", "R-3")) == R.SUPPORT_MEASURE
    assert check(K.JUMINHYO, household=household, members=("R-2",)) is None  # the protected child is not printed
    protected_son = replace(SON_ELSEWHERE, flags=ResidentFlags(support_measure=True))
    assert check(K.FUHYO, members=("R-4",), related=RelatedRecords(koseki_residents=(protected_son,))) == R.SUPPORT_MEASURE


def test_moving_out():
    leaving = replace(HEAD, flags=ResidentFlags(moving_out=True))
    assert check(K.JUMINHYO, household=(leaving, WIFE, CHILD)) == R.MOVING_OUT  # anyone in the household
    assert check(K.INKAN, household=(leaving, WIFE, CHILD)) is None  # other kinds: only the requester counts
    assert check(K.INKAN, requester=replace(WIFE, flags=ResidentFlags(moving_out=True))) == R.MOVING_OUT
    assert check(K.KOSEKI_ZENBU, requester=replace(WIFE, flags=ResidentFlags(moving_out=True))) is None


def test_deceased():
    assert check(K.JUMINHYO, requester=replace(WIFE, flags=ResidentFlags(deceased=True))) == R.DECEASED


def test_under_age_policy():
    assert check(K.JUMINHYO, requester=CHILD) == R.UNDER_AGE  # 七星市 refuses every kind
    assert check(K.JUMINHYO, requester=replace(CHILD, birth_date=date(2011, 11, 24))) is None  # 15 today
    assert check(K.JUMINHYO, requester=replace(CHILD, birth_date=date(2011, 11, 25))) == R.UNDER_AGE  # 15 tomorrow
    hibari_child = replace(CHILD, municipality_code="990003", koseki_id="K-1", seal=WIFE.seal)
    hibari_koseki = replace(KOSEKI_AT_HIBARI, kiosk_registered_refs=frozenset())
    assert check(K.JUMINHYO, requester=hibari_child, municipality=HIBARI, koseki=hibari_koseki) is None
    assert check(K.INKAN, requester=hibari_child, municipality=HIBARI, koseki=hibari_koseki) == R.UNDER_AGE
    assert check(K.KOSEKI_ZENBU, requester=hibari_child, municipality=HIBARI, koseki=hibari_koseki) == R.UNDER_AGE


def test_honseki_registration():
    assert check(K.KOSEKI_ZENBU, koseki=KOSEKI_AT_HIBARI, municipality=HIBARI) == R.HONSEKI_NOT_REGISTERED
    registered = replace(KOSEKI_AT_HIBARI, kiosk_registered_refs=frozenset({"R-2"}))
    assert check(K.KOSEKI_ZENBU, koseki=registered, municipality=HIBARI) is None
    assert check(K.FUHYO, koseki=registered, municipality=HIBARI, requester=HEAD) == R.HONSEKI_NOT_REGISTERED
    # resident of the 本籍地 itself: no 利用登録 needed
    assert check(K.KOSEKI_ZENBU) is None


def test_foreign_resident_has_no_koseki():
    foreigner = replace(WIFE, koseki_id=None, foreign=ForeignResidence("架空国", "永住者", date(2030, 1, 1), "AB12345678CD"))
    assert check(K.KOSEKI_ZENBU, requester=foreigner, koseki=None) == R.NO_KOSEKI
    assert check(K.FUHYO, requester=foreigner, koseki=None) == R.NO_KOSEKI
    assert check(K.JUMINHYO, requester=foreigner, koseki=None) is None
    assert check(K.KOSEKI_ZENBU, requester=OUTSIDER) == R.NO_KOSEKI  # someone else's 戸籍 record passed in


def test_members_outside_household_or_koseki():
    assert check(K.JUMINHYO, members=("R-2", "R-9")) == R.NOT_IN_HOUSEHOLD
    assert check(K.JUMINHYO, members=("R-4",)) == R.NOT_IN_HOUSEHOLD  # same 戸籍, other household
    assert check(K.KOSEKI_KOJIN, members=("R-9",)) == R.NOT_IN_HOUSEHOLD
    assert check(K.FUHYO, members=("R-4",)) == R.NOT_IN_HOUSEHOLD  # no record for the son given
    assert check(K.FUHYO, members=("R-4",), related=RelatedRecords(koseki_residents=(SON_ELSEWHERE,))) is None
    assert check(K.INKAN, members=("R-1",)) == R.BAD_OPTIONS  # card holder only


def test_my_number():
    assert check(K.JUMINHYO, my_number=True) is None
    resident_of_tsukimino = replace(WIFE, municipality_code="990002")
    assert check(K.JUMINHYO, requester=resident_of_tsukimino, municipality=TSUKIMINO, household=(),
                 my_number=True) == R.MY_NUMBER_NOT_ALLOWED
    assert check(K.INKAN, my_number=True) == R.MY_NUMBER_NOT_ALLOWED


def test_copies():
    assert check(K.JUMINHYO, copies=10) is None
    assert check(K.JUMINHYO, copies=11) == R.TOO_MANY_COPIES
    assert check(K.JUMINHYO, copies=0) == R.BAD_OPTIONS


def test_honseki_of_member_in_another_koseki_needs_its_record():
    mother = resident("R-5", "トメ", relationship="母", koseki_id="K-5")
    household = (HEAD, WIFE, CHILD, mother)
    assert check(K.JUMINHYO, household=household, members=("R-2", "R-5"), honseki_and_hittousha=True) == R.BAD_OPTIONS
    other = replace(KOSEKI, koseki_id="K-5", members=())
    related = RelatedRecords(member_koseki=(other,))
    assert check(K.JUMINHYO, household=household, members=("R-2", "R-5"), honseki_and_hittousha=True,
                 related=related) is None


def test_line_must_match_municipality_and_fee():
    line = OrderLine(K.JUMINHYO, "990001", CertificateOptions(), 2, 300)
    assert line_refusal(WIFE, HOUSEHOLD, KOSEKI, NANAHOSHI, line, TUESDAY) is None
    stale = replace(line, fee_per_copy=200)
    assert line_refusal(WIFE, HOUSEHOLD, KOSEKI, NANAHOSHI, stale, TUESDAY).reason == R.BAD_OPTIONS
    elsewhere = replace(line, municipality_code="990002")
    assert line_refusal(WIFE, HOUSEHOLD, KOSEKI, NANAHOSHI, elsewhere, TUESDAY).reason == R.BAD_OPTIONS
    too_many = line.with_copies(11)
    assert line_refusal(WIFE, HOUSEHOLD, KOSEKI, NANAHOSHI, too_many, TUESDAY).reason == R.TOO_MANY_COPIES


def test_choices_residence_only_when_honseki_is_home():
    choices = municipality_choices(WIFE, HOUSEHOLD, KOSEKI, CATALOG, TUESDAY)
    assert [(c.code, c.role, c.refusal) for c in choices] == [("990001", "residence", None)]


def test_choices_with_honseki_elsewhere():
    choices = municipality_choices(WIFE, HOUSEHOLD, KOSEKI_AT_HIBARI, CATALOG, TUESDAY)
    assert [(c.code, c.role) for c in choices] == [("990001", "residence"), ("990003", "honseki")]
    assert choices[0].refusal is None
    assert choices[1].refusal.reason == R.HONSEKI_NOT_REGISTERED
    registered = replace(KOSEKI_AT_HIBARI, kiosk_registered_refs=frozenset({"R-2"}))
    assert municipality_choices(WIFE, HOUSEHOLD, registered, CATALOG, TUESDAY)[1].refusal is None
    # Saturday: 戸籍 closed but the 附票 keeps general hours, so the 本籍地 stays selectable
    assert municipality_choices(WIFE, HOUSEHOLD, registered, CATALOG, SATURDAY)[1].refusal is None


def test_choices_refused_when_nothing_can_be_issued():
    closed = municipality_choices(WIFE, HOUSEHOLD, KOSEKI, CATALOG, datetime(2026, 12, 30, 10, tzinfo=JST))
    assert closed[0].refusal.reason == R.CLOSED_DAY
    assert municipality_choices(CHILD, HOUSEHOLD, KOSEKI, CATALOG, TUESDAY)[0].refusal.reason == R.UNDER_AGE
    foreigner = replace(WIFE, koseki_id=None)
    assert [c.role for c in municipality_choices(foreigner, HOUSEHOLD, None, CATALOG, TUESDAY)] == ["residence"]
    koseki_at_tsukimino = replace(KOSEKI, municipality_code="990002")
    assert municipality_choices(WIFE, HOUSEHOLD, koseki_at_tsukimino, CATALOG, TUESDAY)[1].refusal.reason == R.NOT_OFFERED


def test_offers_at_the_residence():
    offers = {o.kind: o for o in build_offers(WIFE, HOUSEHOLD, KOSEKI, NANAHOSHI, TUESDAY)}
    assert set(offers) == set(K)  # 七星市 is both residence and 本籍地
    juminhyo = offers[K.JUMINHYO]
    assert (juminhyo.fee_per_copy, juminhyo.max_copies, juminhyo.refusal, juminhyo.my_number_allowed) == (300, 10, None, True)
    assert juminhyo.default_line == OrderLine(K.JUMINHYO, "990001", CertificateOptions(), 1, 300)
    options = juminhyo.default_line.options
    assert (options.members, options.household_head_and_relationship, options.honseki_and_hittousha, options.my_number) == (
        (), True, False, False)
    assert [(m.resident_ref, m.is_self) for m in juminhyo.household] == [("R-1", False), ("R-2", True), ("R-3", False)]
    assert offers[K.TAX_SHOTOKU].fiscal_years == (2026, 2025, 2024, 2023)
    assert offers[K.TAX_SHOTOKU].default_line.options.fiscal_year == 2026
    assert offers[K.TAX_HIKAZEI].refusal.reason == R.TAXED and offers[K.TAX_HIKAZEI].default_line is None
    assert [m.resident_ref for m in offers[K.KOSEKI_KOJIN].household] == ["R-1", "R-2", "R-3", "R-4"]
    assert [m.resident_ref for m in offers[K.FUHYO].household] == ["R-1", "R-2", "R-3"]  # no record for R-4
    assert offers[K.INKAN].household == () and not offers[K.INKAN].my_number_allowed
    assert offers[K.KOSEKI_ZENBU].fee_per_copy == 450


def test_offers_by_role():
    residence_only = build_offers(replace(WIFE, municipality_code="990002"), (), KOSEKI, TSUKIMINO, TUESDAY)
    assert [o.kind for o in residence_only] == [K.JUMINHYO, K.INKAN, K.TAX_SHOTOKU, K.TAX_HIKAZEI]
    assert {o.fee_per_copy for o in residence_only} == {150}
    honseki_only = build_offers(WIFE, HOUSEHOLD, KOSEKI_AT_HIBARI, HIBARI, TUESDAY)
    assert [o.kind for o in honseki_only] == [K.KOSEKI_ZENBU, K.KOSEKI_KOJIN, K.FUHYO]
    assert all(o.refusal.reason == R.HONSEKI_NOT_REGISTERED for o in honseki_only)


class _Unhandled(Enum):
    """A kind added to CertificateKind without its branch: the type check fails first, and at run time
    the exhaustive match raises rather than letting it through as a 戸籍 kind."""

    NEW = "new"


def test_a_kind_without_its_branch_raises_rather_than_passing_as_a_koseki_kind():
    # _subjects_refusal directly: refusal_for refuses a kind the municipality does not offer before it
    with pytest.raises(AssertionError):
        _subjects_refusal(WIFE, HOUSEHOLD, KOSEKI, NANAHOSHI, _Unhandled.NEW, CertificateOptions(), RelatedRecords())
