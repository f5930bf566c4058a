"""What every form's shape shares: the regions it records, the painting helpers, and the
``Shape`` protocol the planner and the sheet painter call.

A shape is chosen from the certificate kind alone (``printing.forms.shape_for``), which the
page's signed code carries: the verifier picks the same shape and draws the page again from
the code's lines, so a shape's grouping and measuring may depend on nothing but the items it
is given (their labels, values and order) and the section they belong to.
"""
from __future__ import annotations

from dataclasses import dataclass

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from printing import geometry as g
from printing.impression import RecipeError, impression_png
from printing.model import Item, Row, Section
from printing.seal_art import PictureError, draw_impression

RULE = 0.6
BOLD_RULE = 1.0
GRID = (0.25, 0.25, 0.25)
HEADING_FILL = (0.9, 0.9, 0.9)
CELL_SEP = "\u3000"  # separates the cells of one table row inside a signed value (tax tables)


@dataclass(frozen=True)
class Region:
    """Where one field of the page is drawn: a box in points (x0, y0, x1, y1; PDF axes, y up)."""

    name: str  # the item's label (with its section), or the part of the sheet, e.g. 発行番号
    box: tuple[float, float, float, float]
    value: str = ""  # what the field shows, as signed


@dataclass
class Marks:
    """What painting records besides ink: regions (for the verifier) and where each seal's own
    「見本」 goes on samples (centre, size). Either may be None: not recorded."""

    regions: list[Region] | None = None
    seals: list[tuple[float, float, float]] | None = None

    def region(self, name: str, box: tuple[float, float, float, float], value: str = "") -> None:
        if self.regions is not None:
            self.regions.append(Region(name, box, value))

    def seal(self, cx: float, cy: float, size: float) -> None:
        if self.seals is not None:
            self.seals.append((cx, cy, size))


class Namer:
    """Names a field by its label and its section as seen on this page: the second section of
    the same heading on a page is 「… 2」, so every field's name says which one it is."""

    def __init__(self, group=lambda heading: heading) -> None:
        self._seen: dict[str, int] = {}
        self._group = group
        self.where = ""

    def enter(self, heading: str) -> str:
        self._seen[heading] = self._seen.get(heading, 0) + 1
        self.where = self._group(heading) + (f" {self._seen[heading]}" if self._seen[heading] > 1 else "")
        return self.where

    def name(self, label: str) -> str:
        return label + (f"（{self.where}）" if self.where else "")


def text_box(font: str, size: float, text: str, x: float, baseline: float, align: str = "left") -> tuple[float, float, float, float]:
    width = stringWidth(text, font, size)
    x0 = {"left": x, "right": x - width, "centre": x - width / 2}[align]
    return (x0, baseline - 0.25 * size, x0 + width, baseline + 0.9 * size)


def blocks(rows: tuple[Row, ...]) -> list[tuple[Row | None, list[Row]]]:
    """A page's rows as (heading, the rows under it) per section, in order."""
    out: list[tuple[Row | None, list[Row]]] = []
    for row in rows:
        if not row.items:
            out.append((row, []))
        elif out:
            out[-1][1].append(row)
        else:
            out.append((None, [row]))
    return out


def spaced(label: str) -> str:
    """A two-character item name spread over four, as forms print 本　籍 and 氏　名."""
    return "\u3000".join(label) if len(label) == 2 else label


def draw_seal(canvas: Canvas, item: Item, cx: float, cy: float, side: float, marks: Marks) -> None:
    """The 印影 in its square frame: the registry's picture or, on a redrawing (no picture), the
    picture its signed recipe draws again. Never typeset: an item with neither cannot be printed."""
    canvas.saveState()
    canvas.setStrokeColorRGB(*GRID)
    canvas.setLineWidth(RULE)
    canvas.rect(cx - side / 2, cy - side / 2, side, side, stroke=1, fill=0)
    canvas.restoreState()
    try:
        picture = item.seal_picture or (impression_png(item.value, item.seal_recipe) if item.seal_recipe else b"")
        if not picture:
            raise ValueError("no picture and no recipe")
        draw_impression(canvas, picture, cx, cy)
    except (RecipeError, PictureError, ValueError) as exc:
        raise ValueError(f"the 印影 cannot be drawn: {exc}") from None
    marks.seal(cx + side * 0.22, cy - side * 0.22, side * 0.5)  # across its lower right: marked, and still seen


class Shape:
    """How one family of forms groups, measures and paints the rows of a page. Subclasses
    override what differs; the planner (printing.paginate) only measures, the sheet paints."""

    header_gap = 6.0  # between the header band and the body
    form: str | None = None  # the form version its pages sign (printing.forms); None: the plain table, unsigned

    def group(self, heading: str) -> str:
        """The name a section's fields carry in their regions."""
        return heading

    def heading_height(self, section: Section, continued: bool) -> float:
        return g.HEADING_HEIGHT

    def header_rows(self, items: tuple[Item, ...], font: str) -> tuple[Row, ...]:
        raise NotImplementedError

    def rows(self, section: Section, items: tuple[Item, ...], font: str) -> tuple[Row, ...]:
        """The section's items (all of them, or those on one page: both must give the same
        bands from any band boundary on) grouped into bands and measured."""
        raise NotImplementedError

    def body_top(self, header: tuple[Row, ...]) -> float:
        return g.TABLE_TOP - sum(row.height for row in header) - (self.header_gap if header else 0)

    def paint(self, canvas: Canvas, font: str, header: tuple[Row, ...], rows: tuple[Row, ...], marks: Marks) -> float:
        """Header from ``g.TABLE_TOP``, body from ``body_top``; returns the y under the last row."""
        raise NotImplementedError


def frame(canvas: Canvas, top: float, bottom: float) -> None:
    """A block's bold frame across the content width from ``top`` down to ``bottom``; the thin
    rule is the width again after it."""
    canvas.setLineWidth(BOLD_RULE)
    canvas.rect(g.LEFT, bottom, g.CONTENT_WIDTH, top - bottom, stroke=1, fill=0)
    canvas.setLineWidth(RULE)


def ruled(canvas: Canvas, width: float = RULE) -> None:
    canvas.setStrokeColorRGB(*GRID)
    canvas.setLineWidth(width)
    canvas.setFillColorRGB(0, 0, 0)
