"""所得・課税証明書 and 非課税証明書: the 納税義務者's box, then the figures as the forms print
them: the income by kind (所得の種類 | 収入金額 | 所得金額, with 合計所得金額 and 総所得金額), the
deductions (控除の種類 | 金額, two to a line, and their 所得控除額合計), the 課税標準額 and the
taxes (市町村民税 and 道府県民税 by 所得割 | 均等割 | 年税額).

The sections (printing.layouts.common.tax_composition) tell the tables apart by their
headings; a table row's cells are one item whose value holds them separated by U+3000. The
column headings are the form's own words. Every field of the figures is named 「…（所得・課税の
内容）」 in the verifier's report, the form's lower part, whichever table it is in.
"""
from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas

from printing import geometry as g
from printing.forms.base import (
    CELL_SEP,
    HEADING_FILL,
    Marks,
    Namer,
    Shape,
    blocks,
    frame,
    ruled,
)
from printing.forms.cells import LineTemplate, cells_of, measure_band, paint_band
from printing.forms.table import draw_item_row, item_row
from printing.model import Item, Row, Section

TAXPAYER, INCOME, DEDUCTIONS, TAX = "納税義務者", "所得の内容", "所得控除の内容", "税額の内容"
FIGURES = "所得・課税の内容"
DEDUCTION_TOTAL = "所得控除額合計"
LEVIES = frozenset({"市町村民税", "道府県民税"})
SIDE = 22.0  # the 納税義務者 column, its name written downwards
PERSON_LABEL = 80.0
LINE = 18.0  # a table line
HEAD = 15.0  # a table's column headings
CAPTION = 17.0  # a table's heading above it
HEADER = LineTemplate(((("年度", 1.0), ("所得の年", 1.0)),))
INCOME_COLUMNS = (("所得の種類", 190.0), ("収入金額", 160.0), ("所得金額", g.CONTENT_WIDTH - 350.0))
DEDUCTION_COLUMNS = (("控除の種類", 150.0), ("金額", g.CONTENT_WIDTH / 2 - 150.0)) * 2
LEVY_COLUMNS = (("区分", 130.0), ("所得割", 127.0), ("均等割", 127.0), ("年税額", g.CONTENT_WIDTH - 384.0))


def _parts(item: Item, count: int) -> tuple[str, ...]:
    """A table row's cells, right-aligned into the last ``count`` columns."""
    parts = tuple(item.value.split(CELL_SEP))
    if len(parts) > count:
        raise ValueError(f"{item.label!r}: more cells than the table has columns")
    return ("",) * (count - len(parts)) + parts


class TaxShape(Shape):
    header_gap = 8.0

    def group(self, heading: str) -> str:
        return heading if heading == TAXPAYER else FIGURES

    def heading_height(self, section: Section, continued: bool) -> float:
        return 6.0 if section.heading == TAXPAYER and not continued else CAPTION

    def header_rows(self, items: tuple[Item, ...], font: str) -> tuple[Row, ...]:
        return tuple(measure_band(cells, g.CONTENT_WIDTH, font, None) for cells in cells_of(HEADER, items))

    def rows(self, section: Section, items: tuple[Item, ...], font: str) -> tuple[Row, ...]:
        heading = section.heading
        if not items:
            return ()
        if heading == TAXPAYER:
            width = g.CONTENT_WIDTH - SIDE - PERSON_LABEL - 2 * g.CELL_PAD
            return tuple(Row(g.row_height(len(lines)), (item,), (lines,), section)
                         for item in items for lines in (g.wrap(item.value, font, g.TEXT_SIZE, width),))
        if heading == INCOME:  # the whole table: its column headings, lines and totals
            lines = tuple(_parts(item, 2) for item in items)  # a total: its 所得金額 alone
            return (Row(HEAD + LINE * len(items), items, lines, section),)
        if heading == DEDUCTIONS:
            kinds = [item for item in items if item.label != DEDUCTION_TOTAL]
            totals = len(items) - len(kinds)
            lines = tuple((item.value,) for item in items)
            return (Row(HEAD + LINE * ((len(kinds) + 1) // 2 + totals), items, lines, section),)
        if heading == TAX:
            out: list[Row] = []
            run: list[Item] = []
            for item in (*items, None):  # the levies as one table, the other items two to a line
                levy = item is not None and item.label in LEVIES
                if run and (item is None or (run[0].label in LEVIES) != levy or (not levy and len(run) == 2)):
                    out.append(self._tax_row(tuple(run), font, section))
                    run = []
                if item is not None:
                    run.append(item)
            return tuple(out)
        return tuple(item_row(item, font, section) for item in items)

    def _tax_row(self, items: tuple[Item, ...], font: str, section: Section) -> Row:
        if items[0].label in LEVIES:
            return Row(HEAD + LINE * len(items), items, tuple(_parts(item, 3) for item in items), section)
        width = g.CONTENT_WIDTH / 2 - g.LABEL_WIDTH - 2 * g.CELL_PAD
        lines = tuple(g.wrap(item.value, font, g.TEXT_SIZE, width) for item in items)
        return Row(g.row_height(max(len(line) for line in lines)), items, lines, section)

    def paint(self, canvas: Canvas, font: str, header: tuple[Row, ...], rows: tuple[Row, ...], marks: Marks) -> float:
        canvas.saveState()
        ruled(canvas)
        y = g.TABLE_TOP
        namer = Namer(self.group)
        for row in header:
            paint_band(canvas, font, HEADER, row, g.LEFT, g.RIGHT, y, namer, marks)
            y -= row.height
        if header:
            canvas.rect(g.LEFT, y, g.CONTENT_WIDTH, g.TABLE_TOP - y, stroke=1, fill=0)
        y = self.body_top(header)
        for heading, under in blocks(rows):
            section = heading.section
            where = namer.enter(section.heading)
            if section.heading != TAXPAYER or heading.continued:
                canvas.setFont(font, 9.5)
                canvas.drawString(g.LEFT + 1, y - CAPTION + 5,
                                  section.heading + ("（続き）" if heading.continued else ""))
            y -= heading.height
            top = y
            for row in under:
                self._paint_row(canvas, font, row, y, namer, marks)
                y -= row.height
            if section.heading == TAXPAYER:
                self._side(canvas, font, TAXPAYER, top, y)
            marks.region(f"見出し（{where}）", (g.LEFT, y, g.RIGHT, top + heading.height), section.heading)
            frame(canvas, top, y)
        canvas.restoreState()
        return y

    def _paint_row(self, canvas: Canvas, font: str, row: Row, top: float, namer: Namer, marks: Marks) -> None:
        heading = row.section.heading
        bottom = top - row.height
        if heading == TAXPAYER:
            draw_item_row(canvas, font, row, bottom, g.LEFT + SIDE, g.RIGHT, PERSON_LABEL, marks,
                          namer.name(row.items[0].label))
        elif heading == INCOME:
            self._table(canvas, font, row, top, INCOME_COLUMNS, namer, marks)
        elif heading == DEDUCTIONS:
            self._deductions(canvas, font, row, top, namer, marks)
        elif heading == TAX and row.items[0].label in LEVIES:
            self._table(canvas, font, row, top, LEVY_COLUMNS, namer, marks)
        elif heading == TAX:  # label | value cells side by side, half the width each
            half = g.CONTENT_WIDTH / 2
            for n, (item, lines) in enumerate(zip(row.items, row.lines)):
                x0 = g.LEFT + n * half
                draw_item_row(canvas, font, Row(row.height, (item,), (lines,), row.section), bottom, x0, x0 + half,
                              g.LABEL_WIDTH, marks, namer.name(item.label))
            canvas.line(g.LEFT + half * len(row.items), bottom, g.LEFT + half * len(row.items), top)
        else:
            draw_item_row(canvas, font, row, bottom, g.LEFT, g.RIGHT, g.LABEL_WIDTH, marks, namer.name(row.items[0].label))

    def _head(self, canvas: Canvas, font: str, columns, top: float) -> float:
        """The column headings, shaded; returns the y under them."""
        canvas.setFillColorRGB(*HEADING_FILL)
        canvas.rect(g.LEFT, top - HEAD, g.CONTENT_WIDTH, HEAD, stroke=1, fill=1)
        canvas.setFillColorRGB(0, 0, 0)
        canvas.setFont(font, 8)
        x = g.LEFT
        for name, width in columns:
            canvas.drawCentredString(x + width / 2, top - HEAD + 4.5, name)
            if x > g.LEFT:
                canvas.line(x, top - HEAD, x, top)
            x += width
        return top - HEAD

    def _table(self, canvas: Canvas, font: str, row: Row, top: float, columns, namer: Namer, marks: Marks) -> None:
        y = self._head(canvas, font, columns, top)
        for item, cells in zip(row.items, row.lines):
            bottom = y - LINE
            canvas.line(g.LEFT, bottom, g.RIGHT, bottom)
            canvas.setFont(font, g.TEXT_SIZE)
            canvas.drawString(g.LEFT + g.CELL_PAD, bottom + 5, item.label)
            x = g.LEFT + columns[0][1]
            for (_, width), cell in zip(columns[1:], cells):
                canvas.line(x, bottom, x, y)
                if cell:
                    canvas.drawRightString(x + width - g.CELL_PAD - 2, bottom + 5, cell)
                x += width
            marks.region(namer.name(item.label), (g.LEFT, bottom, g.RIGHT, y), item.value)
            y = bottom

    def _deductions(self, canvas: Canvas, font: str, row: Row, top: float, namer: Namer, marks: Marks) -> None:
        y = self._head(canvas, font, DEDUCTION_COLUMNS, top)
        half = g.CONTENT_WIDTH / 2
        kind_width = DEDUCTION_COLUMNS[0][1]
        column = 0
        canvas.setFont(font, g.TEXT_SIZE)
        for item in row.items:
            total = item.label == DEDUCTION_TOTAL
            if total and column:  # a total starts a line of its own
                y -= LINE
                column = 0
            x0 = g.LEFT + (0 if total else column * half)
            x1 = g.RIGHT if total else x0 + half
            bottom = y - LINE
            canvas.line(x0, bottom, x1, bottom)
            canvas.drawString(x0 + g.CELL_PAD, bottom + 5, item.label)
            canvas.drawRightString(x1 - g.CELL_PAD - 2, bottom + 5, item.value)
            if not total:
                canvas.line(x0 + kind_width, bottom, x0 + kind_width, y)
            else:
                canvas.line(g.RIGHT - DEDUCTION_COLUMNS[1][1], bottom, g.RIGHT - DEDUCTION_COLUMNS[1][1], y)
            marks.region(namer.name(item.label), (x0, bottom, x1, y), item.value)
            if total:
                y = bottom
            elif column == 1:
                canvas.line(g.LEFT + half, bottom, g.LEFT + half, y)
                y, column = bottom, 0
            else:
                column = 1
        if column:  # an odd number of deductions: the last line's right half is empty
            canvas.line(g.LEFT + half, y - LINE, g.LEFT + half, y)
            canvas.line(g.LEFT, y - LINE, g.RIGHT, y - LINE)

    def _side(self, canvas: Canvas, font: str, text: str, top: float, bottom: float) -> None:
        """The block's name written downwards in its narrow left column."""
        canvas.line(g.LEFT + SIDE, bottom, g.LEFT + SIDE, top)
        canvas.setFont(font, 9.5)
        step = 11.0
        first = (top + bottom) / 2 + step * (len(text) - 1) / 2 - 3.3
        for n, char in enumerate(text):
            canvas.drawCentredString(g.LEFT + SIDE / 2, first - n * step, char)


TAX_FORM = TaxShape()
