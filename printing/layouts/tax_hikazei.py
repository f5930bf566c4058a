"""非課税証明書: the tax certificate's frame saying 非課税, with the income shown."""
from __future__ import annotations

from kiosk.documents import CertificateDocument, TaxBody
from printing.layouts.common import tax_composition
from printing.layouts.style import LayoutStyle
from printing.model import Composition

ATTESTATION = "上記の者は、上記年度の市町村民税が課されていないことを証明する。"


def compose(document: CertificateDocument, style: LayoutStyle) -> Composition:
    body: TaxBody = document.body
    if body.taxed:  # the center never sends this; printing it would certify a falsehood
        raise ValueError("非課税証明書 for a taxed record")
    return tax_composition(document, ATTESTATION)
