"""Seals as vector art: the municipality's 公印 (square, fictional) and a registered 印影 (round)."""
from __future__ import annotations

import math

from reportlab.pdfgen.canvas import Canvas

INK = (0.05, 0.05, 0.05)  # printed black, hence 「この印は黒色です」


def draw_office_seal(canvas: Canvas, font: str, text: str, cx: float, cy: float, size: float) -> None:
    """A square seal: double border, the characters in columns read top-down, right to left."""
    columns = 2 if len(text) <= 6 else 3
    rows = math.ceil(len(text) / columns)
    canvas.saveState()
    canvas.setStrokeColorRGB(*INK)
    canvas.setFillColorRGB(*INK)
    half = size / 2
    canvas.setLineWidth(size * 0.06)
    canvas.rect(cx - half, cy - half, size, size, stroke=1, fill=0)
    canvas.setLineWidth(size * 0.015)
    inner = half * 0.86
    canvas.rect(cx - inner, cy - inner, 2 * inner, 2 * inner, stroke=1, fill=0)
    cell_w, cell_h = 2 * inner / columns, 2 * inner / rows
    glyph = min(cell_w, cell_h) * 0.9
    canvas.setFont(font, glyph)
    for index, char in enumerate(text):
        column, row = divmod(index, rows)
        x = cx + inner - (column + 0.5) * cell_w
        y = cy + inner - (row + 0.5) * cell_h - glyph * 0.36
        canvas.drawCentredString(x, y, char)
    canvas.restoreState()


def draw_impression(canvas: Canvas, font: str, text: str, cx: float, cy: float, diameter: float) -> None:
    """A round personal seal: its characters one below the other inside a ring."""
    radius = diameter / 2
    canvas.saveState()
    canvas.setStrokeColorRGB(*INK)
    canvas.setFillColorRGB(*INK)
    canvas.setLineWidth(diameter * 0.045)
    canvas.circle(cx, cy, radius * 0.95, stroke=1, fill=0)
    glyph = min(diameter * 0.62 / max(1, len(text)), diameter * 0.45)
    canvas.setFont(font, glyph)
    top = cy + glyph * len(text) / 2
    for index, char in enumerate(text):
        canvas.drawCentredString(cx, top - (index + 1) * glyph + glyph * 0.14, char)
    canvas.restoreState()
