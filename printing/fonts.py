"""The bundled Japanese TrueType fonts: registered with reportlab once per process, embedded as subsets.

A character the font has no glyph for would print as an empty box (tofu) or vanish; we refuse
to print instead and say which item holds it (the label only, never the value: it is personal data).
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONTS_DIR = Path(__file__).resolve().parents[1] / "assets" / "fonts"
MINCHO = "BIZUDMincho-Regular"  # certificates: the usual face of official papers
GOTHIC = "BIZUDPGothic-Regular"  # the receipt: a plain slip, not a certificate

# Layout characters the printer needs beyond the text itself; spaces never need a glyph.
_WHITESPACE = frozenset(" \u3000\t")


class MissingGlyphs(ValueError):
    """An item holds characters the font cannot draw. Carries labels and code points only."""

    def __init__(self, font: str, gaps: dict[str, set[str]]) -> None:
        self.gaps = gaps
        listed = "; ".join(
            f"{label}: {', '.join(f'U+{ord(c):04X}' for c in sorted(chars))}" for label, chars in gaps.items()
        )
        super().__init__(f"{font} has no glyph for {listed}")


@cache
def font(name: str) -> str:
    """Register ``assets/fonts/<name>.ttf`` (30-60 ms: a 6 MB parse) once; returns the reportlab name."""
    pdfmetrics.registerFont(TTFont(name, str(FONTS_DIR / f"{name}.ttf")))
    return name


@cache
def _covered(name: str) -> frozenset[int]:
    return frozenset(pdfmetrics.getFont(font(name)).face.charToGlyph)


def missing_glyphs(name: str, text: str) -> set[str]:
    covered = _covered(name)
    return {c for c in text if ord(c) not in covered and c not in _WHITESPACE}


def check_items(name: str, items) -> None:
    """Raise MissingGlyphs if any (label, value) pair holds a character the font lacks."""
    gaps: dict[str, set[str]] = {}
    for label, value in items:
        missing = missing_glyphs(name, label + value)
        if missing:
            gaps.setdefault(label, set()).update(missing)
    if gaps:
        raise MissingGlyphs(name, gaps)
