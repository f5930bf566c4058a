"""戸籍全部事項証明書: every person of the 戸籍, removed ones marked 除籍."""
from __future__ import annotations

from kiosk.documents import CertificateDocument, KosekiBody
from printing.layouts.common import koseki_person, present
from printing.layouts.style import LayoutStyle
from printing.model import Composition

ATTESTATION = "これは、戸籍に記録されている事項の全部を証明した書面である。"


def compose(document: CertificateDocument, style: LayoutStyle) -> Composition:
    body: KosekiBody = document.body
    return Composition(
        title=document.kind.title_ja,
        header=present(("本籍", body.honseki), ("筆頭者", body.hittousha)),
        sections=tuple(s for person in body.persons for s in koseki_person(person)),
        attestation=ATTESTATION,
    )
