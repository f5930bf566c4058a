"""戸籍個人事項証明書: only the chosen persons of the 戸籍."""
from __future__ import annotations

from kiosk.documents import CertificateDocument
from printing.layouts.common import koseki_composition
from printing.layouts.style import LayoutStyle
from printing.model import Composition

ATTESTATION = "これは、戸籍中の一部の者について記録されている事項を証明した書面である。"


def compose(document: CertificateDocument, style: LayoutStyle) -> Composition:
    return koseki_composition(document, ATTESTATION)
