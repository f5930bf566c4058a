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
    residence_card_number: str | None = None


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


@dataclass(frozen=True)
class KosekiEntryLine:
    event: str
    on: date
    detail: str


@dataclass(frozen=True)
class KosekiPerson:
    name: str
    birth_date: date
    sex: str
    father: str
    mother: str
    relationship: str
    entries: tuple[KosekiEntryLine, ...]
    removed: bool


@dataclass(frozen=True)
class KosekiBody:
    """戸籍全部事項証明書 (all members) and 戸籍個人事項証明書 (the chosen members)."""

    honseki: str
    hittousha: str
    persons: tuple[KosekiPerson, ...]
    all_members: bool


@dataclass(frozen=True)
class FuhyoAddressLine:
    address: str
    set_on: date


@dataclass(frozen=True)
class FuhyoPerson:
    name: str
    birth_date: date
    addresses: tuple[FuhyoAddressLine, ...]


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
