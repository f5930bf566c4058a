"""非課税証明書: that no resident tax was levied for the 年度 (the income is shown with it)."""
from __future__ import annotations

from kiosk.documents import CertificateDocument, TaxBody
from printing.layouts.common import present, tax_items, yen
from printing.layouts.style import LayoutStyle
from printing.model import Composition, Section

ATTESTATION = "上記の者は、上記年度の市町村民税が課されていないことを証明する。"


def compose(document: CertificateDocument, style: LayoutStyle) -> Composition:
    body: TaxBody = document.body
    if body.taxed:  # the center never sends this; printing it would certify a falsehood
        raise ValueError("非課税証明書 for a taxed record")
    status = Section(
        heading="課税の状況",
        items=present(
            ("総所得金額", yen(body.total_income)),
            ("課税標準額", yen(body.taxable_income)),
            ("市町村民税額", yen(body.municipal_tax)),
            ("道府県民税額", yen(body.prefectural_tax)),
            ("扶養親族の数", f"{body.dependents}人"),
            ("課税区分", "非課税"),
        ),
    )
    return Composition(
        title=document.kind.title_ja, header=(), sections=(Section("対象者", tax_items(body)), status),
        attestation=ATTESTATION,
    )
