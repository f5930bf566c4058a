"""The 地紋: a light background of fine lines with a latent 「複写」 built from coarse lines.

Both structures cover the same share of the paper, so on the original the word is hard to see.
A copier smooths away the 0.2 pt hairlines but keeps the 0.75 pt lines, so on a copy the
latent word stands out. Drawn once per PDF as a form XObject and reused on every page.
"""
from __future__ import annotations

from functools import cache

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

FORM_NAME = "tint"
COLOR = (0.70, 0.79, 0.88)  # a pale blue: reads as paper tint, never as text
FINE_WIDTH, FINE_PITCH = 0.2, 0.9  # 22 % coverage, below most copiers' resolving power
COARSE_WIDTH, COARSE_PITCH = 0.75, 3.4  # 22 % coverage, survives copying
LATENT_WORD = "複写"
LATENT_SIZE = 120
# Where the latent word sits (lower-left corner of its text), in page points.
LATENT_AT = ((70, 560), (330, 560), (70, 250), (330, 250))


def define_tint(canvas: Canvas, font: str) -> None:
    """Record the tint as a form; each page then shows it with ``canvas.doForm(FORM_NAME)``."""
    width, height = A4
    canvas.beginForm(FORM_NAME, lowerx=0, lowery=0, upperx=width, uppery=height)
    canvas.saveState()
    canvas.setStrokeColorRGB(*COLOR)
    canvas.setLineWidth(FINE_WIDTH)
    canvas.addLiteral(_hatch(0, 0, width, height, FINE_PITCH, rising=True))
    word_width = LATENT_SIZE * len(LATENT_WORD)
    for x, y in LATENT_AT:
        canvas.saveState()
        _clip_to_word(canvas, font, x, y)
        canvas.setFillColorRGB(1, 1, 1)
        canvas.rect(x, y - 20, word_width, LATENT_SIZE, stroke=0, fill=1)  # knock the hairlines out of the letters
        canvas.setLineWidth(COARSE_WIDTH)
        canvas.addLiteral(_hatch(x, y - 20, word_width, LATENT_SIZE, COARSE_PITCH, rising=False))
        canvas.restoreState()
    canvas.restoreState()
    canvas.endForm()


def _clip_to_word(canvas: Canvas, font: str, x: float, y: float) -> None:
    text = canvas.beginText(x, y)
    text.setFont(font, LATENT_SIZE)
    text.setTextRenderMode(7)  # add the glyph outlines to the clipping path, paint nothing
    text.textOut(LATENT_WORD)
    canvas.drawText(text)


@cache
def _hatch(x: float, y: float, width: float, height: float, pitch: float, *, rising: bool) -> str:
    """PDF operators stroking 45-degree parallel lines ``pitch`` points apart over a box
    (clipped by the caller or the page). Built as text once per process: the same lines go
    into every PDF, and reportlab's path object takes longer than the rest of a page."""
    step = pitch * 1.4142
    lines = []
    offset = -height
    while offset < width:
        low, high = (y, y + height) if rising else (y + height, y)
        lines.append(f"{x + offset:.2f} {low:.2f} m {x + offset + height:.2f} {high:.2f} l")
        offset += step
    return "\n".join(lines) + "\nS"
