"""非課税証明書: that no resident tax was levied for the 年度 (the income is shown with it)."""
from __future__ import annotations

from kiosk.documents import CertificateDocument, TaxBody
from printing.layouts.common import tax_amounts, tax_items
from printing.layouts.style import LayoutStyle
from printing.model import Composition, Section

ATTESTATION = "上記の者は、上記年度の市町村民税が課されていないことを証明する。"


def compose(document: CertificateDocument, style: LayoutStyle) -> Composition:
    body: TaxBody = document.body
    if body.taxed:  # the center never sends this; printing it would certify a falsehood
        raise ValueError("非課税証明書 for a taxed record")
    status = Section(
        heading="課税の状況",
        items=tax_amounts(body),
    )
    return Composition(
        title=document.kind.title_ja, header=(), sections=(Section("対象者", tax_items(body)), status),
        attestation=ATTESTATION,
    )
