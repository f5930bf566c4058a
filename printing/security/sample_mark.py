"""The 「見本」/ SAMPLE mark of everything the demo PKI signs: drawn last, over the content, so
nothing printed can cover it; translucent, so every item stays readable."""
from __future__ import annotations

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas


def draw_sample_mark(canvas: Canvas, font: str) -> None:
    width, height = A4
    canvas.saveState()
    canvas.setFillColorRGB(0.85, 0.1, 0.1, alpha=0.22)
    canvas.translate(width / 2, height / 2)
    canvas.rotate(32)
    canvas.setFont(font, 170)
    canvas.drawCentredString(0, -20, "見本")
    canvas.setFont(font, 54)
    canvas.drawCentredString(0, -90, "SAMPLE")
    canvas.restoreState()
