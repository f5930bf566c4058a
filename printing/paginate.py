"""Flow a composition onto pages: a page ends when the table reaches the bottom or when the
signed code of the page would grow past what prints well; a section split over pages repeats
its heading marked (続き). 「以下余白」 and the closing block (認証文, date, mayor, seal) end the
last page; the closing block has its own place in the bottom band, beside the code."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from printing import geometry as g
from printing.model import Composition, Item, Section


@dataclass(frozen=True)
class Row:
    height: float
    item: Item | None = None  # None: a section heading row
    lines: tuple[str, ...] = ()  # the item's value, wrapped
    section: Section | None = None
    continued: bool = False


@dataclass(frozen=True)
class PagePlan:
    rows: tuple[Row, ...]
    items: tuple[Item, ...]  # what this page prints and signs (header, rows, closing)
    closing: bool


def plan_pages(
    composition: Composition, closing_items: tuple[Item, ...], font: str,
    fits_code: Callable[[tuple[Item, ...]], bool],
) -> list[PagePlan]:
    header = composition.header
    top = g.TABLE_TOP - sum(_item_row(i, font).height for i in header)
    room = top - g.CONTENT_BOTTOM
    pages: list[PagePlan] = []
    rows: list[Row] = []
    items: list[Item] = []
    used = 0.0

    def end_page() -> None:
        nonlocal rows, items, used
        pages.append(PagePlan(tuple(rows), (*header, *items), closing=False))
        rows, items, used = [], [], 0.0

    for section in composition.sections:
        section_rows = [_item_row(item, font) for item in section.items]
        whole = g.HEADING_HEIGHT + sum(row.height for row in section_rows)
        fits_here = used + whole <= room and fits_code((*header, *items, *section.items))
        fits_alone = whole <= room and fits_code((*header, *section.items))
        if rows and (composition.one_section_per_page or (not fits_here and fits_alone)):
            end_page()  # keep a section together when a fresh page holds it
        heading: Row | None = Row(g.HEADING_HEIGHT, section=section)
        for item, row in zip(section.items, section_rows):
            need = row.height + (heading.height if heading else 0)
            if rows and (used + need > room or not fits_code((*header, *items, item))):
                end_page()
                heading = heading or Row(g.HEADING_HEIGHT, section=section, continued=True)
                need = row.height + heading.height
            if need > room or not fits_code((*header, item)):
                raise ValueError(f"item {item.label!r} does not fit on a page")
            if heading:
                rows.append(heading)
                used += heading.height
                heading = None
            rows.append(row)
            items.append(item)
            used += row.height
    if rows and (used + g.BLANK_NOTE_HEIGHT > room or not fits_code((*header, *items, *closing_items))):
        end_page()
    pages.append(PagePlan(tuple(rows), (*header, *items, *closing_items), closing=True))
    return pages


def header_rows(composition: Composition, font: str) -> tuple[Row, ...]:
    return tuple(_item_row(i, font) for i in composition.header)


def _item_row(item: Item, font: str) -> Row:
    if item.drawn_as_seal:
        return Row(g.SEAL_ROW_HEIGHT, item=item, lines=(item.value,))
    lines = g.wrap(item.value, font, g.TEXT_SIZE, g.CONTENT_WIDTH - g.LABEL_WIDTH - 2 * g.CELL_PAD)
    return Row(g.row_height(len(lines)), item=item, lines=lines)
