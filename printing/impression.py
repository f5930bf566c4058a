"""The demo registry's 印影: a believable impression of a resident's registered seal, drawn once
per resident when the registry is stored (center.registry.impressions) and kept there as a
1-bit PNG.

A real registry scans the impression the resident brought; the demo has no seals, so this makes
one: the characters (surname, or full name) in seal-style strokes (printing.seal_glyphs) in a
ring, round or oval, deformed to fill it as carved seals are, then inked unevenly, as a hand
stamp prints: heavier on one side, a few gaps where the paper took no ink, ragged edges, a
speck or two, turned by a few degrees.

Everything follows from the characters and a *recipe*, ``1.<12 hex digits>`` (generator version
and seed; center.registry.impressions makes a demo resident's): no random state, no clock, noise
from SHAKE-256 of the seed. The certificate's code signs the recipe on the 印影's seal line
(printing.paginate), so the verifier draws the same picture again from the code alone.
"""
from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from printing.seal_glyphs import glyph

DPI = 400  # the picture's resolution: 1-bit, about 260 px across a 16.5 mm seal
# The recipes this draws (center.registry.impressions.RECIPE_VERSION). What a recipe draws is a
# format: pictures in registries and on paper must come out the same here. Changing the drawing
# means a new version (tests/test_seals.py pins the pictures of this one).
VERSION = "1"
SUPERSAMPLE = 2  # drawn at twice the resolution, inked, then brought down
LATTICE = 18  # lattice steps across the seal: strokes about a 25th of its width


class RecipeError(ValueError):
    """A recipe this generator does not know (another version, or malformed)."""


def impression_png(characters: str, recipe: str) -> bytes:
    """The 印影 as a 1-bit PNG that records its resolution (DPI)."""
    return _png(characters, recipe)


@lru_cache(maxsize=64)
def _png(characters: str, recipe: str) -> bytes:
    out = io.BytesIO()
    impression_image(characters, recipe).save(out, format="PNG", dpi=(DPI, DPI), optimize=True)
    return out.getvalue()


@dataclass(frozen=True)
class _Design:
    width_mm: float  # the seal's outer size
    height_mm: float
    turn: float  # degrees, anticlockwise
    weight: float  # stroke width, as a share of the lattice step
    pressure: tuple[float, float]  # the direction in which the stamp was pressed harder


class _Noise:
    """Deterministic numbers from the seed: SHAKE-256, never a random generator's state."""

    def __init__(self, seed: str) -> None:
        self._seed = seed.encode()

    def uniform(self, label: str, count: int = 1) -> np.ndarray:
        data = hashlib.shake_256(self._seed + b"|" + label.encode()).digest(2 * count)
        return np.frombuffer(data, ">u2").astype(np.float64) / 65535.0

    def field(self, label: str, shape: tuple[int, int], cells: int) -> np.ndarray:
        """Smooth noise in about 0..1 over ``shape``: a coarse grid of values, interpolated."""
        grid = self.uniform(label, (cells + 1) ** 2).reshape(cells + 1, cells + 1).astype(np.float32)
        smooth = Image.fromarray(grid, "F").resize((shape[1], shape[0]), Image.Resampling.BICUBIC)
        return np.asarray(smooth, np.float64)


def _parse(recipe: str) -> str:
    version, _, seed = recipe.partition(".")
    if version != VERSION or len(seed) != 12 or any(c not in "0123456789abcdef" for c in seed):
        raise RecipeError(f"unknown 印影 recipe {recipe!r} (this generator makes version {VERSION})")
    return seed


def _design(characters: str, noise: _Noise) -> _Design:
    u = noise.uniform("design", 6)
    latin = characters.isascii()
    count = len(characters)
    if latin:  # a foreign resident's name in Latin letters: a wide oval, one line
        height = 11.0 + 1.5 * u[0]
        return _Design(height * 1.55, height, 6 * u[1] - 3, 0.46 + 0.08 * u[2], (math.cos(7 * u[3]), math.sin(7 * u[3])))
    diameter = {1: 12.0, 2: 13.5}.get(count, 16.5) + 1.5 * u[0]
    oval = u[4] < 0.3  # a third of seals are 小判型, taller than wide
    width = diameter * (0.8 if oval else 1.0)
    return _Design(width, diameter, 7 * u[1] - 3.5, 0.46 + 0.1 * u[2], (math.cos(7 * u[3]), math.sin(7 * u[3])))


def impression_image(characters: str, recipe: str) -> Image.Image:
    """The 印影 picture, mode "1" (black ink on white)."""
    seed = _parse(recipe)
    if not characters or len(characters) > 8:
        raise ValueError("a 印影 has 1 to 8 characters")
    noise = _Noise(seed)
    design = _design(characters, noise)
    scale = DPI / 25.4 * SUPERSAMPLE  # pixels per mm while drawing
    margin = 1.2  # mm of paper around the ring, room for the turn
    # a turned ellipse stays within the circle of its larger axis
    side = int(math.ceil((max(design.width_mm, design.height_mm) + 2 * margin) * scale / SUPERSAMPLE)) * SUPERSAMPLE
    rx, ry = design.width_mm / 2 * scale, design.height_mm / 2 * scale
    cx = cy = side / 2
    ring = max(2.0, min(rx, ry) * 0.075)  # the ring's width
    inner_rx, inner_ry = rx - ring * 1.9, ry - ring * 1.9  # where the characters may go

    ink = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(ink)
    draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), outline=255, width=int(round(ring)))
    cells = _cells(characters, inner_rx, inner_ry)
    step = min(min(w / max(2, nx), h / max(2, ny)) for (_, _, w, h, nx, ny) in cells)
    width = max(2, int(round(step * design.weight)))
    wobble = noise.uniform("weights", 4 * 64)
    n = 0
    for char, (x0, y0, w, h, nx, ny) in zip(characters, cells):
        runs = glyph(char, nx, ny)
        sx, sy = (w - width) / nx, (h - width) / ny
        for rx0, ry0, rx1, ry1 in runs:
            points = []
            length = max(abs(rx1 - rx0) * sx, abs(ry1 - ry0) * sy)
            pieces = max(1, int(length / 4))
            for k in range(pieces + 1):
                t = k / pieces
                px = x0 + width / 2 + (rx0 + (rx1 - rx0) * t) * sx
                py = y0 + width / 2 + (ry0 + (ry1 - ry0) * t) * sy
                points.append(_fill_ellipse(px, py, inner_rx, inner_ry, latin=characters.isascii()))
            stroke = max(2, int(round(width * (0.85 + 0.3 * wobble[n % len(wobble)]))))
            n += 1
            draw.line([(cx + x, cy + y) for x, y in points], fill=255, width=stroke, joint="curve")
            for x, y in (points[0], points[-1]):  # square the ends, as carved strokes are
                half = stroke / 2
                draw.rectangle((cx + x - half, cy + y - half, cx + x + half, cy + y + half), fill=255)

    ink = ink.filter(ImageFilter.GaussianBlur(SUPERSAMPLE * 0.9))  # a carving's edges are never sharp corners
    picture = np.asarray(ink, np.float64) / 255
    shape = picture.shape
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]]
    dx, dy = design.pressure
    slope = ((xs - cx) * dx + (ys - cy) * dy) / max(rx, ry)  # -1..1 across the seal
    pressure = 0.92 + 0.1 * slope  # one side printed a little heavier
    blots = noise.field("blots", shape, 9)  # where the ink was thin: gaps in the strokes
    grain = noise.field("grain", shape, 60)  # the paper's grain: ragged edges
    level = picture * pressure - 0.30 * np.clip(0.42 - blots, 0, None) / 0.42 - 0.16 * (grain - 0.5)
    inked = Image.fromarray(np.clip(level * 255, 0, 255).astype(np.uint8), "L")
    inked = inked.rotate(design.turn, resample=Image.Resampling.BILINEAR, fillcolor=0)
    small = inked.resize((side // SUPERSAMPLE, side // SUPERSAMPLE), Image.Resampling.BOX)
    dark = np.asarray(small) >= 118
    dark = _specks(dark, noise, cx / SUPERSAMPLE, cy / SUPERSAMPLE, rx / SUPERSAMPLE, ry / SUPERSAMPLE)
    return Image.fromarray(np.where(dark, 0, 255).astype(np.uint8), "L").convert("1", dither=Image.Dither.NONE)


def _cells(characters: str, rx: float, ry: float) -> list[tuple[float, float, float, float, int, int]]:
    """Each character's box (x0, y0, width, height; from the centre, y down) inside the ring, in
    a unit square deformed later to fill the ellipse, with its lattice (nx, ny)."""
    count = len(characters)
    gap = 0.06
    boxes: list[tuple[float, float, float, float]] = []  # on the square -1..1
    if characters.isascii():
        width = (2 - gap * (count - 1)) / count
        boxes = [(-1 + i * (width + gap), -0.62, width, 1.24) for i in range(count)]
    else:
        spread = [count] if count <= 2 else [count - count // 2, count // 2]  # right column first
        column_width = (2 - gap * (len(spread) - 1)) / len(spread)
        for column, rows in enumerate(spread):
            height = (2 - gap * (rows - 1)) / rows
            x = 1 - (column + 1) * column_width - column * gap
            boxes.extend((x, -1 + r * (height + gap), column_width, height) for r in range(rows))
    cells = []
    for x, y, w, h in boxes:
        pixels_w, pixels_h = w * rx, h * ry
        step = min(rx, ry) * 2 / LATTICE
        cells.append((x * rx, y * ry, pixels_w, pixels_h, max(3, round(pixels_w / step)), max(3, round(pixels_h / step))))
    return cells


def _fill_ellipse(x: float, y: float, rx: float, ry: float, *, latin: bool) -> tuple[float, float]:
    """Carved seals fill their round: a point of the square -rx..rx x -ry..ry is moved so each
    row (each column for a line of Latin letters) spans the ellipse's chord there."""
    if latin:
        u = max(-1.0, min(1.0, x / rx))
        return x, y * (0.25 + 0.75 * math.sqrt(max(0.0, 1 - u * u)))
    v = max(-1.0, min(1.0, y / ry))
    chord = math.sqrt(max(0.0, 1 - v * v))
    return x * (0.25 + 0.75 * chord), y * 0.97


def _specks(dark: np.ndarray, noise: _Noise, cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
    """A few dots of ink just outside the ring, where a stamp's edge touches the paper."""
    dark = dark.copy()
    u = noise.uniform("specks", 3 * 6)
    for k in range(6):
        angle = 2 * math.pi * u[3 * k]
        out = 1.03 + 0.05 * u[3 * k + 1]
        x, y = int(cx + rx * out * math.cos(angle)), int(cy + ry * out * math.sin(angle))
        size = 1 + int(2 * u[3 * k + 2])
        dark[max(0, y - size // 2) : y + size, max(0, x - size // 2) : x + size] = True
    return dark
