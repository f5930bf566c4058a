"""印鑑登録証明書: the 印影 in its square frame on the left, the holder's items beside it
(氏名, フリガナ, 生年月日, 性別, 住所, 登録番号, 登録日), one ruled block, as the forms print it."""
from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas

from printing import geometry as g
from printing.forms.base import (
    Marks,
    Namer,
    Shape,
    blocks,
    draw_seal,
    frame,
    ruled,
)
from printing.forms.table import draw_item_row, item_row
from printing.model import Item, Row, Section

SEAL_COLUMN = 130.0  # the 印影's column
SEAL_SIDE = 72.0  # its frame: about 25 mm, a registered seal is at most 25 mm square
LABEL = 80.0


class InkanShape(Shape):
    header_gap = 6.0

    def heading_height(self, section: Section, continued: bool) -> float:
        return 0.0  # one block, no heading band

    def header_rows(self, items: tuple[Item, ...], font: str) -> tuple[Row, ...]:
        return tuple(item_row(item, font) for item in items)

    def rows(self, section: Section, items: tuple[Item, ...], font: str) -> tuple[Row, ...]:
        """The block as one band: the seal (if any) and the lines beside it."""
        width = g.CONTENT_WIDTH - SEAL_COLUMN - LABEL - 2 * g.CELL_PAD
        lines = tuple((item.value,) if item.drawn_as_seal else g.wrap(item.value, font, g.TEXT_SIZE, width)
                      for item in items)
        text = sum(g.row_height(len(line)) for item, line in zip(items, lines) if not item.drawn_as_seal)
        return (Row(max(text, SEAL_SIDE + 24), items, lines, section),) if items else ()

    def paint(self, canvas: Canvas, font: str, header: tuple[Row, ...], rows: tuple[Row, ...], marks: Marks) -> float:
        canvas.saveState()
        ruled(canvas)
        namer = Namer(self.group)
        y = g.TABLE_TOP
        for row in header:
            y -= row.height
            draw_item_row(canvas, font, row, y, g.LEFT, g.RIGHT, g.LABEL_WIDTH, marks, row.items[0].label)
        y = self.body_top(header)
        for heading, under in blocks(rows):
            if heading is not None:
                namer.enter(heading.section.heading)
                y -= heading.height
            for row in under:
                top, y = y, y - row.height
                self._band(canvas, font, row, top, namer, marks)
                frame(canvas, top, y)
        canvas.restoreState()
        return y

    def _band(self, canvas: Canvas, font: str, row: Row, top: float, namer: Namer, marks: Marks) -> None:
        bottom = top - row.height
        x = g.LEFT + SEAL_COLUMN
        canvas.line(x, bottom, x, top)
        y = top
        for item, lines in zip(row.items, row.lines):
            name = namer.name(item.label)
            if item.drawn_as_seal:
                canvas.setFont(font, 8)
                canvas.drawString(g.LEFT + g.CELL_PAD, top - 11, item.label)
                draw_seal(canvas, item, g.LEFT + SEAL_COLUMN / 2, (top + bottom) / 2 - 4, SEAL_SIDE, marks)
                marks.region(name, (g.LEFT, bottom, x, top), item.value)
                continue
            height = g.row_height(len(lines))
            y -= height
            draw_item_row(canvas, font, Row(height, (item,), (lines,), row.section), y, x, g.RIGHT, LABEL, marks, name)
        canvas.setFillColorRGB(0, 0, 0)


INKAN = InkanShape()
