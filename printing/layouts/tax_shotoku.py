"""所得・課税証明書: income and the resident taxes levied on it for one 年度."""
from __future__ import annotations

from kiosk.documents import CertificateDocument, TaxBody
from printing.layouts.common import tax_amounts, tax_items
from printing.layouts.style import LayoutStyle
from printing.model import Composition, Section

ATTESTATION = "上記のとおり相違ないことを証明する。"


def compose(document: CertificateDocument, style: LayoutStyle) -> Composition:
    body: TaxBody = document.body
    amounts = Section(
        heading="所得・課税の内容",
        items=tax_amounts(body),
    )
    return Composition(
        title=document.kind.title_ja, header=(), sections=(Section("納税義務者", tax_items(body)), amounts),
        attestation=ATTESTATION,
    )
