"""所得・課税証明書: income and the resident taxes levied on it for one 年度."""
from __future__ import annotations

from kiosk.documents import CertificateDocument, TaxBody
from printing.layouts.common import present, tax_items, yen
from printing.layouts.style import LayoutStyle
from printing.model import Composition, Section

ATTESTATION = "上記のとおり相違ないことを証明する。"


def compose(document: CertificateDocument, style: LayoutStyle) -> Composition:
    body: TaxBody = document.body
    amounts = Section(
        heading="所得・課税の内容",
        items=present(
            ("総所得金額", yen(body.total_income)),
            ("課税標準額", yen(body.taxable_income)),
            ("市町村民税額", yen(body.municipal_tax)),
            ("道府県民税額", yen(body.prefectural_tax)),
            ("扶養親族の数", f"{body.dependents}人"),
            ("課税区分", "課税" if body.taxed else "非課税"),
        ),
    )
    return Composition(
        title=document.kind.title_ja, header=(), sections=(Section("納税義務者", tax_items(body)), amounts),
        attestation=ATTESTATION,
    )
