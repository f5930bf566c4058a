"""Paints one planned page of a certificate: tint, title, the form (its kind's shape, printing.forms,
paints the header and rows), 「以下余白」, closing block, code, marks.

Every page is a certificate on its own: 発行番号, page x / y and the closing block (認証文, date,
mayor and 公印) on each; 「以下余白」 only under the last row of the last page.

Given a list to fill, it also records where it put each field (``Region``): the verifier draws
a page again from its code and names the fields whose place differs on the paper.
"""
from __future__ import annotations

from dataclasses import dataclass

from reportlab.pdfgen.canvas import Canvas

from printing import geometry as g
from printing.forms.base import GRID, Marks, Region, Shape
from printing.forms.base import text_box as _text_box
from printing.forms.table import TABLE
from printing.model import Composition
from printing.paginate import PagePlan, Row
from printing.seal_art import draw_office_seal
from printing.security.microtext import draw_microtext
from printing.security.qr import draw_code
from printing.security.sample_mark import draw_sample_mark, draw_seal_sample_mark
from printing.security.tint import FORM_NAME

__all__ = ["PageFacts", "Region", "microtext", "paint_page"]

OFFICE_SEAL_OVER_NAME = 0.2  # the mayor's name ends this share of the 公印's side left of its centre
Regions = list[Region] | None


def microtext(municipality_name: str, municipality_code: str, issue_number: str) -> str:
    return f"{municipality_name}{municipality_code}{issue_number}"


@dataclass(frozen=True)
class PageFacts:
    """What every page of one certificate shows besides its rows."""

    issue_number: str
    issue_date: str  # 和暦
    mayor_title: str
    mayor_name: str
    office_seal_text: str  # e.g. 七星市長之印
    microtext: str
    office: str  # optional 証明書発行担当 line
    sample: bool


def paint_page(
    canvas: Canvas, font: str, composition: Composition, header: tuple[Row, ...], plan: PagePlan,
    facts: PageFacts, page: int, pages: int, code: bytes, regions: Regions = None, shape: Shape = TABLE,
) -> None:
    """``shape``: the form of the certificate's kind (printing.forms.shape_for), which paints the
    header and the rows; everything else on the sheet is the same for every kind."""
    mark = regions.append if regions is not None else (lambda region: None)
    seals: list[tuple[float, float, float]] = []  # where each seal's own 「見本」 goes on samples (centre, size)
    canvas.doForm(FORM_NAME)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(font, 9)
    number = f"発行番号　{facts.issue_number}"
    canvas.drawRightString(g.RIGHT, g.ISSUE_NUMBER_BASELINE, number)
    mark(Region("発行番号", _text_box(font, 9, number, g.RIGHT, g.ISSUE_NUMBER_BASELINE, "right"), facts.issue_number))
    canvas.setFont(font, g.TITLE_SIZE)
    canvas.drawCentredString(g.PAGE_WIDTH / 2, g.TITLE_BASELINE, composition.title)
    mark(Region("表題", _text_box(font, g.TITLE_SIZE, composition.title, g.PAGE_WIDTH / 2, g.TITLE_BASELINE, "centre"),
                composition.title))
    y = shape.paint(canvas, font, header, plan.rows, Marks(regions, seals))
    if plan.ends:
        _blank_note(canvas, font, y, regions)
    if plan.closing:
        _closing(canvas, font, composition.attestation, facts, regions, seals)
    canvas.setStrokeColorRGB(*GRID)
    draw_microtext(canvas, font, facts.microtext, g.LEFT, g.MICROTEXT_BASELINE, g.CONTENT_WIDTH)
    mark(Region("マイクロ文字", (g.LEFT, g.MICROTEXT_BASELINE - 1, g.RIGHT, g.MICROTEXT_BASELINE + 2), facts.microtext))
    draw_code(canvas, code, g.CODE_X, g.CODE_Y, g.CODE_SIZE)
    mark(Region("2次元コード", (g.CODE_X, g.CODE_Y, g.CODE_X + g.CODE_SIZE, g.CODE_Y + g.CODE_SIZE)))
    canvas.setFont(font, 6.5)
    notes = ("左の2次元コードには、この頁の記載事項と発行者の電子署名が入っています。",
             "地紋に「複写」の文字が浮き出ている用紙は、原本ではありません。")
    for n, note in enumerate(notes):
        canvas.drawString(g.CLOSING_X, g.CODE_NOTE_BASELINE - 9 * n, note)
        mark(Region("注記", _text_box(font, 6.5, note, g.CLOSING_X, g.CODE_NOTE_BASELINE - 9 * n), note))
    canvas.setFont(font, 9)
    canvas.drawCentredString(g.PAGE_WIDTH / 2, g.PAGE_NUMBER_BASELINE, f"{page} / {pages}")
    mark(Region("頁番号", _text_box(font, 9, f"{page} / {pages}", g.PAGE_WIDTH / 2, g.PAGE_NUMBER_BASELINE, "centre"),
                f"{page} / {pages}"))
    if facts.sample:  # over the whole page: not a region, or all that is added in blank space would be named 見本
        for cx, cy, size in seals:
            draw_seal_sample_mark(canvas, font, cx, cy, size)
        draw_sample_mark(canvas, font)


def _blank_note(canvas: Canvas, font: str, y: float, regions: Regions = None) -> None:
    """「以下余白」 right under the table's last row (``y``): where the content ends, so nothing
    can be added below it."""
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(font, 10)
    canvas.drawRightString(g.RIGHT - 8, y - 15, "以下余白")
    if regions is not None:
        regions.append(Region("以下余白", _text_box(font, 10, "以下余白", g.RIGHT - 8, y - 15, "right"), "以下余白"))


def _closing(canvas: Canvas, font: str, attestation: str, facts: PageFacts, regions: Regions = None,
             seals: list[tuple[float, float, float]] | None = None) -> None:
    """The closing block in its place in the bottom band, right of the code: on every page."""
    mark = regions.append if regions is not None else (lambda region: None)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(font, 10.5)
    y = g.ATTESTATION_BASELINE
    for line in g.wrap(attestation, font, 10.5, g.RIGHT - g.CLOSING_X):
        canvas.drawString(g.CLOSING_X, y, line)
        mark(Region("認証文", _text_box(font, 10.5, line, g.CLOSING_X, y), attestation))
        y -= 14
    canvas.drawString(g.CLOSING_X + 10, y - 4, facts.issue_date)
    mark(Region("発行日", _text_box(font, 10.5, facts.issue_date, g.CLOSING_X + 10, y - 4), facts.issue_date))
    if facts.office:
        canvas.setFont(font, 8)
        canvas.drawString(g.CLOSING_X + 10, y - 16, facts.office)
        mark(Region("担当", _text_box(font, 8, facts.office, g.CLOSING_X + 10, y - 16), facts.office))
    seal_x, seal_y = g.OFFICE_SEAL_CENTER
    size = g.OFFICE_SEAL_SIZE
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(font, 13)
    mayor = f"{facts.mayor_title}　{facts.mayor_name}"
    # As a real seal is pressed: the name ends under the seal's left part, its last character inked over.
    name_end = seal_x - size * OFFICE_SEAL_OVER_NAME
    canvas.drawRightString(name_end, seal_y - 12, mayor)
    mark(Region("証明者", _text_box(font, 13, mayor, name_end, seal_y - 12, "right"), mayor))
    draw_office_seal(canvas, facts.office_seal_text, seal_x, seal_y, size)
    half = size / 2 + 1
    mark(Region("公印", (seal_x - half, seal_y - half, seal_x + half, seal_y + half), facts.office_seal_text))
    if seals is not None:  # across the seal's lower right: marked, and still seen
        seals.append((seal_x + size * 0.2, seal_y - size * 0.24, size * 0.75))
