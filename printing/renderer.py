"""ReportlabRenderer: certificate data -> an A4 PDF with the municipality's layout and seal,
a 地紋 with a latent 「複写」, microtext and a signed 2D code on every page.

Options (``[options.renderer]`` in the kiosk config):
``per_person_juminhyo = ["990003"]`` — municipalities that issue 住民票 one person per sheet.

``two_sided`` (given by the composition root from ``[printing] sides``): each front page is
followed by its back (printing.back_side: the same code large, the 偽変造防止検出画像), for a
printer that prints the job two-sided. Off, the PDF holds the fronts alone, as for one-sided.
"""
from __future__ import annotations

import io

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from kiosk.documents import CertificateDocument, Receipt
from kiosk.journal.day_close import DayClose
from kiosk.health import Availability
from kiosk.ports.renderer import Renderer
from printing import fonts
from printing.back_side import BackFacts, define_detection, paint_back
from printing.forms import shape_for
from printing.layouts import LAYOUTS
from printing.layouts.style import LayoutStyle
from printing.model import Composition, Item
from printing.paginate import closing_lines, header_rows, plan_pages
from printing.day_close import render_day_close
from printing.receipt import render_receipt
from printing.security.qr import MAX_CODE_BYTES
from printing.security.seal_code import PageSeal, unsigned_size
from printing.security.signer import SealSigner
from printing.security.tint import define_tint
from printing.sheet import PageFacts, microtext, paint_page
from printing.wareki import wareki

# Binary (Flate only) streams: ASCII85 on top makes every stream a quarter larger and, in pure
# Python, costs more time than drawing the page. Reportlab reads this when a PDF is written.
rl_config.useA85 = 0


class ReportlabRenderer(Renderer):
    @classmethod
    def availability(cls) -> Availability:
        missing = [name for name in (fonts.MINCHO, fonts.GOTHIC) if not (fonts.FONTS_DIR / f"{name}.ttf").is_file()]
        if missing:
            return Availability(False, f"font files missing in {fonts.FONTS_DIR}: {', '.join(missing)}")
        return Availability(True)

    @classmethod
    def from_config(cls, config, *, two_sided: bool = False) -> "ReportlabRenderer":
        options = dict(config.adapter_options.get("renderer", {}))
        per_person = options.pop("per_person_juminhyo", [])
        if options:
            raise ValueError(f"[options.renderer]: unknown keys {', '.join(sorted(options))}")
        if not isinstance(per_person, list) or not all(isinstance(code, str) for code in per_person):
            raise ValueError("[options.renderer] per_person_juminhyo: a list of municipality codes")
        return cls(SealSigner(config.data_dir), per_person_juminhyo=frozenset(per_person), two_sided=two_sided)

    def __init__(self, signer: SealSigner, *, per_person_juminhyo: frozenset[str] = frozenset(),
                 two_sided: bool = False) -> None:
        self._signer = signer
        self._per_person = per_person_juminhyo
        self._two_sided = two_sided
        self._font = fonts.font(fonts.MINCHO)

    def render(self, document: CertificateDocument) -> bytes:
        style = LayoutStyle(per_person_juminhyo=document.authority.municipality_code in self._per_person)
        composition = LAYOUTS[document.kind](document, style)
        facts = self._facts(document)
        closing = self._closing_items(document, composition, facts)
        fonts.check_items(self._font, [(i.label, i.value) for s in composition.sections for i in s.items]
                          + [(i.label, i.value) for i in (*composition.header, *closing)]
                          + [("発行者", facts.office_seal_text + facts.microtext)])
        key_id = self._signer.key_id(document.authority.municipality_code)  # part of the code: sized with it
        shape = shape_for(document.kind.value)  # the kind's form: the verifier picks it from the code's kind
        plans = plan_pages(composition, closing_lines(facts.mayor_title, closing), self._font,
                           lambda items: self._fits(document, items, key_id), shape)
        codes = [self._signer.sign(self._seal(document, plan.items, n, len(plans), key_id))
                 for n, plan in enumerate(plans, 1)]
        header = header_rows(composition, self._font, shape)
        out = io.BytesIO()
        # invariant: no timestamps or random ids, so the same document gives the same bytes;
        # initialFontName: otherwise reportlab lists a non-embedded Helvetica on every page
        canvas = Canvas(out, pagesize=A4, invariant=True, initialFontName=self._font, pageCompression=1)
        canvas.setTitle(f"{composition.title} {document.issue_number}")
        canvas.setCreator("konbini-kiosk")
        define_tint(canvas, self._font)
        if self._two_sided:
            define_detection(canvas)
        for _copy in range(document.copies):
            for number, (plan, code) in enumerate(zip(plans, codes), start=1):
                paint_page(canvas, self._font, composition, header, plan, facts, number, len(plans), code,
                           shape=shape)
                canvas.showPage()
                if self._two_sided:  # its back, with the same code
                    back = BackFacts(composition.title, facts.issue_number, number, len(plans), facts.sample)
                    paint_back(canvas, self._font, back, code)
                    canvas.showPage()
        canvas.save()
        return out.getvalue()

    def render_receipt(self, receipt: Receipt) -> bytes:
        return render_receipt(receipt)

    def render_day_close(self, report: DayClose) -> bytes:
        return render_day_close(report)

    def self_test(self, municipality_codes: tuple[str, ...]) -> None:
        for code in municipality_codes:
            self._signer.check(code)

    def _facts(self, document: CertificateDocument) -> PageFacts:
        authority = document.authority
        return PageFacts(
            issue_number=document.issue_number,
            issue_date=wareki(document.issued_at.date()),
            mayor_title=authority.mayor_title,
            mayor_name=authority.mayor_name,
            office_seal_text=f"{authority.mayor_title}之印",
            microtext=microtext(authority.municipality_name, authority.municipality_code, document.issue_number),
            office=document.authority.certification_office,
            sample=document.demo or self._signer.demo,
        )

    def _closing_items(self, document: CertificateDocument, composition: Composition, facts: PageFacts) -> tuple[Item, ...]:
        office = document.authority.certification_office
        return (
            Item("認証文", composition.attestation),
            Item("発行日", facts.issue_date),
            *((Item("担当", office),) if office else ()),
            Item("証明者", f"{facts.mayor_title}　{facts.mayor_name}"),
        )

    def _seal(self, document: CertificateDocument, items: tuple[Item, ...], page: int, pages: int,
              key_id: str) -> PageSeal:
        return PageSeal(
            municipality_code=document.authority.municipality_code,
            kind=document.kind.value,
            issue_number=document.issue_number,
            issued_at=document.issued_at.strftime("%Y-%m-%dT%H:%M"),
            page=page, pages=pages,
            demo=document.demo or self._signer.demo,
            items=items,
            key_id=key_id,
            issuer=document.authority.municipality_name,  # the microtext prints it: signed to draw the page again
        )

    def _fits(self, document: CertificateDocument, items: tuple[Item, ...], key_id: str) -> bool:
        return unsigned_size(self._seal(document, items, 99, 99, key_id)) <= MAX_CODE_BYTES
