"""戸籍の附票の写し: each chosen person's 氏名, 生年月日, 性別 and addresses (oldest first) under the 本籍."""
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
            items=present(("氏名", person.name), ("生年月日", wareki(person.birth_date)), ("性別", person.sex))
            + tuple(item for line in person.addresses
                    for item in (Item("住所", line.address), Item("住所を定めた年月日", wareki(line.set_on)))),
        )
        for number, person in enumerate(body.persons, start=1)
    )
    return Composition(
        title=document.kind.title_ja,
        header=present(("本籍", body.honseki), ("筆頭者", body.hittousha)),
        sections=sections,
        attestation=ATTESTATION,
    )
