"""The 地紋: a void pantograph whose latent 「複写」 does not show on the original and does on a copy.

**How it works.** The whole tint is black dots at the printer's 600 dpi covering 1/9 of the paper
(a light grey, 227 of 255), in square cells of 9 x 9 printer pixels:

- a background cell holds nine dots of one printer pixel (42 µm), none touching another, in a
  rosette about the cell's centre;
- a cell of the latent word holds one dot of 3 x 3 printer pixels (127 µm) at its centre.

Both put 9 of the cell's 81 pixels in ink, so at reading distance the word and its surround are
the same tone: the eye (about 1 arcminute, 0.1 mm at 35 cm) cannot resolve a single pixel and
sees each cell as a soft spot of the same weight. A copier reads the page through its own blur
and then thresholds it (text mode): a lone pixel, blurred over a 300 dpi sensor pixel, reads no
darker than 44 of 255 and drops out; a 3 x 3 dot reads about 160 and prints black. On the copy
the word is black dots on white paper. The rosette rather than an even grid of single dots
(one every 3 pixels, the first design): both drop out of a copy, but the rosette's cells look
to the eye like blurred 3 x 3 dots, so the word's texture hardly differs from its surround
(RMS difference of the eye-blurred cells 8.0 grey levels against 11.9 for the grid; in a
picture of the original as the eye sees it the grid's word could be made out, the rosette's
hardly), while its lone pixels still read far lighter than a copier's threshold (44 against
the grid's 32; the threshold is at 64). bench/copy_test.py measures all this on every layout
(the eye's kernel, the copier's model and the regions are stated there): original ΔL about
0.3 grey levels (limit 3), copy ΔL about 44 (limit 25), and a copier sweep showing the band of
blur and threshold the copy shows the word in.

**Pictures, not vector dots.** The dots are 1-bit stencils (/ImageMask) placed so that one
stencil pixel is one 600 dpi printer pixel, their corners on whole printer pixels counted from
the page's top-left corner: a renderer maps image pixels to device pixels one to one (a shift of
the whole page moves every dot alike and keeps its size). A vector square of 0.12 pt would not
hold: PDF and PostScript paint every device pixel a shape touches, so a dot half a pixel off
the grid grows a pixel each way, a single pixel to 2 x 2 (four times its ink), a 3 x 3 dot to
4 x 4 (less than twice): the tones would part and the word show. Checked: poppler and Ghostscript at 600 dpi draw the tint
pixel for pixel (tests/test_copy_test.py holds poppler to it).

**What the kiosk's printer must do.** Print the PDF at 100 % (no fit-to-page: any scaling
resamples the stencils) on a 600 or 1200 dpi engine (at 1200 each dot is 2 x 2 device pixels);
print black as black toner alone (K only: not a rich black, not a halftone of grey), so a dot
is solid toner; and hold isolated single 600 dpi pixels: a printer that drops or swells lone
pixels more than 3 x 3 dots prints the background lighter or darker than the word, which then
shows on the original. Laser printers differ in this (dot gain): print a sheet, scan it at
600 dpi and measure the two tones with bench/copy_test.py's ``measure`` on the scan; a printer
that swells lone pixels needs the latent dot made larger (a 10th pixel) to match. A printer
or viewer rendering below 600 dpi averages the dots differently in the two patterns: on a
screen or a 300 dpi picture the word can show (as under a 3x loupe on paper); it is paper at
reading distance that the tint is made for. To look at a page as the eye sees paper, render it
at 600 dpi and blur it (bench/copy_test.py writes such pictures).

**The word.** 「複写」 in BIZ UDPGothic (even strokes, each several cells wide), 120 pt, four
times on the page, its cells kept as a picture (assets/tint/latent-word.png, made by
``python -m printing.security.tint``) so that every verifier that draws a page again
(printing.redraw) draws the same cells whatever its font rasteriser. Inside the sheet's 4 mm
margin (printing.geometry) like everything else printed.

**Size.** The background is one strip of 756 printer rows drawn nine times, and each word two
stencils (its cells at one pixel a cell, scaled by 9, in white to clear the background; its dots
in black): about 5 KB a PDF, drawn once per PDF as a form XObject used by every page.
"""
from __future__ import annotations

import zlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

from printing import geometry as g

if TYPE_CHECKING:
    from PIL import Image

FORM_NAME = "tint"
LATENT_WORD = "複写"
CELL = 9  # printer pixels: the side of the square cell the pattern repeats in
# A background cell: nine dots of one printer pixel (row, column in the cell), none touching
# another, in a rosette about the cell's centre. 9 of 81 pixels: 1/9 of the paper.
BACKGROUND_DOTS = ((1, 4), (2, 2), (2, 6), (4, 1), (4, 4), (4, 7), (6, 2), (6, 6), (7, 4))
# A latent cell: one dot of 3 x 3 printer pixels at the centre. 9 of 81 pixels, as the background.
LATENT_DOTS = tuple((row, column) for row in (3, 4, 5) for column in (3, 4, 5))
# The latent word's cells (one PNG pixel a cell, white = latent), made from the bundled font by
# ``python -m printing.security.tint``: a picture, so that every verifier draws the same cells.
LATENT_CELLS_PNG = Path(__file__).resolve().parents[2] / "assets" / "tint" / "latent-word.png"
LATENT_FONT = "BIZUDPGothic-Regular"  # strokes of even weight: every stroke several cells wide
LATENT_SIZE_PX = 1000  # 120 pt
# Where each copy of the word sits: its top-left cell, counted in cells from the tint's top-left.
LATENT_AT = ((28, 148), (276, 148), (28, 428), (276, 428))
# Every picture is placed this far (in printer pixels) right of and below the pixel corner it
# belongs at: a renderer that floors coordinates (poppler) or rounds them (Ghostscript) then
# finds the same pixel, where 4-decimal coordinates a hair above the corner would move it a row.
NUDGE = 0.05
STRIP_CELLS = 84  # the background is one strip this many cells high, drawn down the page

assert g.TINT_WIDTH_PX % CELL == 0 and g.TINT_HEIGHT_PX % (CELL * STRIP_CELLS) == 0
assert len(set(BACKGROUND_DOTS)) == len(set(LATENT_DOTS))  # the same share of the paper


def define_tint(canvas: Canvas, font: str | None = None) -> None:
    """Record the tint as a form; each page then shows it with ``canvas.doForm(FORM_NAME)``.
    (``font`` is not used: the latent word's cells are a picture.)"""
    strip, cells, dots = (Stencil(*image) for image in _images())
    canvas.beginForm(FORM_NAME, lowerx=0, lowery=0, upperx=g.PAGE_WIDTH, uppery=g.PAGE_HEIGHT)
    names = {}
    for name, obj in (("tint_strip", strip), ("tint_cells", cells), ("tint_dots", dots)):
        names[name] = canvas._doc.getXObjectName(name)
        canvas._doc.Reference(obj, names[name])
        canvas._formsinuse.append(name)
    code = ["q 0 g"]  # black: a printer lays solid toner for it, never a screen of its own
    height = STRIP_CELLS * CELL
    for top in range(0, g.TINT_HEIGHT_PX, height):
        code.append(place(names["tint_strip"], 0, top, g.TINT_WIDTH_PX, height))
    rows, columns = (side * CELL for side in latent_cells().shape)
    code.append("1 g")  # white: the background's dots out of the latent cells
    code.extend(place(names["tint_cells"], column * CELL, row * CELL, columns, rows) for column, row in LATENT_AT)
    code.append("0 g")
    code.extend(place(names["tint_dots"], column * CELL, row * CELL, columns, rows) for column, row in LATENT_AT)
    code.append("Q")
    canvas._code.append("\n".join(code))
    canvas.endForm()


def place(name: str, left: int, top: int, width: int, height: int) -> str:
    """Paint a stencil over ``width`` x ``height`` printer pixels, its top-left ``left, top``
    pixels from the tint's (whole pixels from the page's top-left corner)."""
    unit = g.TINT_PIXEL
    x = (g.TINT_LEFT_PX + left + NUDGE) * unit
    y = g.PAGE_HEIGHT - (g.TINT_TOP_PX + top + height + NUDGE) * unit
    return f"q {width * unit:.4f} 0 0 {height * unit:.4f} {x:.4f} {y:.4f} cm /{name} Do Q"


class Stencil(pdfdoc.PDFObject):
    """A 1-bit stencil (/ImageMask): its set pixels are painted in the current colour, the others
    left alone. Already Flate-compressed; a new object for each PDF (reportlab names an object
    for the one document it is in), the same bytes in all."""

    def __init__(self, width: int, height: int, data: bytes) -> None:
        self.width, self.height, self.data = width, height, data

    def format(self, document) -> bytes:
        stream = pdfdoc.PDFStream(content=self.data)
        entries = stream.dictionary
        entries["Type"] = pdfdoc.PDFName("XObject")
        entries["Subtype"] = pdfdoc.PDFName("Image")
        entries["Width"] = self.width
        entries["Height"] = self.height
        entries["ImageMask"] = "true"
        entries["BitsPerComponent"] = 1
        entries["Filter"] = pdfdoc.PDFName("FlateDecode")
        entries["Length"] = len(self.data)
        return stream.format(document)


@cache
def _images() -> tuple[tuple[int, int, bytes], ...]:
    """The background strip, the word's latent cells (one pixel a cell) and its latent dots, as
    (width, height, Flate data): built once per process (about 40 ms)."""
    cells = latent_cells()
    return tuple(packed(ink) for ink in (background(STRIP_CELLS * CELL, g.TINT_WIDTH_PX), cells, latent_dots(cells)))


def packed(ink: np.ndarray) -> tuple[int, int, bytes]:
    """A stencil's stream: a 0 bit is painted (the default /Decode [0 1])."""
    height, width = ink.shape
    return width, height, zlib.compress(np.packbits(~ink, axis=1).tobytes(), 9)


def _cell(dots: tuple[tuple[int, int], ...]) -> np.ndarray:
    ink = np.zeros((CELL, CELL), bool)
    ink[tuple(zip(*dots))] = True
    return ink


def background(height: int, width: int) -> np.ndarray:
    """Background dots over ``height`` x ``width`` printer pixels (whole cells)."""
    return np.tile(_cell(BACKGROUND_DOTS), (height // CELL, width // CELL))


def latent_dots(cells: np.ndarray) -> np.ndarray:
    """The latent dots of a box of whole cells: one in each latent cell, none elsewhere."""
    return np.tile(_cell(LATENT_DOTS), cells.shape) & np.kron(cells, np.ones((CELL, CELL), bool))


def tint_ink() -> np.ndarray:
    """The whole tint box at printer pixels (True: ink), as drawn: what the tests hold a
    rasterised page against."""
    cells = latent_mask()
    return np.where(np.kron(cells, np.ones((CELL, CELL), bool)), latent_dots(cells),
                    background(g.TINT_HEIGHT_PX, g.TINT_WIDTH_PX))


def latent_mask() -> np.ndarray:
    """The latent cells over the whole tint box, one element a cell (True: latent)."""
    cells = latent_cells()
    rows, columns = cells.shape
    whole = np.zeros((g.TINT_HEIGHT_PX // CELL, g.TINT_WIDTH_PX // CELL), bool)
    for column, row in LATENT_AT:
        whole[row : row + rows, column : column + columns] = cells
    return whole


@cache
def latent_cells() -> np.ndarray:
    from PIL import Image

    with Image.open(LATENT_CELLS_PNG) as image:
        return np.asarray(image.convert("L")) > 127


def make_latent_cells() -> Image.Image:
    """The word set in the bundled font at ``LATENT_SIZE_PX``, a cell latent where the glyphs
    cover at least half of it; one cell of paper all round."""
    from PIL import Image, ImageDraw, ImageFont

    from printing.fonts import FONTS_DIR

    face = ImageFont.truetype(str(FONTS_DIR / f"{LATENT_FONT}.ttf"), LATENT_SIZE_PX)
    left, top, right, bottom = face.getbbox(LATENT_WORD)
    picture = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(picture).text((-left, -top), LATENT_WORD, font=face, fill=255)
    ink = np.asarray(picture, np.float32) / 255
    rows, columns = -(-ink.shape[0] // CELL), -(-ink.shape[1] // CELL)
    padded = np.zeros((rows * CELL, columns * CELL), np.float32)
    padded[: ink.shape[0], : ink.shape[1]] = ink
    cover = padded.reshape(rows, CELL, columns, CELL).mean(axis=(1, 3)) >= 0.5
    framed = np.zeros((_fours(rows + 2), _fours(columns + 2)), bool)  # pictures of 36k pixels: see geometry
    framed[1 : rows + 1, 1 : columns + 1] = cover
    return Image.fromarray(np.where(framed, 255, 0).astype(np.uint8)).convert("1")


def _fours(n: int) -> int:
    return -(-n // 4) * 4


if __name__ == "__main__":
    LATENT_CELLS_PNG.parent.mkdir(parents=True, exist_ok=True)
    make_latent_cells().save(LATENT_CELLS_PNG, optimize=True)
    print(f"wrote {LATENT_CELLS_PNG}")
