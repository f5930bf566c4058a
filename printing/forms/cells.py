"""Forms of ruled cells, each a small item name above its value, several cells to a line: the
住民票 (MIC standard form, 連記式 and 個票式), the 住民票記載事項証明書 and the 戸籍の附票.

Every person is a ruled block with a narrow left column holding their number. Where an item
goes is fixed by its label (``LineTemplate``): the items of one line that are present share
its width by their weights; an item of weight 0 (フリガナ) is printed small beside the name of
the next cell; items of a ``stacked`` label (備考) fill one cell, one under another; a label
the template does not know gets a line of its own. Grouping looks at consecutive labels only,
so the bands of a block cut over two pages are the same on each page as in the whole block.
"""
from __future__ import annotations

from dataclasses import dataclass

from reportlab.pdfgen.canvas import Canvas

from printing import geometry as g
from printing.forms.base import (
    Marks,
    Namer,
    Shape,
    blocks,
    frame,
    ruled,
    text_box,
)
from printing.model import Item, Row, Section

NUMBER_WIDTH = 22.0  # the person's number column
LABEL_SIZE = 6.5  # the item's name, small, at the cell's top left
LABEL_BAND = 9.5  # the name's band above the value
RUBY_SIZE = 7.0  # フリガナ beside the name's label
PAD = 3.5
# Under a cell's last line: the descenders' room and no more, so that a household of four with
# its 備考 (five bands a person) fits one sheet above the closing block, as the paper forms do.
FOOT = 2.0
BLOCK_GAP = 5.0  # between two persons' blocks


@dataclass(frozen=True)
class LineTemplate:
    lines: tuple[tuple[tuple[str, float], ...], ...]  # per line: (label, weight) in print order
    stacked: frozenset[str] = frozenset()  # labels whose items fill one cell, one under another

    def place(self, label: str) -> tuple[int, float] | None:
        for number, line in enumerate(self.lines):
            for name, weight in line:
                if name == label:
                    return number, weight
        return None


@dataclass(frozen=True)
class Cell:
    items: tuple[Item, ...]  # one, or the stacked items (備考)
    weight: float
    ruby: tuple[Item, ...] = ()  # フリガナ, printed small beside the cell's name, before its items


def cells_of(template: LineTemplate, items: tuple[Item, ...]) -> list[list[Cell]]:
    """Consecutive items of one template line (or one stacked label) as the cells of a band."""
    bands: list[tuple[object, list[Item]]] = []
    for n, item in enumerate(items):
        place = template.place(item.label)
        key: object = place[0] if place else ("own", n)
        if bands and bands[-1][0] == key:
            bands[-1][1].append(item)
        else:
            bands.append((key, [item]))
    out = []
    for _, band in bands:
        cells: list[Cell] = []
        ruby: list[Item] = []
        for item in band:
            place = template.place(item.label)
            weight = place[1] if place else 1.0
            if weight == 0:
                ruby.append(item)
            elif item.label in template.stacked and cells and cells[-1].items[-1].label == item.label:
                cells[-1] = Cell((*cells[-1].items, item), cells[-1].weight, cells[-1].ruby)
            else:
                cells.append(Cell((item,), weight, tuple(ruby)))
                ruby = []
        if ruby:  # a フリガナ without its name: a cell of its own
            cells.append(Cell(tuple(ruby), 1.0))
        out.append(cells)
    return out


def _widths(cells: list[Cell], width: float) -> list[float]:
    total = sum(cell.weight for cell in cells)
    return [width * cell.weight / total for cell in cells]


def measure_band(cells: list[Cell], width: float, font: str, section: Section | None) -> Row:
    """A band of cells: the items in order, each value wrapped to its cell (a フリガナ: one line)."""
    items: list[Item] = []
    lines: list[tuple[str, ...]] = []
    tallest = 1
    for cell, cell_width in zip(cells, _widths(cells, width)):
        for item in cell.ruby:
            items.append(item)
            lines.append((item.value,))
        count = 0
        for item in cell.items:
            wrapped = g.wrap(item.value, font, g.TEXT_SIZE, cell_width - 2 * PAD)
            count += len(wrapped)
            items.append(item)
            lines.append(wrapped)
        tallest = max(tallest, count)
    return Row(LABEL_BAND + tallest * g.LEADING + FOOT, tuple(items), tuple(lines), section)


def paint_band(canvas: Canvas, font: str, template: LineTemplate, row: Row, x0: float, x1: float, top: float,
               namer: Namer, marks: Marks) -> None:
    """One band of cells between ``x0`` and ``x1`` from ``top`` down, rules included."""
    bottom = top - row.height
    bands = cells_of(template, row.items)
    if len(bands) != 1:
        raise ValueError("a band of cells from items of several lines")
    lines = iter(row.lines)
    x = x0
    canvas.line(x0, bottom, x1, bottom)
    for cell, width in zip(bands[0], _widths(bands[0], x1 - x0)):
        if x > x0:
            canvas.line(x, bottom, x, top)
        label = cell.items[0].label
        canvas.setFont(font, LABEL_SIZE)
        canvas.drawString(x + PAD, top - 7, label)
        kana_x = x + PAD + len(label) * LABEL_SIZE + 6
        for item in cell.ruby:
            next(lines)
            canvas.setFont(font, RUBY_SIZE)
            canvas.drawString(kana_x, top - 7.2, item.value)
            marks.region(namer.name(item.label), text_box(font, RUBY_SIZE, item.value, kana_x, top - 7.2), item.value)
        baseline = top - LABEL_BAND - g.TEXT_SIZE + 1
        canvas.setFont(font, g.TEXT_SIZE)
        for item in cell.items:
            item_top = baseline + g.TEXT_SIZE
            for line in next(lines):
                canvas.drawString(x + PAD, baseline, line)
                baseline -= g.LEADING
            stacked = len(cell.items) > 1
            box = (x, baseline + g.LEADING - 3, x + width, item_top) if stacked else (x, bottom, x + width, top)
            marks.region(namer.name(item.label), box, item.value)
        x += width


class CellShape(Shape):
    """A 住民票-like form: a header band of cells, then one ruled block per section."""

    header_gap = 6.0

    def __init__(self, header: LineTemplate, body: LineTemplate) -> None:
        self.header = header
        self.body = body

    def heading_height(self, section: Section, continued: bool) -> float:
        return BLOCK_GAP  # the number goes in the block's left column, not on a line of its own

    def header_rows(self, items: tuple[Item, ...], font: str) -> tuple[Row, ...]:
        return tuple(measure_band(cells, g.CONTENT_WIDTH, font, None) for cells in cells_of(self.header, items))

    def rows(self, section: Section, items: tuple[Item, ...], font: str) -> tuple[Row, ...]:
        width = g.CONTENT_WIDTH - NUMBER_WIDTH
        return tuple(measure_band(cells, width, font, section) for cells in cells_of(self.body, items))

    def paint(self, canvas: Canvas, font: str, header: tuple[Row, ...], rows: tuple[Row, ...], marks: Marks) -> float:
        canvas.saveState()
        ruled(canvas)
        y = g.TABLE_TOP
        namer = Namer(self.group)
        for row in header:
            paint_band(canvas, font, self.header, row, g.LEFT, g.RIGHT, y, namer, marks)
            y -= row.height
        if header:
            frame(canvas, g.TABLE_TOP, y)
        y = self.body_top(header)
        for heading, under in blocks(rows):
            if heading is not None:
                y -= heading.height
            block_top = y
            for row in under:
                self.paint_row(canvas, font, row, y, namer, marks, first=row is under[0], heading=heading)
                y -= row.height
            if heading is not None:
                self._number(canvas, font, heading, block_top, y, namer, marks)
            frame(canvas, block_top, y)
        canvas.restoreState()
        return y

    def paint_row(self, canvas: Canvas, font: str, row: Row, top: float, namer: Namer, marks: Marks, *,
                  first: bool, heading: Row | None) -> None:
        if first and heading is not None:
            namer.enter(heading.section.heading)
        paint_band(canvas, font, self.body, row, g.LEFT + NUMBER_WIDTH, g.RIGHT, top, namer, marks)

    def _number(self, canvas: Canvas, font: str, heading: Row, top: float, bottom: float, namer: Namer,
                marks: Marks) -> None:
        section = heading.section
        canvas.line(g.LEFT + NUMBER_WIDTH, bottom, g.LEFT + NUMBER_WIDTH, top)
        canvas.setFont(font, g.TEXT_SIZE)
        centre = g.LEFT + NUMBER_WIDTH / 2
        canvas.drawCentredString(centre, top - 16, section.heading)
        if heading.continued:
            canvas.setFont(font, LABEL_SIZE)
            canvas.drawCentredString(centre, top - 26, "続き")
        marks.region(f"見出し（{namer.where}）", (g.LEFT, bottom, g.LEFT + NUMBER_WIDTH, top), section.heading)


JUMINHYO_HEADER = LineTemplate(((("住所", 3.0), ("世帯主", 1.0)),))
JUMINHYO_BODY = LineTemplate((
    (("フリガナ", 0), ("氏名", 3.2), ("生年月日", 2.0), ("性別", 0.7), ("続柄", 1.3)),
    (("住民となった年月日", 1.0), ("住所を定めた年月日", 1.0), ("届出日", 1.0)),
    (("従前の住所", 1.0),),
    (("本籍", 2.4), ("筆頭者", 1.1), ("個人番号", 1.2)),  # 個人番号 beside them: five bands a person
    (("国籍・地域", 1.0), ("第30条の45に規定する区分", 1.6)),
    (("在留資格", 1.6), ("在留期間等", 0.8), ("在留期間等の満了の日", 1.2), ("在留カード等の番号", 1.2)),
    (("備考", 1.0),),
), stacked=frozenset({"備考"}))

JUMINHYO = CellShape(JUMINHYO_HEADER, JUMINHYO_BODY)


class FuhyoShape(CellShape):
    """戸籍の附票: per person 氏名, 生年月日, 性別 in cells, then the table of addresses
    (住所 | 住所を定めた年月日), one line an address, as one band."""

    ADDRESS, SET_ON = "住所", "住所を定めた年月日"
    HEAD = 15.0
    ADDRESS_SHARE = 0.7

    def rows(self, section: Section, items: tuple[Item, ...], font: str) -> tuple[Row, ...]:
        out: list[Row] = []
        run: list[Item] = []
        rest: list[Item] = []

        def flush() -> None:
            nonlocal run, rest
            if rest:
                out.extend(super(FuhyoShape, self).rows(section, tuple(rest), font))
            if run:
                out.append(self._addresses(tuple(run), font, section))
            run, rest = [], []

        for item in items:
            if item.label in (self.ADDRESS, self.SET_ON):
                if rest:
                    flush()
                run.append(item)
            else:
                if run:
                    flush()
                rest.append(item)
        flush()
        return tuple(out)

    def _columns(self) -> tuple[float, float, float]:
        x0 = g.LEFT + NUMBER_WIDTH
        return x0, x0 + (g.RIGHT - x0) * self.ADDRESS_SHARE, g.RIGHT

    def _addresses(self, items: tuple[Item, ...], font: str, section: Section) -> Row:
        x0, split, x1 = self._columns()
        lines = tuple(g.wrap(item.value, font, g.TEXT_SIZE, (split - x0 if item.label == self.ADDRESS else x1 - split)
                             - 2 * PAD) for item in items)
        height = self.HEAD + sum(self._line_height(lines, pair) for pair in self._pairs(items))
        return Row(height, items, lines, section)

    def _pairs(self, items: tuple[Item, ...]) -> list[list[int]]:
        """The table's lines: an address with the date after it (either alone, were one missing)."""
        out: list[list[int]] = []
        for n, item in enumerate(items):
            if item.label == self.SET_ON and out and len(out[-1]) == 1 and items[out[-1][0]].label == self.ADDRESS:
                out[-1].append(n)
            else:
                out.append([n])
        return out

    @staticmethod
    def _line_height(lines: tuple[tuple[str, ...], ...], pair: list[int]) -> float:
        return max(len(lines[k]) for k in pair) * g.LEADING + 2 * PAD

    def paint_row(self, canvas: Canvas, font: str, row: Row, top: float, namer: Namer, marks: Marks, *,
                  first: bool, heading: Row | None) -> None:
        if first and heading is not None:
            namer.enter(heading.section.heading)
        if row.items[0].label not in (self.ADDRESS, self.SET_ON):
            paint_band(canvas, font, self.body, row, g.LEFT + NUMBER_WIDTH, g.RIGHT, top, namer, marks)
            return
        x0, split, x1 = self._columns()
        canvas.setFillColorRGB(0.9, 0.9, 0.9)
        canvas.rect(x0, top - self.HEAD, x1 - x0, self.HEAD, stroke=1, fill=1)
        canvas.setFillColorRGB(0, 0, 0)
        canvas.setFont(font, 8)
        canvas.drawCentredString((x0 + split) / 2, top - self.HEAD + 4.5, self.ADDRESS)
        canvas.drawCentredString((split + x1) / 2, top - self.HEAD + 4.5, self.SET_ON)
        canvas.line(split, top - self.HEAD, split, top)
        y = top - self.HEAD
        items, lines = row.items, row.lines
        canvas.setFont(font, g.TEXT_SIZE)
        for pair in self._pairs(items):
            bottom = y - self._line_height(lines, pair)
            for k in pair:
                left, right = (x0, split) if items[k].label == self.ADDRESS else (split, x1)
                for m, line in enumerate(lines[k]):
                    canvas.drawString(left + PAD, y - PAD - g.TEXT_SIZE + 1 - m * g.LEADING, line)
                marks.region(namer.name(items[k].label), (left, bottom, right, y), items[k].value)
            canvas.line(x0, bottom, x1, bottom)
            canvas.line(split, bottom, split, y)
            y = bottom


FUHYO = FuhyoShape(LineTemplate(((("本籍", 3.0), ("筆頭者", 1.0)),)),
                   LineTemplate(((("氏名", 3.0), ("生年月日", 2.0), ("性別", 1.0)),)))
