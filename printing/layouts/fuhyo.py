"""戸籍の附票の写し: each chosen person's addresses, oldest first, under the 本籍."""
from __future__ import annotations

from kiosk.documents import CertificateDocument, FuhyoBody
from printing.layouts.common import present
from printing.layouts.style import LayoutStyle
from printing.model import Composition, Item, Section
from printing.wareki import wareki

ATTESTATION = "この写しは、戸籍の附票の原本と相違ないことを証明する。"


def compose(document: CertificateDocument, style: LayoutStyle) -> Composition:
    body: FuhyoBody = document.body
    sections = tuple(
        Section(
            heading=str(number),
            items=(
                Item("氏名", person.name),
                Item("生年月日", wareki(person.birth_date)),
                *(Item("住所", f"{line.address}　{wareki(line.set_on)}定") for line in person.addresses),
            ),
        )
        for number, person in enumerate(body.persons, start=1)
    )
    return Composition(
        title=document.kind.title_ja,
        header=present(("本籍", body.honseki), ("筆頭者", body.hittousha)),
        sections=sections,
        attestation=ATTESTATION,
    )
