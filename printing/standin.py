"""StandInRenderer: a plain, readable A4 layout used until the real certificate layouts land.

It prints every item of the document as a "label: value" line, generically over the body
dataclass, so any body type renders without layout work. Demo documents always carry a large
「見本」 on every page. The font is the bundled BIZ UD Mincho, embedded as a subset.
"""
from __future__ import annotations

import io
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Iterator

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from kiosk.documents import CertificateDocument, Receipt
from kiosk.ports.renderer import Renderer

MINCHO = Path(__file__).resolve().parents[1] / "assets" / "fonts" / "BIZUDMincho-Regular.ttf"

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 56  # about 20 mm
TITLE_SIZE = 18
TEXT_SIZE = 10.5
LEADING = 16
INDENT = 14


@cache
def registered_font(path: Path) -> str:
    """Register a TrueType font with reportlab once per process; returns its name."""
    pdfmetrics.registerFont(TTFont(path.stem, str(path)))
    return path.stem


class StandInRenderer(Renderer):
    @classmethod
    def from_config(cls, config) -> "StandInRenderer":
        return cls()

    def __init__(self, font_path: Path = MINCHO) -> None:
        self._font = registered_font(font_path)

    def render(self, document: CertificateDocument) -> bytes:
        authority = document.authority
        lines = [
            (0, f"発行番号: {document.issue_number}"),
            (0, f"発行日: {document.issued_at.date().isoformat()}"),
            (0, f"発行者: {authority.municipality_name} {authority.mayor_title} {authority.mayor_name}"),
        ]
        if authority.certification_office:
            lines.append((0, authority.certification_office))
        lines.append((0, ""))
        lines.extend(body_lines(document.body))
        sheet = _Sheet(self._font, document.kind.title_ja, sample=document.demo)
        for copy in range(1, document.copies + 1):
            sheet.write_copy(lines, footer=f"仮様式  {copy}/{document.copies}")
        return sheet.finish()

    def render_receipt(self, receipt: Receipt) -> bytes:
        lines = [
            (0, f"端末: {receipt.kiosk_id}"),
            (0, f"日時: {receipt.issued_at.strftime('%Y-%m-%d %H:%M')}"),
            (0, ""),
        ]
        for line in receipt.lines:
            lines.append((0, f"{line.kind.title_ja}  {line.copies}通  {line.amount:,}円"))
            lines.append((1, f"発行番号: {line.issue_number}"))
        lines += [
            (0, ""),
            (0, f"合計: {receipt.total:,}円"),
            (0, f"お預かり: {receipt.paid:,}円"),
            (0, f"おつり: {receipt.change:,}円"),
        ]
        sheet = _Sheet(self._font, "利用明細", sample=False)
        sheet.write_copy(lines, footer="")
        return sheet.finish()


def body_lines(body: object, depth: int = 0) -> Iterator[tuple[int, str]]:
    """(indent depth, text) for every field that is set; nested records are indented below a label."""
    for field in fields(body):
        label = field.name.replace("_", " ")
        value = getattr(body, field.name)
        if value is None:
            continue  # an item not chosen is not printed
        if is_dataclass(value):
            yield depth, f"{label}:"
            yield from body_lines(value, depth + 1)
        elif isinstance(value, tuple) and value and is_dataclass(value[0]):
            for number, item in enumerate(value, start=1):
                yield depth, f"{label} {number}:"
                yield from body_lines(item, depth + 1)
        else:
            yield depth, f"{label}: {_text(value)}"


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return "、".join(_text(v) for v in value)
    return str(value)


class _Sheet:
    """Pages of one PDF: a title on each page, text lines flowing onto new pages as needed."""

    def __init__(self, font: str, title: str, *, sample: bool) -> None:
        self._out = io.BytesIO()
        # invariant: no timestamps or random ids, so the same document gives the same bytes
        # initial font: otherwise reportlab lists a non-embedded Helvetica on every page
        self._canvas = Canvas(self._out, pagesize=A4, invariant=True, initialFontName=font)
        self._canvas.setTitle(title)
        self._canvas.setCreator("konbini-kiosk stand-in renderer")
        self._font, self._title, self._sample = font, title, sample
        self._y = 0.0
        self._footer = ""

    def write_copy(self, lines: list[tuple[int, str]], footer: str) -> None:
        self._footer = footer
        self._start_page()
        for depth, text in lines:
            for piece in self._wrap(text, PAGE_WIDTH - 2 * MARGIN - depth * INDENT):
                if self._y < MARGIN + LEADING:
                    self._end_page()
                    self._start_page()
                self._canvas.setFont(self._font, TEXT_SIZE)
                self._canvas.drawString(MARGIN + depth * INDENT, self._y, piece)
                self._y -= LEADING
        self._end_page()

    def finish(self) -> bytes:
        self._canvas.save()
        return self._out.getvalue()

    def _start_page(self) -> None:
        canvas = self._canvas
        canvas.setFont(self._font, TITLE_SIZE)
        canvas.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - MARGIN - TITLE_SIZE, self._title)
        self._y = PAGE_HEIGHT - MARGIN - TITLE_SIZE - 2 * LEADING

    def _end_page(self) -> None:
        canvas = self._canvas
        if self._footer:
            canvas.setFont(self._font, 8)
            canvas.drawRightString(PAGE_WIDTH - MARGIN, MARGIN / 2, self._footer)
        if self._sample:
            self._draw_sample_mark()
        canvas.showPage()

    def _draw_sample_mark(self) -> None:
        # drawn last and translucent: over the text, so it cannot be hidden by content
        canvas = self._canvas
        canvas.saveState()
        canvas.setFillColorRGB(0.8, 0.1, 0.1, alpha=0.3)
        canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
        canvas.rotate(30)
        canvas.setFont(self._font, 160)
        canvas.drawCentredString(0, -60, "見本")
        canvas.restoreState()

    def _wrap(self, text: str, width: float) -> list[str]:
        """Break by characters: Japanese has no spaces to break at."""
        pieces, current = [], ""
        for char in text:
            if current and pdfmetrics.stringWidth(current + char, self._font, TEXT_SIZE) > width:
                pieces.append(current)
                current = char
            else:
                current += char
        return pieces + [current]
