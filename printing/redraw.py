"""Draw a certificate page again from nothing but its signed code (format 3 or 4), with the renderer's
own painter, fonts and tint, and say where each field went: what the verifier compares the paper
with. A genuine page and its redrawing are the same picture; only the layout lines and items of
the code are used, so what the paper shows beyond them is a difference.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from kiosk.kinds import CertificateKind
from printing import fonts
from printing import geometry as g
from printing.forms import shape_for
from printing.model import Composition
from printing.paginate import form_of, plan_from_lines
from printing.security.qr import symbol_box
from printing.security.seal_code import PageSeal
from printing.security.tint import define_tint
from printing.sheet import PageFacts, Region, microtext, paint_page

CLOSING_LABELS = frozenset({"認証文", "発行日", "担当", "証明者"})


class CannotRedraw(ValueError):
    """The code's content does not describe a page this renderer draws (one line)."""


@dataclass(frozen=True)
class Redrawn:
    pdf: bytes  # one A4 page
    regions: tuple[Region, ...]  # where each field is drawn, in the order painted
    code_box: tuple[float, float, float, float]  # the code's symbol, in points (x0, y0, x1, y1; y up)


def redraw(seal: PageSeal, code: bytes) -> Redrawn:
    """The page ``seal`` describes, carrying ``code`` (the very bytes read from the paper)."""
    if not seal.has_layout or seal.issuer is None:
        raise CannotRedraw(f"a format {seal.version} code does not carry the page layout")
    try:
        title = CertificateKind(seal.kind).title_ja
    except ValueError:
        raise CannotRedraw(f"certificate kind {seal.kind!r} is unknown to this verifier") from None
    font = fonts.font(fonts.MINCHO)
    try:
        shape = shape_for(seal.kind, form_of(seal.items))  # the kind's form the page names, as the renderer drew it
        page = plan_from_lines(seal.items, font, seal.version, shape)
    except ValueError as exc:
        raise CannotRedraw(f"the code's layout lines are malformed: {exc}") from None
    closing = page.closing
    mayor_title = page.mayor_title or ""
    mayor_name = ""
    if page.plan.closing:
        missing = {"認証文", "発行日", "証明者"} - closing.keys()
        if missing or not closing.keys() <= CLOSING_LABELS:
            raise CannotRedraw("the code's closing block is not 認証文, 発行日, 担当, 証明者")
        title_and_name = closing["証明者"]
        if not title_and_name.startswith(f"{mayor_title}　"):
            raise CannotRedraw("the code's 証明者 does not begin with the mayor's title")
        mayor_name = title_and_name[len(mayor_title) + 1 :]
    facts = PageFacts(
        issue_number=seal.issue_number,
        issue_date=closing.get("発行日", ""),
        mayor_title=mayor_title,
        mayor_name=mayor_name,
        office_seal_text=f"{mayor_title}之印",
        microtext=microtext(seal.issuer, seal.municipality_code, seal.issue_number),
        office=closing.get("担当", ""),
        sample=seal.demo,
    )
    composition = Composition(title=title, header=(), sections=(), attestation=closing.get("認証文", ""))
    out = io.BytesIO()
    regions: list[Region] = []
    canvas = Canvas(out, pagesize=A4, invariant=True, initialFontName=font, pageCompression=1)
    define_tint(canvas, font)
    try:
        paint_page(canvas, font, composition, page.header, page.plan, facts, seal.page, seal.pages, code, regions,
                   shape)
    except ValueError as exc:  # a code too large to print, from no kiosk
        raise CannotRedraw(str(exc)) from None
    canvas.showPage()
    canvas.save()
    return Redrawn(out.getvalue(), tuple(regions), symbol_box(code, g.CODE_X, g.CODE_Y, g.CODE_SIZE))


def redraw_back(seal: PageSeal, code: bytes) -> Redrawn:
    """The back of the page ``seal`` describes (printing.back_side), with the renderer's own back
    painter: all it shows is in the code's header (kind, 発行番号, page, demo), so a code of any
    format can be drawn on a back."""
    from printing.back_side import BACK_CODE_SIZE, BACK_CODE_X, BACK_CODE_Y, BackFacts, define_detection, paint_back

    try:
        title = CertificateKind(seal.kind).title_ja
    except ValueError:
        raise CannotRedraw(f"certificate kind {seal.kind!r} is unknown to this verifier") from None
    font = fonts.font(fonts.MINCHO)
    out = io.BytesIO()
    regions: list[Region] = []
    canvas = Canvas(out, pagesize=A4, invariant=True, initialFontName=font, pageCompression=1)
    define_tint(canvas, font)
    define_detection(canvas)
    try:
        paint_back(canvas, font, BackFacts(title, seal.issue_number, seal.page, seal.pages, seal.demo), code, regions)
    except ValueError as exc:  # a code too large to print, from no kiosk
        raise CannotRedraw(str(exc)) from None
    canvas.showPage()
    canvas.save()
    return Redrawn(out.getvalue(), tuple(regions), symbol_box(code, BACK_CODE_X, BACK_CODE_Y, BACK_CODE_SIZE))
