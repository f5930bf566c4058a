"""The certificate kinds the kiosk can issue, and which municipality keeps each one."""
from __future__ import annotations

from enum import Enum


class Keeper(Enum):
    """Which municipality holds the register a kind is issued from."""

    RESIDENCE = "residence"  # 住民基本台帳・印鑑・税: where the resident lives (or lived on 1 January)
    HONSEKI = "honseki"  # 戸籍・附票: the 本籍地


class CertificateKind(Enum):
    JUMINHYO = "juminhyo"
    JUMINHYO_KISAI = "juminhyo_kisai"
    INKAN = "inkan"
    TAX_SHOTOKU = "tax_shotoku"
    TAX_HIKAZEI = "tax_hikazei"
    KOSEKI_ZENBU = "koseki_zenbu"
    KOSEKI_KOJIN = "koseki_kojin"
    FUHYO = "fuhyo"

    @property
    def title_ja(self) -> str:
        return _TITLES_JA[self]

    @property
    def keeper(self) -> Keeper:
        return Keeper.HONSEKI if self in _HONSEKI_KINDS else Keeper.RESIDENCE


_TITLES_JA = {
    CertificateKind.JUMINHYO: "住民票の写し",
    CertificateKind.JUMINHYO_KISAI: "住民票記載事項証明書",
    CertificateKind.INKAN: "印鑑登録証明書",
    CertificateKind.TAX_SHOTOKU: "所得・課税証明書",
    CertificateKind.TAX_HIKAZEI: "非課税証明書",
    CertificateKind.KOSEKI_ZENBU: "戸籍全部事項証明書",
    CertificateKind.KOSEKI_KOJIN: "戸籍個人事項証明書",
    CertificateKind.FUHYO: "戸籍の附票の写し",
}

_HONSEKI_KINDS = frozenset(
    {CertificateKind.KOSEKI_ZENBU, CertificateKind.KOSEKI_KOJIN, CertificateKind.FUHYO}
)
