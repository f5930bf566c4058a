"""住民票記載事項証明書: the chosen items, certified as recorded in the 住民票."""
from __future__ import annotations

from kiosk.documents import CertificateDocument, JuminhyoBody
from printing.layouts.common import juminhyo_person, present
from printing.layouts.style import LayoutStyle
from printing.model import Composition

ATTESTATION = "上記のとおり住民票に記載されていることを証明する。"


def compose(document: CertificateDocument, style: LayoutStyle) -> Composition:
    body: JuminhyoBody = document.body
    return Composition(
        title=document.kind.title_ja,
        header=present(("住所", body.address), ("世帯主", body.household_head)),
        sections=tuple(juminhyo_person(n, p) for n, p in enumerate(body.persons, start=1)),
        attestation=ATTESTATION,
    )
