"""Document data holds exactly the chosen items of the chosen persons; 発行番号 never repeat."""
from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from datetime import date, datetime
from enum import Enum
from pathlib import Path

import pytest

from kiosk.catalog.catalog import Catalog
from center.documents_builder import DocumentDataError, build_document
from center.eligibility import RelatedRecords
from kiosk.clock import JST
from kiosk.documents import (
    DeductionLine, FuhyoBody, IncomeLine, InkanBody, JuminhyoBody, KosekiBody, KosekiEntryLine, TaxBody,
)
from kiosk.kinds import CertificateKind as K
from kiosk.order import CertificateOptions, OrderLine
from center.registry.records import (
    AddressHistoryEntry,
    ForeignResidence,
    KosekiEntry,
    KosekiMember,
    KosekiRecord,
    PersonName,
    ResidentFlags,
    ResidentRecord,
    SealRegistration,
    Sex,
    TaxDeduction,
    TaxIncome,
    TaxRecord,
)

CATALOG = Catalog.load(Path(__file__).resolve().parent.parent / "assets" / "municipalities")
NANAHOSHI, TSUKIMINO = CATALOG.municipality("990001"), CATALOG.municipality("990002")
AT = datetime(2026, 11, 24, 10, 0, tzinfo=JST)


TAX_2026 = TaxRecord(
    2026, "990001", True, 5_100_000, 3_000_000, 183_000, 121_000, 2, True,
    incomes=(TaxIncome("給与", 6_740_000, 4_966_000), TaxIncome("営業等", None, 134_000)),
    deductions=(TaxDeduction("社会保険料控除", 1_000_000), TaxDeduction("配偶者控除", 330_000),
                TaxDeduction("扶養控除", 330_000), TaxDeduction("基礎控除", 430_000)),
    total_deductions=2_090_000, municipal_per_capita=3_000, municipal_income_levy=180_000,
    prefectural_per_capita=1_000, prefectural_income_levy=120_000,
)


def resident(ref: str, given: str, my_number: str, **changes) -> ResidentRecord:
    record = ResidentRecord(
        resident_ref=ref,
        municipality_code="990001",
        household_id="H-1",
        name=PersonName("月岡", given, "ツキオカ", "カナ"),
        birth_date=date(1979, 7, 7),
        sex=Sex.MALE,
        household_head=False,
        relationship="子",
        address="架空県七星市北斗町二丁目2番地",
        became_resident_on=date(2009, 4, 1),
        address_set_on=date(2012, 9, 1),
        notified_on=date(2012, 9, 3),
        previous_address="架空県月見野町一番地",
        my_number=my_number,
        koseki_id="K-1",
        seal=SealRegistration("S-77", date(2014, 2, 2), "月岡", image=b"\x89PNG seal picture", image_recipe="1.0123456789ab"),
        tax_records=(TAX_2026,),
        address_history=(AddressHistoryEntry("架空県月見野町一番地", date(2001, 4, 1)),
                         AddressHistoryEntry("架空県七星市北斗町二丁目2番地", date(2012, 9, 1))),
    )
    return replace(record, **changes)


HEAD = resident("R-1", "岳", "111111111118", household_head=True, relationship="世帯主")
WIFE = resident("R-2", "澪", "222222222224", relationship="妻", sex=Sex.FEMALE)
SON = resident("R-3", "凪", "333333333331")
GUEST = resident(
    "R-8", "アナ", "888888888886", relationship="同居人", koseki_id=None, seal=None,
    foreign=ForeignResidence("架空国", "技術・人文知識・国際業務", date(2028, 3, 31), "XY98765432ZW", "中長期在留者",
                             "5年"),
    remarks=("令和5年4月1日\u3000国外（架空国）から転入",),
)
HOUSEHOLD = (HEAD, WIFE, SON, GUEST)
DAUGHTER_ELSEWHERE = resident("R-4", "汐", "444444444448", household_id="H-4", municipality_code="990002",
                              sex=Sex.FEMALE,
                              address_history=(AddressHistoryEntry("架空県月見野町三番地", date(2020, 4, 1)),))


def member(person: ResidentRecord | None, relationship: str, removed: bool = False, spouse: bool = False) -> KosekiMember:
    name = person.name if person else PersonName("月岡", "権六", "ツキオカ", "ゴンロク")
    entries = (KosekiEntry("出生", date(1979, 7, 7), "【出生地】架空県七星市\u3000【届出人】父", date(1979, 7, 12)),)
    if spouse:
        entries += (KosekiEntry("婚姻", date(2005, 5, 5), "【配偶者氏名】月岡澪"),)
    return KosekiMember(name, date(1979, 7, 7), person.sex if person else Sex.MALE, "月岡権六", "月岡ハナ",
                        relationship, entries, person and person.resident_ref, removed, spouse)


KOSEKI = KosekiRecord(
    "K-1", "990001", "架空県七星市北斗町二丁目2番地", HEAD.name,
    (member(HEAD, "夫", spouse=True), member(WIFE, "妻", spouse=True), member(SON, "長男"),
     member(DAUGHTER_ELSEWHERE, "長女"), member(None, "父", removed=True)),
    events=(KosekiEntry("転籍", date(2010, 1, 8), "【従前本籍】架空県月見野町一番地"),
            KosekiEntry("戸籍改製", date(2012, 2, 2), "【改製事由】平成6年法務省令第51号附則第2条第1項による改製")),
)


def build(kind, requester=WIFE, household=HOUSEHOLD, municipality=NANAHOSHI, related=RelatedRecords(),
          copies=1, fee=300, **options):
    line = OrderLine(kind, municipality.code, CertificateOptions(**options), copies, fee)
    return build_document(kind, line, requester, household, KOSEKI, municipality, "S-42", "990001-20261124-000001",
                          AT, related=related)


def text_of(value) -> str:
    """Every string and date inside the document, to look for data that must not be there."""
    if is_dataclass(value):
        return " ".join(text_of(getattr(value, f.name)) for f in fields(value))
    if isinstance(value, tuple):
        return " ".join(text_of(v) for v in value)
    return str(value)


def test_envelope():
    document = build(K.JUMINHYO, copies=2)
    assert (document.kind, document.session_id, document.issue_number) == (K.JUMINHYO, "S-42", "990001-20261124-000001")
    assert (document.copies, document.fee_per_copy, document.fee) == (2, 300, 600)
    assert document.issued_at == AT
    assert (document.authority.municipality_name, document.authority.mayor_title) == ("七星市", "七星市長")
    assert document.authority.mayor_name == NANAHOSHI.mayor.name


def test_juminhyo_defaults_print_only_the_requester():
    body = build(K.JUMINHYO).body
    assert isinstance(body, JuminhyoBody)
    assert [p.name for p in body.persons] == [WIFE.name.full]
    person = body.persons[0]
    assert person.relationship == "妻" and body.household_head == HEAD.name.full
    assert (person.honseki, person.hittousha, person.my_number) == (None, None, None)
    assert not body.whole_household
    text = text_of(body)
    for other in (HEAD, SON, GUEST):
        assert other.my_number not in text
    for absent in (SON.name.full, GUEST.name.full, WIFE.my_number):
        assert absent not in text


def test_juminhyo_chosen_items_and_members():
    body = build(K.JUMINHYO, members=("R-3", "R-2"), honseki_and_hittousha=True, my_number=True).body
    assert [p.name for p in body.persons] == [WIFE.name.full, SON.name.full]  # household order
    assert [p.my_number for p in body.persons] == [WIFE.my_number, SON.my_number]
    assert {(p.honseki, p.hittousha) for p in body.persons} == {(KOSEKI.honseki, HEAD.name.full)}
    assert HEAD.my_number not in text_of(body) and GUEST.name.full not in text_of(body)


def test_juminhyo_without_head_and_relationship():
    body = build(K.JUMINHYO, household_head_and_relationship=False, members=("R-1", "R-2")).body
    assert body.household_head is None
    assert [p.relationship for p in body.persons] == [None, None]


def test_whole_household_and_foreign_items():
    body = build(K.JUMINHYO_KISAI, members=("R-1", "R-2", "R-3", "R-8"), honseki_and_hittousha=True).body
    assert body.whole_household
    guest = body.persons[-1]
    assert (guest.nationality, guest.residence_card_number) == ("架空国", "XY98765432ZW")
    assert guest.honseki is None  # never for a foreign resident
    assert all(p.nationality is None for p in body.persons[:-1])
    assert (guest.residence_period, guest.residence_period_until, guest.foreign_resident_category) == (
        "5年", date(2028, 3, 31), "中長期在留者")
    assert guest.remarks == GUEST.remarks and body.persons[0].remarks == ()
    assert all(p.foreign_resident_category is None for p in body.persons[:-1])
    hidden = build(K.JUMINHYO, members=("R-8",), foreign_items=False).body.persons[0]
    assert (hidden.nationality, hidden.residence_status, hidden.residence_period, hidden.residence_period_until,
            hidden.residence_card_number, hidden.foreign_resident_category) == (None, None, None, None, None, None)
    assert hidden.remarks == GUEST.remarks  # 備考 are not a foreign item: printed either way


def test_inkan_and_tax():
    inkan = build(K.INKAN).body
    assert isinstance(inkan, InkanBody)
    assert (inkan.name, inkan.registration_number, inkan.impression) == (WIFE.name.full, "S-77", "月岡")
    assert (inkan.impression_image, inkan.impression_recipe) == (b"\x89PNG seal picture", "1.0123456789ab")
    tax = build(K.TAX_SHOTOKU, fiscal_year=2026).body
    assert isinstance(tax, TaxBody)
    assert (tax.fiscal_year, tax.income_year, tax.total_income, tax.name) == (2026, 2025, 5_100_000, WIFE.name.full)


def test_tax_carries_the_breakdown_the_forms_print():
    tax = build(K.TAX_SHOTOKU, fiscal_year=2026).body
    assert isinstance(tax, TaxBody)
    assert tax.incomes == (IncomeLine("給与", 6_740_000, 4_966_000), IncomeLine("営業等", None, 134_000))
    assert tax.deductions[0] == DeductionLine("社会保険料控除", 1_000_000) and len(tax.deductions) == 4
    assert tax.total_deductions == 2_090_000 == sum(d.amount for d in tax.deductions)
    assert (tax.municipal_per_capita, tax.municipal_income_levy, tax.municipal_tax) == (3_000, 180_000, 183_000)
    assert (tax.prefectural_per_capita, tax.prefectural_income_levy, tax.prefectural_tax) == (1_000, 120_000, 121_000)


def test_tax_from_the_demo_registry_carries_its_incomes_and_split():
    from center.registry.demo_loader import load_demo_population

    population = load_demo_population(Path(__file__).resolve().parent.parent / "assets" / "demo" / "residents.json")
    ichiro = next(r for r in population.residents if r.resident_ref == "R-0001")
    record = next(t for t in ichiro.tax_records if t.fiscal_year == 2026)
    tax = build(K.TAX_SHOTOKU, requester=ichiro, household=(ichiro,), fiscal_year=2026).body
    assert isinstance(tax, TaxBody)
    assert [line.kind for line in tax.incomes] == ["給与"] and tax.incomes[0].revenue == record.incomes[0].revenue
    assert sum(line.income for line in tax.incomes) == tax.total_income > 0
    assert "基礎控除" in [d.kind for d in tax.deductions]
    assert tax.municipal_per_capita + tax.municipal_income_levy == tax.municipal_tax
    assert tax.prefectural_per_capita + tax.prefectural_income_levy == tax.prefectural_tax
    assert (tax.municipal_per_capita, tax.prefectural_per_capita) == (3_000, 1_000) and tax.municipal_income_levy > 0


def test_koseki_all_and_individual():
    everyone = build(K.KOSEKI_ZENBU, fee=450).body
    assert isinstance(everyone, KosekiBody) and everyone.all_members
    assert len(everyone.persons) == 5 and everyone.persons[-1].removed
    assert everyone.persons[0].entries[0].event == "出生"
    assert everyone.persons[0].entries[0].notified_on == date(1979, 7, 12)  # 【届出日】
    assert [p.given_name for p in everyone.persons[:3]] == ["岳", "澪", "凪"]
    assert [p.spouse for p in everyone.persons] == [True, True, False, False, False]
    assert everyone.koseki_events == (
        KosekiEntryLine("転籍", date(2010, 1, 8), "【従前本籍】架空県月見野町一番地"),
        KosekiEntryLine("戸籍改製", date(2012, 2, 2), "【改製事由】平成6年法務省令第51号附則第2条第1項による改製"))
    chosen = build(K.KOSEKI_KOJIN, fee=450, members=("R-4",)).body
    assert not chosen.all_members
    assert chosen.koseki_events == everyone.koseki_events  # the 戸籍事項 head every 個人事項 too
    assert [p.name for p in chosen.persons] == [DAUGHTER_ELSEWHERE.name.full]
    assert [p.name for p in build(K.KOSEKI_KOJIN, fee=450).body.persons] == [WIFE.name.full]


def test_fuhyo_prints_the_chosen_members_address_lines():
    related = RelatedRecords(koseki_residents=(DAUGHTER_ELSEWHERE,))
    body = build(K.FUHYO, members=("R-2", "R-4"), related=related).body
    assert isinstance(body, FuhyoBody)
    assert [p.name for p in body.persons] == [WIFE.name.full, DAUGHTER_ELSEWHERE.name.full]
    assert [a.address for a in body.persons[1].addresses] == ["架空県月見野町三番地"]
    assert [p.sex for p in body.persons] == ["女", "女"]  # from the 戸籍
    assert [p.sex for p in build(K.FUHYO, requester=HEAD).body.persons] == ["男"]
    assert SON.name.full not in text_of(body)


@pytest.mark.parametrize(
    "kind, options, municipality",
    [
        (K.JUMINHYO, {"members": ("R-2", "R-9")}, NANAHOSHI),
        (K.KOSEKI_KOJIN, {"members": ("R-9",)}, NANAHOSHI),
        (K.FUHYO, {"members": ("R-4",)}, NANAHOSHI),  # the daughter's record was not given
        (K.TAX_SHOTOKU, {"fiscal_year": 2025}, NANAHOSHI),
    ],
)
def test_builder_refuses_data_it_should_not_print(kind, options, municipality):
    with pytest.raises(DocumentDataError):
        build(kind, municipality=municipality, **options)


def test_builder_refuses_protected_and_disallowed():
    protected = replace(SON, flags=ResidentFlags(support_measure=True))
    with pytest.raises(DocumentDataError) as caught:
        build(K.JUMINHYO, household=(HEAD, WIFE, protected), members=("R-2", "R-3"))
    assert protected.name.full not in str(caught.value) and "R-3" in str(caught.value)
    tsukimino_wife = replace(WIFE, municipality_code="990002")
    with pytest.raises(DocumentDataError):
        build(K.JUMINHYO, requester=tsukimino_wife, household=(tsukimino_wife,), municipality=TSUKIMINO, fee=150,
              my_number=True)
    with pytest.raises(DocumentDataError):
        build(K.INKAN, requester=replace(WIFE, seal=None))


def test_line_kind_must_match():
    line = OrderLine(K.INKAN, "990001", CertificateOptions(), 1, 300)
    with pytest.raises(DocumentDataError):
        build_document(K.JUMINHYO, line, WIFE, HOUSEHOLD, KOSEKI, NANAHOSHI, "S-1", "n", AT)


class _Unhandled(Enum):
    """A kind added to CertificateKind without its branch: the type check fails first, and at run time
    the exhaustive match raises rather than building another kind's certificate (once, a 附票)."""

    NEW = "new"


def test_a_kind_without_its_branch_raises_rather_than_printing_another_certificate():
    line = OrderLine(_Unhandled.NEW, "990001", CertificateOptions(), 1, 300)
    with pytest.raises(AssertionError):
        build_document(_Unhandled.NEW, line, WIFE, HOUSEHOLD, KOSEKI, NANAHOSHI, "S-1", "n", AT)


