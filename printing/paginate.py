"""Flow a composition onto pages: a page ends when the table reaches the bottom or when the
signed code of the page would grow past what prints well; a section split over pages repeats
its heading marked (続き). Every page carries the closing block (認証文, date, mayor, seal), so
each sheet is a certificate on its own: it has its own place in the bottom band, beside the code
(below ``CONTENT_BOTTOM``, so the table never reaches it), and its lines count against every
page's code. 「以下余白」 follows the last row of the last page only, where the content ends.

What a page signs is its items in print order with layout lines among them (labels starting
with ``#``): ``#H`` a section heading (``#H+`` continued, ``=mark`` its boxed mark), ``#S`` the
next item is drawn as a seal (value: the recipe its picture is drawn again from, see
printing.impression; empty on pages printed before 印影 were pictures), ``#E`` 「以下余白」 under
the rows above it (value empty), ``#C`` the closing block follows (value: the mayor's title),
``#F`` first of all: the page is drawn in its kind's form (value: the form's version, see
printing.forms; pages printed before the forms lack it and are drawn as the plain table). In
a format 3 code (printed when the closing block ended the last page only) ``#C`` also stands for
the 「以下余白」 there, and no ``#E`` occurs. They
count against the code's size like any item, and ``plan_from_lines`` rebuilds the page's rows
from them, so the verifier draws the page exactly as it was drawn here.

What a row is, and how tall, the form's shape says (printing.forms, chosen from the kind that
the code carries): it groups a section's items into bands (a 住民票 line of cells, a whole tax
table, a 戸籍 event with its 【】 lines) and pages break between bands. ``plan_from_lines``
asks the same shape to group the items of each section on the page, which gives the same bands:
a shape groups by consecutive labels only, so a block cut over two pages bands alike."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from printing import geometry as g
from printing.forms.base import Shape
from printing.forms.table import TABLE
from printing.model import Composition, Item, Row, Section

__all__ = [
    "CLOSING",
    "END",
    "FORM",
    "HEADING",
    "SEAL",
    "PagePlan",
    "RebuiltPage",
    "Row",
    "closing_lines",
    "form_of",
    "header_rows",
    "plan_from_lines",
    "plan_pages",
    "signed_items",
]


@dataclass(frozen=True)
class PagePlan:
    rows: tuple[Row, ...]
    items: tuple[Item, ...]  # what this page prints and signs (header, rows, closing), with layout lines
    closing: bool  # the closing block: on every page (pages of format 3 codes: the last one only)
    ends: bool = False  # 「以下余白」 under the rows: the content ends on this page


HEADING, SEAL, END, CLOSING, FORM = "#H", "#S", "#E", "#C", "#F"


def form_of(lines: tuple[Item, ...]) -> str | None:
    """The form version a page's lines name on their first line; None: drawn as the plain table."""
    return lines[0].value if lines and lines[0].label == FORM else None


def heading_line(row: Row) -> Item:
    assert row.section is not None
    mark = f"={row.section.mark}" if row.section.mark else ""
    return Item(HEADING + ("+" if row.continued else "") + mark, row.section.heading)


def signed_items(items: tuple[Item, ...]) -> tuple[Item, ...]:
    """Items as signed: a seal line before each one drawn as a seal."""
    lines: list[Item] = []
    for item in items:
        if item.label.startswith("#"):
            raise ValueError(f"item label {item.label!r}: '#' starts the code's layout lines")
        if item.drawn_as_seal:
            lines.append(Item(SEAL, item.seal_recipe))
        lines.append(item)
    return tuple(lines)


def closing_lines(mayor_title: str, items: tuple[Item, ...]) -> tuple[Item, ...]:
    return (Item(CLOSING, mayor_title), *signed_items(items))


def plan_pages(
    composition: Composition, closing_items: tuple[Item, ...], font: str,
    fits_code: Callable[[tuple[Item, ...]], bool], shape: Shape = TABLE,
) -> list[PagePlan]:
    """``closing_items``: the closing block's lines (``closing_lines``), signed on every page.
    ``shape``: the form's (printing.forms), which groups a section's items into bands and
    measures them; pages break between bands."""
    top = shape.body_top(shape.header_rows(composition.header, font))
    header = ((Item(FORM, shape.form),) if shape.form else ()) + signed_items(composition.header)
    room = top - g.CONTENT_BOTTOM
    pages: list[PagePlan] = []
    rows: list[Row] = []
    items: list[Item] = []
    used = 0.0
    end = (Item(END, ""),)

    def fits(*lines: Item) -> bool:  # the page's code with these lines and the closing block
        return fits_code((*header, *lines, *closing_items))

    def end_page() -> None:
        nonlocal rows, items, used
        pages.append(PagePlan(tuple(rows), (*header, *items, *closing_items), closing=True))
        rows, items, used = [], [], 0.0

    def pending(heading: Row | None) -> tuple[Item, ...]:
        return (heading_line(heading),) if heading else ()

    def continued(section: Section) -> Row:
        return Row(shape.heading_height(section, True), section=section, continued=True)

    sections = composition.sections
    bands = [shape.rows(section, section.items, font) for section in sections]  # measured once each

    def measure(start: int, stop: int) -> tuple[float, tuple[Item, ...]]:
        """Section ``start`` with the first row of each joined to it (up to ``stop``): what a page
        must hold to start it."""
        whole, lines = 0.0, ()
        for n in range(start, stop):
            first = Row(shape.heading_height(sections[n], False), section=sections[n])
            section_rows = bands[n][: 1 if n > start else None]
            whole += first.height + sum(row.height for row in section_rows)
            lines += (heading_line(first), *signed_items(tuple(i for row in section_rows for i in row.items)))
        return whole, lines

    owner: Section | None = None  # the section of the last row placed
    for index, section in enumerate(sections):
        section_rows = bands[index]
        first = Row(shape.heading_height(section, False), section=section)
        stop = index + 1
        while stop < len(sections) and sections[stop].joined:
            stop += 1
        whole, lines = measure(index, stop)  # a joined section flows on right after its own
        fits_here = used + whole <= room and fits(*items, *lines)
        fits_alone = whole <= room and fits(*lines)
        if rows and not section.joined and (composition.one_section_per_page or (not fits_here and fits_alone)):
            end_page()  # keep a section together (and its joined one's start) when a fresh page holds it
        heading: Row | None = first
        for row in section_rows:
            need = row.height + (heading.height if heading else 0)
            signed = signed_items(row.items)
            if rows and (used + need > room or not fits(*items, *pending(heading), *signed)):
                end_page()
                heading = heading or continued(section)
                need = row.height + heading.height
            if need > room or not fits(*pending(heading), *signed):
                raise ValueError(f"item {row.items[0].label!r} does not fit on a page")
            if heading:
                rows.append(heading)
                items.append(heading_line(heading))
                used += heading.height
                heading = None
            rows.append(row)
            items.extend(signed)
            used += row.height
            owner = section
    if rows and (used + g.BLANK_NOTE_HEIGHT > room or not fits(*items, *end)):
        # 「以下余白」 goes right under the last row, never alone on a sheet: the last row (with
        # its heading, were that left last) moves to the next page, under its heading marked (続き).
        last = rows[-1]
        assert last.items and owner is not None
        carried = signed_items(last.items)
        keep, kept_items = rows[:-1], items[: len(items) - len(carried)]
        heading = keep.pop() if keep and not keep[-1].items else None
        if heading:
            kept_items = kept_items[:-1]
        heading = heading or continued(owner)
        moved = (heading_line(heading), *carried)
        if keep and fits(*moved, *end) and heading.height + last.height + g.BLANK_NOTE_HEIGHT <= room:
            rows, items = keep, kept_items
            end_page()
            rows, items = [heading, last], list(moved)
        else:  # the page holds that row alone: the 以下余白 follows it on the next page
            end_page()
    pages.append(PagePlan(tuple(rows), (*header, *items, *end, *closing_items), closing=True, ends=True))
    return pages


def header_rows(composition: Composition, font: str, shape: Shape = TABLE) -> tuple[Row, ...]:
    return shape.header_rows(composition.header, font)


@dataclass(frozen=True)
class RebuiltPage:
    """A page as its signed lines describe it: what the sheet painter needs to draw it again."""

    header: tuple[Row, ...]
    plan: PagePlan
    mayor_title: str | None  # None: a page without the closing block (format 3, not its last page)
    closing: dict[str, str]  # the closing block's items by label (認証文, 発行日, 担当, 証明者)


def plan_from_lines(lines: tuple[Item, ...], font: str, version: int = 4, shape: Shape | None = None) -> RebuiltPage:
    """The inverse of planning: header rows, table rows, 「以下余白」 and closing block from a
    page's signed lines (``version``: of the code they come from, 3 or 4), grouped and measured
    by ``shape`` as the planner did (printing.forms.shape_for, from the kind and ``form_of`` the
    lines; None: the plain table, whatever form the lines name). Raises ValueError for layout
    lines it does not know or out of place."""
    named = shape
    shape = shape or TABLE
    header: list[Item] = []
    sections: list[tuple[Row, list[Item]]] = []  # each heading row with the items under it
    closing: dict[str, str] = {}
    mayor_title: str | None = None
    ends = False
    seal_next: str | None = None  # the recipe of the seal line just read
    for number, line in enumerate(lines):
        label = line.label
        if label == FORM:
            if number or (named is not None and line.value != shape.form):
                raise ValueError("a form line out of place, or not the form drawn")
            continue
        if ends and mayor_title is None and label != CLOSING:
            raise ValueError(f"{label!r} after the 以下余白 line: only the closing block follows it")
        if label.startswith(HEADING):
            if mayor_title is not None or seal_next is not None:
                raise ValueError("a heading inside the closing block or after a seal line")
            flags, _, mark = label[len(HEADING):].partition("=")
            if flags not in ("", "+"):
                raise ValueError(f"unknown heading line {label!r}")
            section = Section(line.value, (), mark)
            sections.append((Row(shape.heading_height(section, flags == "+"), section=section, continued=flags == "+"), []))
        elif label == SEAL:
            if seal_next is not None:
                raise ValueError("two seal lines in a row")
            seal_next = line.value
        elif label == END:
            if version < 4 or ends or mayor_title is not None or seal_next is not None or line.value:
                raise ValueError("an 以下余白 line out of place")
            ends = True
        elif label == CLOSING:
            if mayor_title is not None or seal_next is not None:
                raise ValueError("a second closing line")
            mayor_title = line.value
            ends = ends or version < 4  # format 3: the closing block ended the last page, under 以下余白
        elif label.startswith("#"):
            raise ValueError(f"unknown layout line {label!r}")
        elif mayor_title is not None:
            if seal_next is not None or label in closing:
                raise ValueError(f"closing item {label!r} out of place")
            closing[label] = line.value
        else:
            seal = seal_next is not None
            item = Item(label, line.value, drawn_as_seal=seal, seal_recipe=seal_next or "")
            (sections[-1][1] if sections else header).append(item)
            seal_next = None
    if seal_next is not None:
        raise ValueError("a seal line without its item")
    if mayor_title is None and (ends or version >= 4):
        raise ValueError("a page without its closing block")
    rows: list[Row] = []
    for heading, under in sections:
        rows.append(heading)
        rows.extend(shape.rows(heading.section, tuple(under), font))
    plan = PagePlan(tuple(rows), lines, closing=mayor_title is not None, ends=ends)
    return RebuiltPage(shape.header_rows(tuple(header), font), plan, mayor_title, closing)
