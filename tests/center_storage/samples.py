"""Documents of every body type, built by hand, for issue_once and the codec."""
from __future__ import annotations

from datetime import date, datetime

from center.registry.impressions import demo_recipe, draw_impression
from kiosk.clock import JST
from kiosk.documents import (
    CertificateDocument, DeductionLine, FuhyoAddressLine, FuhyoBody, FuhyoPerson, IncomeLine, InkanBody,
    IssuingAuthority, JuminhyoBody, JuminhyoPerson, KosekiBody, KosekiEntryLine, KosekiPerson, TaxBody,
)
from kiosk.kinds import CertificateKind
from kiosk.order import CertificateOptions, OrderLine

PSEUDONYM_KEY = b"center-test-key-" * 2  # workers.py uses the same
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=JST)
AUTHORITY = IssuingAuthority("990001", "七星市", "七星市長", "北斗　七郎", "市民課")

BODIES = {
    CertificateKind.JUMINHYO: JuminhyoBody(
        address="七星市北斗町一丁目2番3号", household_head="佐藤　一郎",
        persons=(JuminhyoPerson(
            name="佐藤　一郎", name_kana="サトウ　イチロウ", birth_date=date(1980, 4, 1), sex="男",
            relationship="世帯主", became_resident_on=date(1980, 4, 1), address_set_on=date(2010, 5, 6),
            notified_on=date(2010, 5, 6), previous_address=None, honseki="七星市北斗町一丁目1番",
            hittousha="佐藤　一郎", my_number=None, remarks=("平成22年5月6日　転居",)),),
        whole_household=False),
    CertificateKind.INKAN: InkanBody(
        name="佐藤　一郎", name_kana="サトウ　イチロウ", birth_date=date(1980, 4, 1), sex="男",
        address="七星市北斗町一丁目2番3号", registration_number="12345", registered_on=date(2012, 1, 2),
        impression="佐藤", impression_image=draw_impression("佐藤", demo_recipe("R-1", "12345")),
        impression_recipe=demo_recipe("R-1", "12345")),
    CertificateKind.TAX_SHOTOKU: TaxBody(
        fiscal_year=2026, income_year=2025, name="佐藤　一郎", address="七星市北斗町一丁目2番3号",
        birth_date=date(1980, 4, 1), total_income=5_000_000, taxable_income=3_000_000, municipal_tax=183_000,
        prefectural_tax=121_000, dependents=2, taxed=True,
        incomes=(IncomeLine("給与", 6_777_778, 5_000_000),),
        deductions=(DeductionLine("社会保険料控除", 1_000_000), DeductionLine("配偶者控除", 330_000),
                    DeductionLine("扶養控除", 240_000), DeductionLine("基礎控除", 430_000)),
        total_deductions=2_000_000, municipal_per_capita=3_000, municipal_income_levy=180_000,
        prefectural_per_capita=1_000, prefectural_income_levy=120_000),
    CertificateKind.KOSEKI_ZENBU: KosekiBody(
        honseki="七星市北斗町一丁目1番", hittousha="佐藤　一郎",
        persons=(KosekiPerson(
            name="佐藤　一郎", birth_date=date(1980, 4, 1), sex="男", father="佐藤　太郎", mother="佐藤　花子",
            relationship="長男",
            entries=(KosekiEntryLine("出生", date(1980, 4, 1), "【出生地】七星市　【届出人】父", date(1980, 4, 8)),),
            removed=False, given_name="一郎"),),
        all_members=True, koseki_events=(KosekiEntryLine("戸籍編製", date(2005, 6, 1), ""),)),
    CertificateKind.FUHYO: FuhyoBody(
        honseki="七星市北斗町一丁目1番", hittousha="佐藤　一郎",
        persons=(FuhyoPerson("佐藤　一郎", date(1980, 4, 1),
                             (FuhyoAddressLine("七星市北斗町一丁目2番3号", date(2010, 5, 6)),), sex="男"),)),
}


def document(kind: CertificateKind, issue_number: str, session_id: str, at: datetime, copies: int = 1) -> CertificateDocument:
    return CertificateDocument(kind=kind, session_id=session_id, issue_number=issue_number, issued_at=at,
                               authority=AUTHORITY, copies=copies, fee_per_copy=300, body=BODIES[kind])


def line(kind: CertificateKind, code: str = "990001", copies: int = 1) -> OrderLine:
    return OrderLine(kind=kind, municipality_code=code, options=CertificateOptions(), copies=copies, fee_per_copy=300)


PERSONAL_VALUES = ("佐藤", "一郎", "サトウ", "北斗町", "1980-04-01")
