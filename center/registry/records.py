"""The municipality's records about residents, as the issuance center reads them.

Fictional demo data only. ``resident_ref`` is the opaque reference that may appear in logs and
the journal; nothing else here may.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum


class Sex(Enum):
    MALE = "male"
    FEMALE = "female"

    @property
    def ja(self) -> str:
        return "男" if self is Sex.MALE else "女"


@dataclass(frozen=True)
class PersonName:
    family: str
    given: str
    family_kana: str
    given_kana: str

    @property
    def full(self) -> str:
        return f"{self.family}\u3000{self.given}"

    @property
    def full_kana(self) -> str:
        return f"{self.family_kana}\u3000{self.given_kana}"


@dataclass(frozen=True)
class ForeignResidence:
    """Items printed on a foreign resident's 住民票 instead of 本籍・筆頭者."""

    nationality: str  # 国籍・地域
    status: str  # 在留資格
    period_until: date  # 在留期間等の満了の日
    residence_card_number: str  # 在留カード等の番号
    # 住民基本台帳法 第30条の45 の区分: 中長期在留者, 特別永住者, 一時庇護許可者, 仮滞在許可者,
    # 出生による経過滞在者, 国籍喪失による経過滞在者. "" only on records made before it was kept.
    category: str = ""
    period: str = ""  # 在留期間等 as granted (e.g. 5年, 3年6月); "" where the status has none or on older records


@dataclass(frozen=True)
class SealRegistration:
    registration_number: str
    registered_on: date
    impression: str  # the characters carved in the seal
    image: bytes = b""  # the 印影 as registered: a 1-bit PNG with its dpi (the demo's: made when stored)
    image_recipe: str = ""  # how the demo drew the image (printing.impression); "" for a scanned one


@dataclass(frozen=True)
class TaxIncome:
    """One kind of income of a tax year: 収入金額 and the 所得 after its own deduction."""

    kind: str  # 給与, 公的年金等, 営業等, 雑, 配当, 不動産 ...
    revenue: int | None  # 収入金額; None where the form shows none (営業等 prints only its 所得)
    income: int  # 所得金額


@dataclass(frozen=True)
class TaxDeduction:
    kind: str  # 社会保険料控除, 生命保険料控除, 配偶者控除, 扶養控除, 基礎控除 ...
    amount: int


@dataclass(frozen=True)
class TaxRecord:
    """One tax year (年度) as the municipality assessed it.

    The breakdown (incomes, deductions, 均等割 / 所得割) is empty and zero on records made before it
    was kept; the demo loader requires it and checks it adds up (center/registry/demo_loader.py).
    """

    fiscal_year: int  # 年度, e.g. 2026 = 令和8年度 (income of calendar year fiscal_year - 1)
    jan1_municipality_code: str  # where the resident lived on 1 January of fiscal_year
    declared: bool  # an income declaration exists
    total_income: int
    taxable_income: int
    municipal_tax: int  # 市町村民税 所得割+均等割
    prefectural_tax: int
    dependents: int
    taxed: bool  # False => a 非課税証明書 can be issued
    incomes: tuple[TaxIncome, ...] = ()  # total_income == sum of their income
    deductions: tuple[TaxDeduction, ...] = ()  # total_deductions == sum of their amount
    total_deductions: int = 0  # 所得控除額合計
    municipal_per_capita: int = 0  # 市町村民税 均等割
    municipal_income_levy: int = 0  # 市町村民税 所得割: municipal_tax == 均等割 + 所得割
    prefectural_per_capita: int = 0  # 道府県民税 均等割
    prefectural_income_levy: int = 0  # 道府県民税 所得割: prefectural_tax == 均等割 + 所得割


@dataclass(frozen=True)
class AddressHistoryEntry:
    """One line of the 附票: where the person lived and from when."""

    address: str
    set_on: date  # 住所を定めた年月日


@dataclass(frozen=True)
class KosekiEntry:
    """One event of a 戸籍: a member's 身分事項 (出生, 婚姻, 死亡...) or the 戸籍事項 of the 戸籍
    itself (戸籍編製, 転籍...)."""

    event: str  # 出生, 婚姻, 離婚, 養子縁組, 死亡, 分籍 ... ; 戸籍編製, 戸籍改製, 転籍 for 戸籍事項
    on: date  # 【{event}日】
    detail: str  # the further items, e.g. 【出生地】○○県○○市　【届出人】父  or 【配偶者氏名】...
    notified_on: date | None = None  # 【届出日】; None where the event has none (a 戸籍編製 by marriage is dated by it)


@dataclass(frozen=True)
class KosekiMember:
    name: PersonName
    birth_date: date
    sex: Sex
    father: str
    mother: str
    relationship: str  # 続柄 in the 戸籍: 長男, 二女, 夫, 妻 ...
    entries: tuple[KosekiEntry, ...]
    resident_ref: str | None  # None when the member is not a resident of any demo municipality
    removed: bool = False  # 除籍 (marriage into another 戸籍, death): shown as 除籍 on 全部事項
    spouse: bool = False  # 【配偶者区分】: married and the spouse in this 戸籍 (夫 / 妻 from sex)


@dataclass(frozen=True)
class KosekiRecord:
    koseki_id: str
    municipality_code: str  # the 本籍地
    honseki: str  # 本籍 (the registered domicile address)
    hittousha: PersonName  # 筆頭者
    members: tuple[KosekiMember, ...]
    kiosk_registered_refs: frozenset[str] = frozenset()  # residents with 利用登録 at this 本籍地
    events: tuple[KosekiEntry, ...] = ()  # 戸籍事項 (戸籍編製, 転籍...), oldest first


@dataclass(frozen=True)
class ResidentFlags:
    support_measure: bool = False  # 支援措置 (DV・ストーカー等): kiosk issuance blocked
    moving_out: bool = False  # 転出予定: 転出届 filed
    deceased: bool = False


@dataclass(frozen=True)
class ResidentRecord:
    resident_ref: str  # opaque, e.g. "R-0007": the only identifier allowed in logs
    municipality_code: str  # residence
    household_id: str
    name: PersonName
    birth_date: date
    sex: Sex
    household_head: bool
    relationship: str  # 世帯主からみた続柄: 本人(世帯主), 妻, 子, 母 ...
    address: str
    became_resident_on: date  # 住民となった年月日
    address_set_on: date  # 住所を定めた年月日
    notified_on: date  # 届出日
    previous_address: str | None  # 従前の住所
    my_number: str  # 個人番号, 12 digits with a valid check digit
    koseki_id: str | None  # None for foreign residents
    foreign: ForeignResidence | None = None
    seal: SealRegistration | None = None
    tax_records: tuple[TaxRecord, ...] = ()
    address_history: tuple[AddressHistoryEntry, ...] = ()  # 附票 lines, oldest first
    flags: ResidentFlags = field(default_factory=ResidentFlags)
    remarks: tuple[str, ...] = ()  # 備考 of the 住民票 (転入, 転居...), oldest first

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years
