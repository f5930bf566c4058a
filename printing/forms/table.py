"""The plain two-column table (label | value, sections under grey heading bands): the shape of
pages whose kind has no form of its own, and the fallback the planner's tests use."""
from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas

from printing import geometry as g
from printing.forms.base import (
    HEADING_FILL,
    Marks,
    Namer,
    Shape,
    blocks,
    draw_seal,
    ruled,
)
from printing.model import Item, Row, Section


def item_row(item: Item, font: str, section: Section | None = None) -> Row:
    if item.drawn_as_seal:
        return Row(g.SEAL_ROW_HEIGHT, (item,), ((item.value,),), section)
    lines = g.wrap(item.value, font, g.TEXT_SIZE, g.CONTENT_WIDTH - g.LABEL_WIDTH - 2 * g.CELL_PAD)
    return Row(g.row_height(len(lines)), (item,), (lines,), section)


def draw_item_row(canvas: Canvas, font: str, row: Row, y: float, x0: float, x1: float, label_width: float,
                  marks: Marks, name: str) -> None:
    """One label | value row from ``x0`` to ``x1`` with its bottom at ``y``: the value at
    ``label_width`` + pad, its first baseline a pad and a line below the row's top."""
    item = row.items[0]
    value_x = x0 + label_width
    canvas.line(x0, y, x1, y)
    canvas.line(value_x, y, value_x, y + row.height)
    canvas.setFont(font, g.TEXT_SIZE)
    first = y + row.height - g.CELL_PAD - g.TEXT_SIZE
    canvas.drawString(x0 + g.CELL_PAD, first, item.label)
    if item.drawn_as_seal:
        draw_seal(canvas, item, value_x + 48, y + row.height / 2, row.height - 12, marks)
    else:
        for number, line in enumerate(row.lines[0]):
            canvas.drawString(value_x + g.CELL_PAD, first - number * g.LEADING, line)
    marks.region(name, (x0, y, x1, y + row.height), item.value)


class TableShape(Shape):
    def header_rows(self, items: tuple[Item, ...], font: str) -> tuple[Row, ...]:
        return tuple(item_row(item, font) for item in items)

    def rows(self, section: Section, items: tuple[Item, ...], font: str) -> tuple[Row, ...]:
        return tuple(item_row(item, font, section) for item in items)

    def paint(self, canvas: Canvas, font: str, header: tuple[Row, ...], rows: tuple[Row, ...], marks: Marks) -> float:
        self._table(canvas, font, header, g.TABLE_TOP, marks)
        return self._table(canvas, font, rows, self.body_top(header), marks)

    def _table(self, canvas: Canvas, font: str, rows: tuple[Row, ...], top: float, marks: Marks) -> float:
        if not rows:
            return top
        canvas.saveState()
        ruled(canvas)
        y = top
        namer = Namer(self.group)
        for heading, under in blocks(rows):
            if heading is not None:
                y -= heading.height
                self._heading(canvas, font, heading, y, namer, marks)
            for row in under:
                y -= row.height
                draw_item_row(canvas, font, row, y, g.LEFT, g.RIGHT, g.LABEL_WIDTH, marks, namer.name(row.items[0].label))
        canvas.rect(g.LEFT, y, g.CONTENT_WIDTH, top - y, stroke=1, fill=0)
        canvas.restoreState()
        return y

    def _heading(self, canvas: Canvas, font: str, row: Row, y: float, namer: Namer, marks: Marks) -> None:
        section = row.section
        where = namer.enter(section.heading)
        canvas.setFillColorRGB(*HEADING_FILL)
        canvas.rect(g.LEFT, y, g.CONTENT_WIDTH, row.height, stroke=1, fill=1)
        canvas.setFillColorRGB(0, 0, 0)
        canvas.setFont(font, 10.5)
        canvas.drawString(g.LEFT + g.CELL_PAD, y + 5, section.heading + ("（続き）" if row.continued else ""))
        if section.mark:
            canvas.setFont(font, 9)
            x = g.RIGHT - 40
            canvas.rect(x - 3, y + 3, 32, row.height - 6, stroke=1, fill=0)
            canvas.drawString(x + 1, y + 5.5, section.mark)
        marks.region(f"見出し（{where}）", (g.LEFT, y, g.RIGHT, y + row.height),
                     section.heading + (f"　{section.mark}" if section.mark else ""))


TABLE = TableShape()
