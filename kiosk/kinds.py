"""The certificate kinds the kiosk can issue, and which municipality keeps each one."""
from __future__ import annotations

from enum import Enum
from typing import assert_never


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
        match self:
            case CertificateKind.JUMINHYO:
                return "住民票の写し"
            case CertificateKind.JUMINHYO_KISAI:
                return "住民票記載事項証明書"
            case CertificateKind.INKAN:
                return "印鑑登録証明書"
            case CertificateKind.TAX_SHOTOKU:
                return "所得・課税証明書"
            case CertificateKind.TAX_HIKAZEI:
                return "非課税証明書"
            case CertificateKind.KOSEKI_ZENBU:
                return "戸籍全部事項証明書"
            case CertificateKind.KOSEKI_KOJIN:
                return "戸籍個人事項証明書"
            case CertificateKind.FUHYO:
                return "戸籍の附票の写し"
            case _:
                assert_never(self)

    @property
    def keeper(self) -> Keeper:
        # matched exhaustively: a new kind must say who keeps it (the type check fails until it does)
        match self:
            case (CertificateKind.JUMINHYO | CertificateKind.JUMINHYO_KISAI | CertificateKind.INKAN
                  | CertificateKind.TAX_SHOTOKU | CertificateKind.TAX_HIKAZEI):
                return Keeper.RESIDENCE
            case CertificateKind.KOSEKI_ZENBU | CertificateKind.KOSEKI_KOJIN | CertificateKind.FUHYO:
                return Keeper.HONSEKI
            case _:
                assert_never(self)
