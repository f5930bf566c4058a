"""The back of a certificate sheet (two-sided printing): the front's code again, large, and a
偽変造防止検出画像, on the same 地紋 as the front.

Real コンビニ交付 certificates are printed on both sides: the back carries a code a viewer reads
to show the front, and a detection image whose latent word a copy reveals. Ours, behind each
front page (printing.renderer paints it right after its front; the printer turns the sheet on
its long edge):

- **The 地紋**: the front's form (printing.security.tint), so the back too shows 「複写」 when
  copied and nothing on the original.
- **The code**, the very bytes of the front's code (the page's items and layout, Ed25519-signed,
  printing.security.seal_code), 64 mm square at the upper left instead of the front's 41 mm at
  the lower left: at 0.6 mm a module even the largest code reads from a phone or a 150 dpi scan.
  The front keeps its own small code, so a front alone (a photocopy of one side, a one-sided
  print) is still checkable; the back makes the check easy and carries it to the side a
  forger of the front does not touch. ``kiosk verify`` tells the two sides apart by the code's
  place and size (printing.verify), draws the back again from its code (printing.redraw, with
  this module's painter) and compares it with the paper, so a code cut from another sheet and
  pasted here shows: the 発行番号, title and page number the code draws differ from the paper's.
- **The 偽変造防止検出画像**: a framed emblem in the band of the 地紋 between its two rows of
  latent words, inside which the tint's word 「複写」 is latent again, 1.4 times as large (about
  116 x 57 mm): on a copy it stands out black in the frame. It is made with the tint's own
  machinery (its latent cells, stencils and placement on the 600 dpi printer pixels), so it
  is balanced exactly like the tint (bench/copy_test.py measures it on every back: original
  |ΔL| <= 3, copy ΔL >= 25). Its cells are the tint's word picture enlarged by nearest
  neighbour in whole cells (no font at drawing time: every verifier draws the same cells), and
  it stays 12 cells (4.6 mm) clear of the tint's words, so each word's surround stays plain
  background, as the copy test's figures assume.
- **発行番号, the title, 「n / N 頁の裏面」** and a short explanation in Japanese of what the code
  holds and how to check the sheet; 「見本」 marks on a demo sheet as on its front.
- **照合記号**: 12 hex digits of the SHA-256 of the code's bytes, in 14 pt beside the code. A
  code pasted from a neighbouring certificate (same office, same day, 発行番号 one apart) would
  otherwise change only one small digit on the back, which a 200-300 dpi scan cannot tell from
  its own blur (printing.compare's limits); the digest changes in nearly every character, so
  the comparison with the redrawing sees it on any scan, and a person can read it against
  what ``kiosk verify`` draws.

Nothing is printed within 4 mm of the sheet's edge (tests/test_margins.py checks backs too).
Everything drawn comes from the code's own fields (kind, 発行番号, page, demo), so the verifier
draws the same back from nothing but the code.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

import numpy as np
from reportlab.pdfgen.canvas import Canvas

from printing import geometry as g
from printing.forms.base import text_box
from printing.security import tint
from printing.security.qr import draw_code
from printing.security.sample_mark import draw_sample_mark
from printing.sheet import Region, Regions

MM = g.MM
# The code: 64 mm square with its quiet zone, its top 30 mm from the sheet's top, left as the
# front's (13 mm). The front's is 41 mm at the lower left: the verifier tells the sides by this.
BACK_CODE_SIZE = 64 * MM
BACK_CODE_X = g.CODE_X
BACK_CODE_Y = g.PAGE_HEIGHT - 30 * MM - BACK_CODE_SIZE
TEXT_X = BACK_CODE_X + BACK_CODE_SIZE + 8 * MM  # the explanation, right of the code
TITLE_SIZE = 16

# The detection image's latent word: the tint's word cells enlarged 7/5 (1.4x), placed on the
# tint's cell grid at DETECTION_AT (column, row in cells from the tint's top-left: multiples of
# 4, so its corner falls on whole pixels at 300, 200, 150 and 100 dpi too, as the tint's own).
DETECTION_SCALE = (7, 5)
DETECTION_AT = (108, 264)
DETECTION_FORM = "detection"
FRAME = (40 * MM, g.PAGE_HEIGHT - 166 * MM, 170 * MM, g.PAGE_HEIGHT - 101 * MM)  # x0, y0, x1, y1 (y up)
CLEAR_OF_TINT_WORDS = 8  # cells: the copy test's surround reaches this far from a word

BACK_TITLE = "裏面"
EXPLANATION_HEADING = "この面の2次元コードについて"
DETECTION_CAPTION = "偽変造防止検出画像"
DETECTION_NOTE = ("複写機で複写すると、枠の中に「複写」の文字が大きく浮き出ます（原本では見えません）。",
                  "表面・裏面とも、地紋に「複写」の文字が浮き出ている用紙は原本ではありません。")
HOW_HEADING = "この証明書の確かめ方"


def check_mark(code: bytes) -> str:
    """The 照合記号 printed beside the code: the first 12 hex digits of its SHA-256, in threes."""
    digest = hashlib.sha256(code).hexdigest()[:12].upper()
    return "-".join(digest[i : i + 3] for i in range(0, 12, 3))


def explanation(page: int, pages: int) -> tuple[str, ...]:
    """What the code holds: the lines right of the code."""
    return (
        f"左の2次元コードは、表面（{page} / {pages} 頁）の左下にある",
        "2次元コードと同じものです。",
        "表面の記載事項（各項目の内容と配置）、発行番号、",
        "発行日時と頁番号が収められ、発行した市区町村の",
        "電子署名が付いています。",
        "署名を確かめたうえで表面をコードから描き直し、",
        "用紙と見比べることで、書き換え・貼り替えが分かります。",
    )


HOW_LINES = (
    "1. この面（または表面）を200 dpi以上でスキャンし、kiosk verify でそのファイルを確かめます。",
    "   例：kiosk verify ura.png　　PDFのまま確かめるときは kiosk verify shomeisho.pdf",
    "2. 「valid（有効）」と出れば署名は正しく、この面は署名された内容どおりです。あわせて表示される",
    "   署名された記載事項（表面に記載されているはずの事項）を、表面と見比べてください。",
    "3. 他の証明書から切り取ったコードを貼った面や、記載を書き換えた面は「tampered（改ざん・不一致）」となり、",
    "   違う箇所が示されます。",
)


@dataclass(frozen=True)
class BackFacts:
    """What a back shows besides its code: all of it in the code, so a verifier draws it again."""

    title: str  # the certificate's title, e.g. 住民票の写し
    issue_number: str
    page: int
    pages: int
    sample: bool  # demo: 見本 marks


def code_box() -> tuple[float, float, float, float]:
    """The back's code square, quiet zone included (x0, y0, x1, y1; points, y up)."""
    return (BACK_CODE_X, BACK_CODE_Y, BACK_CODE_X + BACK_CODE_SIZE, BACK_CODE_Y + BACK_CODE_SIZE)


# --- the detection image's latent word ---------------------------------------------------------


@cache
def detection_cells() -> np.ndarray:
    """The enlarged word's cells (one element a cell, True: latent), a whole number of fours each way."""
    cells = tint.latent_cells()
    up, down = DETECTION_SCALE
    rows, columns = (-(-(side * up // down) // 4) * 4 for side in cells.shape)
    index_rows = np.minimum(np.arange(rows) * down // up, cells.shape[0] - 1)
    index_columns = np.minimum(np.arange(columns) * down // up, cells.shape[1] - 1)
    return cells[np.ix_(index_rows, index_columns)]


def detection_mask() -> np.ndarray:
    """The detection word's cells over the whole tint box (like tint.latent_mask)."""
    cells = detection_cells()
    whole = np.zeros((g.TINT_HEIGHT_PX // tint.CELL, g.TINT_WIDTH_PX // tint.CELL), bool)
    column, row = DETECTION_AT
    whole[row : row + cells.shape[0], column : column + cells.shape[1]] = cells
    return whole


def back_latent_mask() -> np.ndarray:
    """Every latent cell of a back: the tint's words and the detection image's."""
    return tint.latent_mask() | detection_mask()


def back_tint_ink() -> np.ndarray:
    """The back's tint box at printer pixels (True: ink), as drawn: the tint with the detection word."""
    cells = detection_mask()
    big = np.kron(cells, np.ones((tint.CELL, tint.CELL), bool))
    return np.where(big, tint.latent_dots(cells), tint.tint_ink())


def define_detection(canvas: Canvas) -> None:
    """Record the detection word as a form (two stencils: its cells in white over the tint's
    background dots, then its latent dots in black, as printing.security.tint draws its words);
    each back shows it with ``canvas.doForm(DETECTION_FORM)`` over the tint."""
    cells = detection_cells()
    stencils = {"detection_cells": cells, "detection_dots": tint.latent_dots(cells)}
    canvas.beginForm(DETECTION_FORM, lowerx=0, lowery=0, upperx=g.PAGE_WIDTH, uppery=g.PAGE_HEIGHT)
    names = {}
    for name, ink in stencils.items():
        names[name] = canvas._doc.getXObjectName(name)
        canvas._doc.Reference(tint.Stencil(*tint.packed(ink)), names[name])
        canvas._formsinuse.append(name)
    rows, columns = (side * tint.CELL for side in cells.shape)
    column, row = DETECTION_AT
    left, top = column * tint.CELL, row * tint.CELL
    canvas._code.append("\n".join((
        "q 1 g", tint.place(names["detection_cells"], left, top, columns, rows),
        "0 g", tint.place(names["detection_dots"], left, top, columns, rows), "Q",
    )))
    canvas.endForm()


# --- the page ----------------------------------------------------------------------------------


def paint_back(canvas: Canvas, font: str, facts: BackFacts, code: bytes, regions: Regions = None) -> None:
    """One back; the PDF must have ``define_tint`` and ``define_detection`` done. Given a list,
    records where each field went (printing.sheet.Region), for the verifier."""
    mark = regions.append if regions is not None else (lambda region: None)

    def line(text: str, size: float, x: float, baseline: float, name: str, align: str = "left") -> None:
        canvas.setFont(font, size)
        {"left": canvas.drawString, "right": canvas.drawRightString, "centre": canvas.drawCentredString}[align](
            x, baseline, text)
        mark(Region(name, text_box(font, size, text, x, baseline, align), text))

    canvas.doForm(tint.FORM_NAME)
    canvas.doForm(DETECTION_FORM)
    canvas.setFillColorRGB(0, 0, 0)
    line(f"発行番号　{facts.issue_number}", 9, g.RIGHT, g.ISSUE_NUMBER_BASELINE, "発行番号", "right")
    line(f"{facts.title}　{BACK_TITLE}", TITLE_SIZE, g.PAGE_WIDTH / 2, g.TITLE_BASELINE, "表題", "centre")

    draw_code(canvas, code, BACK_CODE_X, BACK_CODE_Y, BACK_CODE_SIZE)
    mark(Region("2次元コード（裏面）", code_box()))
    top = BACK_CODE_Y + BACK_CODE_SIZE - 14
    line(EXPLANATION_HEADING, 10.5, TEXT_X, top, "説明")
    for n, text in enumerate(explanation(facts.page, facts.pages), start=1):
        line(text, 9, TEXT_X, top - 6 - 14 * n, "説明")
    line("照合記号（このコードの内容から計算した記号）", 8.5, TEXT_X, BACK_CODE_Y + 32, "説明")
    line(check_mark(code), 14, TEXT_X, BACK_CODE_Y + 12, "照合記号")

    x0, y0, x1, y1 = FRAME
    canvas.saveState()
    canvas.setStrokeColorRGB(0, 0, 0)
    canvas.setLineWidth(1.2)
    canvas.roundRect(x0, y0, x1 - x0, y1 - y0, 6, stroke=1, fill=0)
    canvas.setLineWidth(0.7)  # not finer: a hairline breaks up on a 200-300 dpi scan and reads as covered
    canvas.roundRect(x0 + 4, y0 + 4, x1 - x0 - 8, y1 - y0 - 8, 4, stroke=1, fill=0)
    canvas.restoreState()
    mark(Region(DETECTION_CAPTION, FRAME, "複写"))
    line(DETECTION_CAPTION, 10.5, x0, y0 - 16, "偽変造防止検出画像の説明")
    for n, text in enumerate(DETECTION_NOTE):
        line(text, 8.5, x0, y0 - 30 - 12 * n, "偽変造防止検出画像の説明")

    how_top = 62 * MM
    line(HOW_HEADING, 10.5, g.LEFT, how_top, "確かめ方")
    for n, text in enumerate(HOW_LINES, start=1):
        line(text, 8.5, g.LEFT, how_top - 4 - 13 * n, "確かめ方")

    line(f"{facts.page} / {facts.pages} 頁の裏面", 9, g.PAGE_WIDTH / 2, g.PAGE_NUMBER_BASELINE, "頁番号", "centre")
    if facts.sample:
        draw_sample_mark(canvas, font)


def check_layout() -> None:
    """The detection word stays in its band: clear of the tint's words by the copy test's surround."""
    mask = detection_mask()
    near = tint.latent_mask()
    rows = np.nonzero(mask.any(axis=1))[0]
    tint_rows = np.nonzero(near.any(axis=1))[0]
    gaps = [abs(int(r) - int(t)) for r in (rows.min(), rows.max()) for t in tint_rows]
    assert min(gaps) > CLEAR_OF_TINT_WORDS, "the detection word is too near the tint's words"
