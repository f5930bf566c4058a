"""The 「見本」/ SAMPLE mark of everything the demo PKI signs: drawn last, over the content, so
nothing printed can cover it; translucent, so every item stays readable. Each seal (the 公印, a
印影) gets a 「見本」 of its own across it as well."""
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


def draw_seal_sample_mark(canvas: Canvas, font: str, cx: float, cy: float, size: float) -> None:
    """「見本」 across a seal (the 公印, a 印影) of a sample: the page's own mark may miss it."""
    canvas.saveState()
    canvas.translate(cx, cy)
    canvas.rotate(-30)
    canvas.setFont(font, size * 0.36)
    canvas.setStrokeColorRGB(1, 1, 1)
    canvas.setFillColorRGB(0.1, 0.1, 0.1)
    canvas.setLineWidth(size * 0.05)
    canvas.setLineJoin(1)
    for mode in (1, 0):  # a white outline under black letters: readable on red ink and on the 地紋 alike
        canvas.saveState()  # the render mode is graphics state: it would outlast its text object
        text = canvas.beginText()
        text.setTextRenderMode(mode)
        text.setTextOrigin(-size * 0.36, -size * 0.13)
        text.textOut("見本")
        canvas.drawText(text)
        canvas.restoreState()
    canvas.restoreState()
