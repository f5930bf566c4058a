"""印鑑登録証明書: the registered impression (the registry's picture, in its frame) beside the holder's items
(printing.forms.inkan places them)."""
from __future__ import annotations

from kiosk.documents import CertificateDocument, InkanBody
from printing.layouts.common import present
from printing.layouts.style import LayoutStyle
from printing.model import Composition, Item, Section
from printing.wareki import wareki

ATTESTATION = "この写しは、登録されている印影と相違ないことを証明する。"


def compose(document: CertificateDocument, style: LayoutStyle) -> Composition:
    body: InkanBody = document.body
    holder = Section(
        heading="登録者",
        items=(Item("印影", body.impression, drawn_as_seal=True, seal_picture=body.impression_image,
                    seal_recipe=body.impression_recipe),) + present(
            ("氏名", body.name),
            ("フリガナ", body.name_kana),
            ("生年月日", wareki(body.birth_date)),
            ("性別", body.sex),
            ("住所", body.address),
            ("登録番号", body.registration_number),
            ("登録日", wareki(body.registered_on)),
        ),
    )
    return Composition(title=document.kind.title_ja, header=(), sections=(holder,), attestation=ATTESTATION)
