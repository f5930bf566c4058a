"""Certificate document data: every item that will be printed, bound to one session.

The renderer prints exactly what is here and nothing else; the center builds it from the
municipality's records. One body type per kind family.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Union

from kiosk.kinds import CertificateKind


@dataclass(frozen=True)
class IssuingAuthority:
    municipality_code: str
    municipality_name: str  # e.g. 架空市
    mayor_title: str  # e.g. 架空市長
    mayor_name: str
    certification_office: str = ""  # optional 証明書発行担当 line


@dataclass(frozen=True)
class JuminhyoPerson:
    name: str
    name_kana: str
    birth_date: date
    sex: str  # 男 / 女
    relationship: str | None  # 続柄, only when chosen
    became_resident_on: date
    address_set_on: date
    notified_on: date
    previous_address: str | None
    honseki: str | None  # only when chosen and Japanese
    hittousha: str | None
    my_number: str | None  # only when chosen and allowed
    nationality: str | None = None  # foreign residents, when chosen
    residence_status: str | None = None
    residence_period_until: date | None = None
    residence_period: str | None = None  # 在留期間等 as granted, e.g. 5年; None where none is set (特別永住者)
    residence_card_number: str | None = None
    # 住民基本台帳法 第30条の45 の区分 (中長期在留者, 特別永住者, 一時庇護許可者, 仮滞在許可者,
    # 出生による経過滞在者, 国籍喪失による経過滞在者): printed with the foreign-resident items
    foreign_resident_category: str | None = None
    remarks: tuple[str, ...] = ()  # 備考: events recorded on the 住民票 (転入, 転居, 世帯主変更...), oldest first


@dataclass(frozen=True)
class JuminhyoBody:
    """住民票の写し and 住民票記載事項証明書."""

    address: str
    household_head: str | None  # 世帯主, only when chosen
    persons: tuple[JuminhyoPerson, ...]
    whole_household: bool  # changes the 認証文 (世帯全員 / 世帯の一部)


@dataclass(frozen=True)
class InkanBody:
    name: str
    name_kana: str
    birth_date: date
    sex: str
    address: str
    registration_number: str
    registered_on: date
    impression: str  # the characters of the registered seal
    impression_image: bytes  # the registered 印影 as the registry holds it: a 1-bit PNG with its dpi
    impression_recipe: str  # how the demo registry drew it (printing.impression), so a verifier can again; "" if scanned


@dataclass(frozen=True)
class IncomeLine:
    """One kind of income on a tax certificate: what came in (収入金額) and the 所得 after its
    own deduction (給与所得控除, 公的年金等控除...). ``revenue`` is None where a form shows none."""

    kind: str  # 給与, 営業等, 公的年金等, 雑, 配当, 不動産 ...
    revenue: int | None
    income: int


@dataclass(frozen=True)
class DeductionLine:
    kind: str  # 社会保険料控除, 生命保険料控除, 配偶者控除, 扶養控除, 基礎控除 ...
    amount: int


@dataclass(frozen=True)
class TaxBody:
    fiscal_year: int  # 年度
    income_year: int  # 所得の年 (fiscal_year - 1)
    name: str
    address: str
    birth_date: date
    total_income: int
    taxable_income: int
    municipal_tax: int
    prefectural_tax: int
    dependents: int
    taxed: bool
    # The breakdown the official forms print. Empty on documents made before they were kept.
    incomes: tuple[IncomeLine, ...] = ()
    deductions: tuple[DeductionLine, ...] = ()
    total_deductions: int = 0  # 所得控除額合計
    municipal_per_capita: int = 0  # 市町村民税 均等割
    municipal_income_levy: int = 0  # 市町村民税 所得割 (municipal_tax = 均等割 + 所得割)
    prefectural_per_capita: int = 0  # 道府県民税 均等割
    prefectural_income_levy: int = 0  # 道府県民税 所得割


@dataclass(frozen=True)
class KosekiEntryLine:
    """One event of a 戸籍: 戸籍事項 (戸籍編製, 転籍...) or a person's 身分事項 (出生, 婚姻...)."""

    event: str
    on: date  # printed as 【{event}日】
    detail: str  # further 【item】value pairs, e.g. 「【出生地】架空県七星市　【届出人】父」
    notified_on: date | None = None  # 【届出日】, where the event was notified


@dataclass(frozen=True)
class KosekiPerson:
    name: str  # full name (氏 and 名)
    birth_date: date
    sex: str
    father: str
    mother: str
    relationship: str
    entries: tuple[KosekiEntryLine, ...]
    removed: bool
    given_name: str = ""  # 【名】 as the 戸籍 prints it under the 氏 of the 筆頭者; "" on older documents
    spouse: bool = False  # 【配偶者区分】夫 / 妻 is printed for a married member


@dataclass(frozen=True)
class KosekiBody:
    """戸籍全部事項証明書 (all members) and 戸籍個人事項証明書 (the chosen members)."""

    honseki: str
    hittousha: str
    persons: tuple[KosekiPerson, ...]
    all_members: bool
    koseki_events: tuple[KosekiEntryLine, ...] = ()  # 戸籍事項 of the 戸籍 itself: events 戸籍編製, 戸籍改製, 転籍 ...


@dataclass(frozen=True)
class FuhyoAddressLine:
    address: str
    set_on: date


@dataclass(frozen=True)
class FuhyoPerson:
    name: str
    birth_date: date
    addresses: tuple[FuhyoAddressLine, ...]
    sex: str = ""  # printed on the 附票 since the 2022 reform; "" on older documents


@dataclass(frozen=True)
class FuhyoBody:
    honseki: str
    hittousha: str
    persons: tuple[FuhyoPerson, ...]


DocumentBody = Union[JuminhyoBody, InkanBody, TaxBody, KosekiBody, FuhyoBody]


@dataclass(frozen=True)
class CertificateDocument:
    kind: CertificateKind
    session_id: str  # the kiosk session that asked: a print job is checked against it
    issue_number: str  # 発行番号
    issued_at: datetime
    authority: IssuingAuthority
    copies: int
    fee_per_copy: int
    body: DocumentBody
    demo: bool = True  # signed by the demo PKI: the renderer prints 見本 and it cannot be switched off

    @property
    def fee(self) -> int:
        return self.copies * self.fee_per_copy


@dataclass(frozen=True)
class ReceiptLine:
    kind: CertificateKind
    copies: int
    amount: int
    issue_number: str


@dataclass(frozen=True)
class Receipt:
    """利用明細: no personal data."""

    kiosk_id: str
    issued_at: datetime
    lines: tuple[ReceiptLine, ...]
    total: int
    paid: int
    change: int  # actually paid out
    refunds: tuple[tuple[str, int], ...] = ()  # (reference, yen) the staff owe: this is then also the refund slip
