"""The layout catalog: one module per certificate kind, each with ``compose(document, style)``.

A new kind is one new module here and one entry below, and its form's shape in printing.forms
(how the items are placed on the sheet; the plain table until it has one).
"""
from __future__ import annotations

from typing import Callable

from kiosk.documents import CertificateDocument
from kiosk.kinds import CertificateKind
from printing.layouts import (
    fuhyo, inkan, juminhyo, juminhyo_kisai, koseki_kojin, koseki_zenbu, tax_hikazei, tax_shotoku,
)
from printing.layouts.style import LayoutStyle
from printing.model import Composition

Compose = Callable[[CertificateDocument, LayoutStyle], Composition]

LAYOUTS: dict[CertificateKind, Compose] = {
    CertificateKind.JUMINHYO: juminhyo.compose,
    CertificateKind.JUMINHYO_KISAI: juminhyo_kisai.compose,
    CertificateKind.INKAN: inkan.compose,
    CertificateKind.TAX_SHOTOKU: tax_shotoku.compose,
    CertificateKind.TAX_HIKAZEI: tax_hikazei.compose,
    CertificateKind.KOSEKI_ZENBU: koseki_zenbu.compose,
    CertificateKind.KOSEKI_KOJIN: koseki_kojin.compose,
    CertificateKind.FUHYO: fuhyo.compose,
}
