"""What a layout hands the sheet painter: the printed items in order, grouped into sections.

Every ``Item`` is printed exactly as its value reads here and also goes, as is, into the signed
code of the page it lands on, so the verifier can list and check exactly what the paper shows.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Item:
    label: str
    value: str
    drawn_as_seal: bool = False  # 印影: the value is drawn as a seal impression, not as a line of text
    # A seal's picture (a 1-bit PNG from the registry) and the recipe that draws it again
    # (printing.impression), signed on the seal's layout line; neither is part of the value.
    seal_picture: bytes = field(default=b"", repr=False)
    seal_recipe: str = ""


@dataclass(frozen=True)
class Section:
    """One block of rows: a person, or one part of a person's record (e.g. 身分事項)."""

    heading: str
    items: tuple[Item, ...]
    mark: str = ""  # printed boxed beside the heading, e.g. 除籍
    # Part of the section before it (a person's 身分事項): it flows on right after that one, and
    # a page breaks before that one when a fresh page holds it and this one's first row but the
    # page does not. Planning only: a page is drawn again from its lines without it.
    joined: bool = False


@dataclass(frozen=True)
class Composition:
    title: str
    header: tuple[Item, ...]  # repeated at the top of every page (住所・世帯主, 本籍・筆頭者...)
    sections: tuple[Section, ...]
    attestation: str  # 認証文
    one_section_per_page: bool = False  # 個票式: each person on a sheet of their own


@dataclass(frozen=True)
class Row:
    """One band of a page, as a form's shape groups and measures it: the unit pages break
    between. A band holds one item or several side by side (a 住民票 line of cells, a whole
    tax table); none: a section heading."""

    height: float
    items: tuple[Item, ...] = ()
    lines: tuple[tuple[str, ...], ...] = ()  # each item's value as wrapped to its cell, or as the shape splits it
    section: Section | None = None  # the section the band belongs to
    continued: bool = False  # a heading repeated on a later page

    @property
    def item(self) -> Item | None:
        """The band's first item; None for a heading."""
        return self.items[0] if self.items else None
