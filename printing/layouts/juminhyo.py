"""住民票の写し: the household list form (連記式) or one person per sheet (個票式)."""
from __future__ import annotations

from kiosk.documents import CertificateDocument, JuminhyoBody
from printing.layouts.common import juminhyo_composition
from printing.layouts.style import LayoutStyle
from printing.model import Composition

WHOLE = "この写しは、世帯全員の住民票の原本と相違ないことを証明する。"
PART = "この写しは、世帯の一部の住民票の原本と相違ないことを証明する。"


def compose(document: CertificateDocument, style: LayoutStyle) -> Composition:
    body: JuminhyoBody = document.body
    attestation = WHOLE if body.whole_household else PART
    return juminhyo_composition(document, attestation, one_section_per_page=style.per_person_juminhyo)
