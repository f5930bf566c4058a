"""A line of microtext: at 1.6 pt it reads as a rule, under a loupe as the issuer and the 発行番号.

A copier or a low-resolution scan turns it into a grey line, which a checker can see at once.
"""
from __future__ import annotations

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

SIZE = 1.6


def draw_microtext(canvas: Canvas, font: str, text: str, x: float, y: float, width: float) -> None:
    unit = text + "　"
    repeats = int(width // stringWidth(unit, font, SIZE))
    canvas.saveState()
    canvas.setFont(font, SIZE)
    canvas.drawString(x, y, unit * repeats)
    canvas.restoreState()
