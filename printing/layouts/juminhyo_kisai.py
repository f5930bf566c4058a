"""住民票記載事項証明書: the chosen items, certified as recorded in the 住民票."""
from __future__ import annotations

from kiosk.documents import CertificateDocument
from printing.layouts.common import juminhyo_composition
from printing.layouts.style import LayoutStyle
from printing.model import Composition

ATTESTATION = "上記のとおり住民票に記載されていることを証明する。"


def compose(document: CertificateDocument, style: LayoutStyle) -> Composition:
    return juminhyo_composition(document, ATTESTATION)
