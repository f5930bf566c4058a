"""The computerised 戸籍 (全部事項証明書, 個人事項証明書): no table, but 【item】value lines.

A narrow left area holds the block names (本籍, 氏名, 戸籍事項, 戸籍に記録されている者, 身分事項)
on the block's first line, the name of each event (戸籍編製, 出生, 婚姻...) beside it in a
middle column, and the items follow as 【item】value, one to a line. A removed member's block
shows 除籍 boxed under its name; a rule separates the header, the 戸籍事項 and each person
(a person's 身分事項 stays with their block, as on the forms).

Items: a person's 【名】, 【生年月日】 (with 【配偶者区分】 on the same line), 【父】...; an
event is one item, its label the event, its value the 【】 pairs that the shape breaks into
lines at each 【 (printing.layouts.common.koseki_event writes them so).
"""
from __future__ import annotations

import re

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from printing import geometry as g
from printing.forms.base import (
    BOLD_RULE,
    RULE,
    Marks,
    Namer,
    Shape,
    blocks,
    ruled,
    spaced,
    text_box,
)
from printing.model import Item, Row, Section

BLOCK_X = g.LEFT + 5  # block names
EVENT_X = g.LEFT + 58  # event names, the middle column
ITEM_X = g.LEFT + g.LABEL_WIDTH + 6  # 【item】value
LINE = 19.0  # line pitch: 10 pt text about 6.7 mm apart, as the forms print it (some 35 lines a sheet)
GAP = 4.0  # above each block's first line
EVENT_BLOCKS = frozenset({"戸籍事項", "身分事項"})  # blocks of events: a name in the middle column, 【】 pairs
SAME_LINE = {"配偶者区分": "生年月日"}  # printed on the line of the item named
_PAIR = re.compile(r"【[^】]*】[^【]*")


def _height(lines: int) -> float:
    return max(1, lines) * LINE


def _baseline(top: float, line: int) -> float:
    return top - 13 - line * LINE


def _pairs(value: str) -> list[str]:
    """An event's value as its lines: each 【item】value pair (text before the first 【 too)."""
    head, _, _ = value.partition("【")
    pairs = [head.strip("\u3000 ")] if head.strip("\u3000 ") else []
    return pairs + [pair.rstrip("\u3000 ") for pair in _PAIR.findall(value)]


class KosekiShape(Shape):
    header_gap = GAP  # the header lines and the body share the box, a rule between them

    def heading_height(self, section: Section, continued: bool) -> float:
        return LINE + GAP if continued else GAP  # the block name goes on its first line; (続き) on its own

    def header_rows(self, items: tuple[Item, ...], font: str) -> tuple[Row, ...]:
        return tuple(self._item_row(item, font, None) for item in items)

    def rows(self, section: Section, items: tuple[Item, ...], font: str) -> tuple[Row, ...]:
        width = g.RIGHT - ITEM_X - 4
        if section.heading in EVENT_BLOCKS:
            out = []
            for item in items:
                lines = tuple(part for pair in _pairs(item.value) for part in g.wrap(pair, font, g.TEXT_SIZE, width))
                out.append(Row(_height(len(lines)), (item,), (lines,), section))
            return tuple(out)
        rows: list[Row] = []
        for item in items:
            joins = rows and SAME_LINE.get(item.label) == rows[-1].items[-1].label
            if joins:
                last = rows.pop()
                rows.append(Row(last.height, (*last.items, item), (*last.lines, (f"【{item.label}】{item.value}",)), section))
            else:
                rows.append(self._item_row(item, font, section))
        return tuple(rows)

    def _item_row(self, item: Item, font: str, section: Section | None) -> Row:
        text = f"【{item.label}】{item.value}" if section is not None else item.value
        lines = g.wrap(text, font, g.TEXT_SIZE, g.RIGHT - ITEM_X - 4)
        return Row(_height(len(lines)), (item,), (lines,), section)

    def paint(self, canvas: Canvas, font: str, header: tuple[Row, ...], rows: tuple[Row, ...], marks: Marks) -> float:
        canvas.saveState()
        ruled(canvas)
        canvas.setFont(font, g.TEXT_SIZE)
        y = g.TABLE_TOP - GAP / 2
        for row in header:  # 本籍 and 氏名 (the 筆頭者)
            top, y = y, y - row.height
            item = row.items[0]
            canvas.drawString(BLOCK_X, _baseline(top, 0), spaced(item.label))
            for n, line in enumerate(row.lines[0]):
                canvas.drawString(ITEM_X, _baseline(top, n), line)
            marks.region(item.label, (g.LEFT, y, g.RIGHT, top), item.value)
        top = self.body_top(header)
        y = top
        namer = Namer(self.group)
        for number, (heading, under) in enumerate(blocks(rows)):
            block_top = y
            section = heading.section
            if (number or header) and (section.heading != "身分事項" or heading.continued):
                canvas.setLineWidth(BOLD_RULE if section.heading == "戸籍に記録されている者" else RULE)
                canvas.line(g.LEFT, y, g.RIGHT, y)  # between persons, and under the header
                canvas.setLineWidth(RULE)
            where = namer.enter(section.heading)
            name_line = _baseline(y - GAP, 0)
            y -= heading.height
            if heading.continued:
                canvas.drawString(BLOCK_X, name_line, f"{section.heading}（続き）")
                name_line = None
            for n, row in enumerate(under):
                row_top, y = y, y - row.height
                if n == 0 and name_line is not None:
                    canvas.drawString(BLOCK_X, name_line, section.heading)
                self._row(canvas, font, row, row_top, namer, marks)
            if section.mark:  # 除籍: boxed under the block's name
                self._mark(canvas, font, section.mark, _baseline(block_top - GAP, 1))  # under the name, or its （続き）
            marks.region(f"見出し（{where}）", (g.LEFT, y, g.RIGHT, block_top),
                         section.heading + (f"　{section.mark}" if section.mark else ""))
        if rows:
            canvas.rect(g.LEFT, y, g.CONTENT_WIDTH, g.TABLE_TOP - y, stroke=1, fill=0)
        elif header:
            canvas.rect(g.LEFT, top, g.CONTENT_WIDTH, g.TABLE_TOP - top, stroke=1, fill=0)
        canvas.restoreState()
        return y if rows else top

    def _row(self, canvas: Canvas, font: str, row: Row, top: float, namer: Namer, marks: Marks) -> None:
        bottom = top - row.height
        if row.section is not None and row.section.heading in EVENT_BLOCKS:
            item = row.items[0]
            canvas.drawString(EVENT_X, _baseline(top, 0), spaced(item.label))
            for n, line in enumerate(row.lines[0]):
                canvas.drawString(ITEM_X, _baseline(top, n), line)
            marks.region(namer.name(item.label), (EVENT_X - 3, bottom, g.RIGHT, top), item.value)
            return
        x = ITEM_X
        for item, lines in zip(row.items, row.lines):
            for n, line in enumerate(lines):
                canvas.drawString(x, _baseline(top, n), line)
            width = max(stringWidth(line, font, g.TEXT_SIZE) for line in lines)
            end = g.RIGHT if item is row.items[-1] else x + width + 6
            marks.region(namer.name(item.label), (x - 3, bottom, end, top), item.value)
            x += width + 2 * g.TEXT_SIZE

    def _mark(self, canvas: Canvas, font: str, mark: str, baseline: float) -> None:
        text = spaced(mark)
        x0, y0, x1, y1 = text_box(font, g.TEXT_SIZE, text, BLOCK_X + 4, baseline)
        canvas.drawString(BLOCK_X + 4, baseline, text)
        canvas.rect(x0 - 3, y0 - 1.5, x1 - x0 + 6, y1 - y0 + 2, stroke=1, fill=0)


KOSEKI = KosekiShape()
