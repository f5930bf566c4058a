"""所得・課税証明書: income by kind, deductions and the resident taxes levied on it for one 年度."""
from __future__ import annotations

from kiosk.documents import CertificateDocument
from printing.layouts.common import tax_composition
from printing.layouts.style import LayoutStyle
from printing.model import Composition

ATTESTATION = "上記のとおり相違ないことを証明する。"


def compose(document: CertificateDocument, style: LayoutStyle) -> Composition:
    return tax_composition(document, ATTESTATION)
