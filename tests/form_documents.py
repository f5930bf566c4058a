"""Certificate documents with every item the official forms print (income by kind, 均等割 and
所得割, 戸籍事項, 届出日, 第30条の45 区分, 備考...), built directly, for the form tests."""
from __future__ import annotations

from datetime import date, datetime

from kiosk.clock import JST
from kiosk.documents import (
    CertificateDocument,
    DeductionLine,
    FuhyoAddressLine,
    FuhyoBody,
    FuhyoPerson,
    IncomeLine,
    InkanBody,
    IssuingAuthority,
    JuminhyoBody,
    JuminhyoPerson,
    KosekiBody,
    KosekiEntryLine,
    KosekiPerson,
    TaxBody,
)
from kiosk.kinds import CertificateKind

AUTHORITY = IssuingAuthority("990001", "七星市", "七星市長", "北斗　一郎")
WHEN = datetime(2026, 11, 25, 10, 0, tzinfo=JST)
ADDRESS = "架空県七星市北斗町一丁目2番3号"


def document(kind: CertificateKind, body, number: int = 100) -> CertificateDocument:
    return CertificateDocument(kind, "s" * 32, f"990001-20261125-{number:06d}", WHEN, AUTHORITY, 1, 300, body)


def resident(name: str, kana: str, born: date, sex: str, relationship: str, **changes) -> JuminhyoPerson:
    fields = {
        "name": name, "name_kana": kana, "birth_date": born, "sex": sex, "relationship": relationship,
        "became_resident_on": date(2015, 3, 20), "address_set_on": date(2015, 3, 20), "notified_on": date(2015, 3, 25),
        "previous_address": "架空県七星市昴町二丁目8番1号", "honseki": "架空県七星市北斗町一丁目2番地",
        "hittousha": "佐藤　一郎", "my_number": None,
        "remarks": ("平成27年3月20日　架空県七星市昴町二丁目8番1号から転居",),
    }
    fields.update(changes)
    return JuminhyoPerson(**fields)


HOUSEHOLD = (
    resident("佐藤　一郎", "サトウ　イチロウ", date(1978, 4, 12), "男", "世帯主", my_number="123456789018"),
    resident("佐藤　花子", "サトウ　ハナコ", date(1980, 9, 3), "女", "妻",
             remarks=("平成27年3月20日　架空県七星市昴町二丁目8番1号から転居", "令和2年4月1日　世帯主変更")),
    resident("佐藤　健", "サトウ　ケン", date(2008, 6, 15), "男", "子", became_resident_on=date(2008, 6, 15),
             remarks=()),
)
FOREIGNER = JuminhyoPerson(
    name="SILVA RAFAEL", name_kana="シルバ　ラファエル", birth_date=date(1990, 1, 20), sex="男", relationship="世帯主",
    became_resident_on=date(2023, 4, 1), address_set_on=date(2023, 4, 1), notified_on=date(2023, 4, 3),
    previous_address="ブラジル連邦共和国", honseki=None, hittousha=None, my_number=None,
    nationality="ブラジル", residence_status="技術・人文知識・国際業務", residence_period="5年",
    residence_period_until=date(2028, 3, 31),
    residence_card_number="AB12345678CD", foreign_resident_category="中長期在留者",
    remarks=("令和5年4月1日　国外から転入",),
)


def juminhyo(persons=HOUSEHOLD, kind: CertificateKind = CertificateKind.JUMINHYO) -> CertificateDocument:
    return document(kind, JuminhyoBody(ADDRESS, persons[0].name, tuple(persons), whole_household=True))


TAX = TaxBody(
    fiscal_year=2026, income_year=2025, name="佐藤　一郎", address=ADDRESS, birth_date=date(1978, 4, 12),
    total_income=5_120_000, taxable_income=3_280_000, municipal_tax=199_800, prefectural_tax=132_200, dependents=3,
    taxed=True,
    incomes=(IncomeLine("給与", 6_800_000, 4_960_000), IncomeLine("雑", 400_000, 160_000)),
    deductions=(DeductionLine("社会保険料控除", 980_000), DeductionLine("生命保険料控除", 70_000),
                DeductionLine("配偶者控除", 330_000), DeductionLine("扶養控除", 450_000), DeductionLine("基礎控除", 430_000)),
    total_deductions=1_840_000,
    municipal_per_capita=3_500, municipal_income_levy=196_300,
    prefectural_per_capita=1_500, prefectural_income_levy=130_700,
)
NOT_TAXED = TaxBody(
    fiscal_year=2026, income_year=2025, name="佐藤　花子", address=ADDRESS, birth_date=date(1980, 9, 3),
    total_income=380_000, taxable_income=0, municipal_tax=0, prefectural_tax=0, dependents=0, taxed=False,
    incomes=(IncomeLine("給与", 930_000, 380_000),), deductions=(DeductionLine("基礎控除", 430_000),),
    total_deductions=430_000,
)


def tax(body: TaxBody = TAX) -> CertificateDocument:
    kind = CertificateKind.TAX_SHOTOKU if body.taxed else CertificateKind.TAX_HIKAZEI
    return document(kind, body)


def _event(event: str, on: date, detail: str, notified: date | None = None) -> KosekiEntryLine:
    return KosekiEntryLine(event, on, detail, notified)


KOSEKI_PERSONS = (
    KosekiPerson("髙橋　正雄", date(1946, 2, 11), "男", "髙橋茂", "髙橋キヨ", "長男", (
        _event("出生", date(1946, 2, 11), "【出生地】架空県七星市　【届出人】父", date(1946, 2, 20)),
        _event("婚姻", date(1972, 5, 5), "【配偶者氏名】木下和子　【従前戸籍】架空県七星市昴町三丁目5番地　髙橋茂"),
    ), removed=False, given_name="正雄", spouse=True),
    KosekiPerson("髙橋　和子", date(1949, 7, 30), "女", "木下一郎", "木下ハル", "長女", (
        _event("出生", date(1949, 7, 30), "【出生地】架空県月見野町　【届出人】父", date(1949, 8, 5)),
        _event("婚姻", date(1972, 5, 5), "【配偶者氏名】髙橋正雄　【従前戸籍】架空県月見野町一丁目1番地　木下一郎"),
        _event("死亡", date(2019, 3, 2), "【死亡地】架空県七星市　【届出人】親族　髙橋正雄", date(2019, 3, 4)),
    ), removed=True, given_name="和子", spouse=True),
)
KOSEKI_EVENTS = (_event("戸籍編製", date(1972, 5, 5), ""),
                 _event("転籍", date(1990, 4, 1), "【従前本籍】架空県月見野町一丁目1番地"))


def koseki(persons=KOSEKI_PERSONS, kind: CertificateKind = CertificateKind.KOSEKI_ZENBU) -> CertificateDocument:
    return document(kind, KosekiBody("架空県七星市昴町三丁目5番地", "髙橋　正雄", tuple(persons),
                                     all_members=kind is CertificateKind.KOSEKI_ZENBU, koseki_events=KOSEKI_EVENTS))


def fuhyo() -> CertificateDocument:
    persons = (
        FuhyoPerson("渡辺　美咲", date(1992, 10, 1), (FuhyoAddressLine("架空県雲雀ヶ原村一番地", date(1992, 10, 1)),
                                                  FuhyoAddressLine(ADDRESS, date(2015, 3, 20))), sex="女"),
    )
    return document(CertificateKind.FUHYO, FuhyoBody("架空県雲雀ヶ原村一番地", "渡辺　健一", persons))


def inkan(image: bytes, recipe: str) -> CertificateDocument:
    return document(CertificateKind.INKAN, InkanBody("佐藤　一郎", "サトウ　イチロウ", date(1978, 4, 12), "男", ADDRESS,
                                                     "0010234", date(2008, 5, 12), "佐藤", image, recipe))
