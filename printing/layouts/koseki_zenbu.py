"""戸籍全部事項証明書: every person of the 戸籍, removed ones marked 除籍."""
from __future__ import annotations

from kiosk.documents import CertificateDocument
from printing.layouts.common import koseki_composition
from printing.layouts.style import LayoutStyle
from printing.model import Composition

ATTESTATION = "これは、戸籍に記録されている事項の全部を証明した書面である。"


def compose(document: CertificateDocument, style: LayoutStyle) -> Composition:
    return koseki_composition(document, ATTESTATION)
