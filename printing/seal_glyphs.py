"""Seal-script-like glyphs (印篆): square, evenly weighted strokes that fill their cell.

No seal-script (篆書) font is available under a licence that allows bundling (none in Debian,
none on PyPI or npm), so the glyphs are built here, as vector strokes on a lattice:

1. the character is drawn from the bundled BIZ UD Gothic (SIL OFL 1.1, assets/fonts/) at 128 px
   and thinned to its skeleton (Zhang-Suen);
2. the skeleton is stretched to fill the cell, its ink spread evenly over the rows and columns
   (half linear, half by the ink's cumulative profile), as a seal engraver spaces strokes;
3. its lines are simplified (Ramer-Douglas-Peucker) and snapped to a lattice of about one
   stroke gap a step, each slanted line becoming a right-angled fold: the folded, squared
   strokes of the 印篆 of Japanese official seals;
4. the result is a set of horizontal and vertical runs on the lattice, drawn by the callers at
   one stroke width: as filled rectangles in the PDF (the 公印, printing.seal_art) or as lines on
   the 印影 picture (printing.impression).

A few characters whose seal forms differ most from their modern ones are drawn by hand
(``HAND_DRAWN``). Deterministic: the same character and lattice give the same runs, so the
verifier draws the same seal as the kiosk (the glyphs depend only on the bundled font file).
"""
from __future__ import annotations

from functools import cache, lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from printing.fonts import FONTS_DIR

SOURCE_FONT = FONTS_DIR / "BIZUDPGothic-Regular.ttf"  # even strokes: a clean skeleton
RASTER = 128  # pixels a character is drawn at before thinning
EVEN_SPREAD = 0.5  # 0: strokes stay where the font has them; 1: spread to equal ink per row/column
SIMPLIFY = 0.9  # lattice steps a simplified line may stray from the skeleton

Run = tuple[int, int, int, int]  # x0, y0, x1, y1 on the lattice (y down), x0 <= x1, y0 <= y1; one of them equal

# Seal forms drawn by hand, on a unit square (y down), as polylines of right-angled strokes.
HAND_DRAWN: dict[str, tuple[tuple[tuple[float, float], ...], ...]] = {
    # 之 in seal script is 屮 over 一: a sprout with two branches rising from its stem, on the ground
    "之": (((0, 0), (0, 0.62), (1, 0.62), (1, 0)), ((0.5, 0), (0.5, 1)), ((0, 1), (1, 1))),
    # ヶ, the abbreviation of 箇/个, as 个: a roof over a stem
    "ヶ": (((0, 0.6), (0, 0), (1, 0), (1, 0.6)), ((0.5, 0), (0.5, 1))),
    "ケ": (((0, 0.6), (0, 0), (1, 0), (1, 0.6)), ((0.5, 0), (0.5, 1))),
}


def glyph(char: str, nx: int, ny: int) -> tuple[Run, ...]:
    """The character's strokes on a lattice ``nx`` steps wide and ``ny`` high (coordinates 0..n)."""
    return _glyph(char, max(2, nx), max(2, ny))


@lru_cache(maxsize=512)
def _glyph(char: str, nx: int, ny: int) -> tuple[Run, ...]:
    if char in HAND_DRAWN:
        lines = [[(x * nx, y * ny) for x, y in line] for line in HAND_DRAWN[char]]
    else:
        lines = _font_lines(char, nx, ny)
    snapped = [[(int(round(x)), int(round(y))) for x, y in _simplify(line, SIMPLIFY)] for line in lines]
    snapped = _stretched(snapped, nx, ny)
    edges: set[tuple[int, int, int, int]] = set()
    for points in snapped:
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            if (x0, y0) == (x1, y1):
                continue
            if x0 != x1 and y0 != y1:  # a slanted line: folded at a right angle, the longer leg first
                corner = (x0, y1) if abs(y1 - y0) >= abs(x1 - x0) else (x1, y0)
                legs = (((x0, y0), corner), (corner, (x1, y1)))
            else:
                legs = (((x0, y0), (x1, y1)),)
            for (ax, ay), (bx, by) in legs:
                if ax == bx:
                    edges.update((ax, y, ax, y + 1) for y in range(min(ay, by), max(ay, by)))
                else:
                    edges.update((x, ay, x + 1, ay) for x in range(min(ax, bx), max(ax, bx)))
    if not edges:  # a character without strokes (a dot at this lattice): a dot
        edges.add((nx // 2, ny // 2, nx // 2, ny // 2))
    return _runs(edges)


def _stretched(lines: list[list[tuple[int, int]]], nx: int, ny: int) -> list[list[tuple[int, int]]]:
    """The lines moved out to touch every side of the cell (a fold can pull a stroke off an edge):
    stretching never brings two lattice lines together."""
    xs = [x for line in lines for x, _ in line]
    ys = [y for line in lines for _, y in line]
    if not xs:
        return lines

    def scale(low: int, high: int, n: int):  # type: ignore[no-untyped-def]
        return (lambda v: int(round((v - low) * n / (high - low)))) if high > low else (lambda v: n // 2)

    fx, fy = scale(min(xs), max(xs), nx), scale(min(ys), max(ys), ny)
    return [[(fx(x), fy(y)) for x, y in line] for line in lines]


def _runs(edges: set[tuple[int, int, int, int]]) -> tuple[Run, ...]:
    """Unit edges merged into the longest horizontal and vertical runs, in a fixed order."""
    runs: list[Run] = []
    horizontal = sorted((y, x) for x, y, x1, _ in edges if x1 != x)
    vertical = sorted((x, y) for x, y, x1, y1 in edges if x1 == x and y1 != y)
    dots = sorted((x, y) for x, y, x1, y1 in edges if x1 == x and y1 == y)
    for pairs, across in ((horizontal, True), (vertical, False)):
        start = None
        for index, (fixed, at) in enumerate(pairs):
            if start is None:
                start = (fixed, at)
            following = pairs[index + 1] if index + 1 < len(pairs) else None
            if following != (fixed, at + 1):
                first = start[1]
                runs.append((first, fixed, at + 1, fixed) if across else (fixed, first, fixed, at + 1))
                start = None
    runs.extend((x, y, x, y) for x, y in dots)
    return tuple(runs)


# --- from the font --------------------------------------------------------------------------


def _font_lines(char: str, nx: int, ny: int) -> list[list[tuple[float, float]]]:
    skeleton = _skeleton(char)
    if not skeleton.any():
        return []
    place_x = _spread(skeleton.sum(axis=0), nx)
    place_y = _spread(skeleton.sum(axis=1), ny)
    return [[(place_x[x], place_y[y]) for y, x in path] for path in _trace(skeleton)]


@cache
def _font() -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(SOURCE_FONT), RASTER)


@lru_cache(maxsize=256)
def _skeleton(char: str) -> np.ndarray:
    """The character's one-pixel skeleton, cropped to its ink."""
    image = Image.new("L", (RASTER * 2, RASTER * 2), 0)
    ImageDraw.Draw(image).text((RASTER // 2, RASTER // 2), char, font=_font(), fill=255)
    ink = np.asarray(image) >= 128
    if not ink.any():
        return np.zeros((1, 1), bool)
    ys, xs = np.nonzero(ink)
    thin = _thin(ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1])
    thin.flags.writeable = False
    return thin


def _thin(ink: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning: strokes down to one pixel, their ends and junctions kept."""
    image = np.pad(ink.astype(np.uint8), 1)
    while True:
        changed = False
        for step in (0, 1):
            p = image
            p2, p3, p4, p5 = p[:-2, 1:-1], p[:-2, 2:], p[1:-1, 2:], p[2:, 2:]
            p6, p7, p8, p9 = p[2:, 1:-1], p[2:, :-2], p[1:-1, :-2], p[:-2, :-2]
            ring = (p2, p3, p4, p5, p6, p7, p8, p9, p2)
            count = sum(n.astype(np.int16) for n in ring[:8])
            turns = sum(((a == 0) & (b == 1)).astype(np.int16) for a, b in zip(ring, ring[1:]))
            if step == 0:
                side = ((p2 * p4 * p6) == 0) & ((p4 * p6 * p8) == 0)
            else:
                side = ((p2 * p4 * p8) == 0) & ((p2 * p6 * p8) == 0)
            remove = (p[1:-1, 1:-1] == 1) & (count >= 2) & (count <= 6) & (turns == 1) & side
            if remove.any():
                image[1:-1, 1:-1][remove] = 0
                changed = True
        if not changed:
            return image[1:-1, 1:-1].astype(bool)


def _spread(profile: np.ndarray, steps: int) -> np.ndarray:
    """Where each pixel row (or column) goes on the lattice: the first to 0, the last to ``steps``,
    in between half by position and half by the ink before it, so crowded strokes move apart."""
    weight = profile.astype(np.float64) + profile.mean() * 0.15 + 1e-9
    middle = np.cumsum(weight) - weight / 2
    by_ink = (middle - middle[0]) / max(middle[-1] - middle[0], 1e-9)
    by_place = np.linspace(0.0, 1.0, len(profile)) if len(profile) > 1 else np.zeros(1)
    return (EVEN_SPREAD * by_ink + (1 - EVEN_SPREAD) * by_place) * steps


_NEIGHBOURS = ((-1, 0), (0, 1), (1, 0), (0, -1), (-1, 1), (1, 1), (1, -1), (-1, -1))


def _trace(skeleton: np.ndarray) -> list[list[tuple[int, int]]]:
    """The skeleton as pixel paths (row, column) from node to node (an end or a junction);
    closed loops without a node as paths too. Deterministic order."""
    points = set(zip(*(axis.tolist() for axis in np.nonzero(skeleton))))

    def around(p: tuple[int, int]) -> list[tuple[int, int]]:
        return [q for q in ((p[0] + dy, p[1] + dx) for dy, dx in _NEIGHBOURS) if q in points]

    degree = {p: len(around(p)) for p in points}
    walked: set[frozenset[tuple[int, int]]] = set()
    paths: list[list[tuple[int, int]]] = []

    def walk(start: tuple[int, int], first: tuple[int, int]) -> list[tuple[int, int]]:
        path = [start, first]
        walked.add(frozenset((start, first)))
        previous, current = start, first
        while degree[current] == 2:
            ahead = [q for q in around(current) if q != previous and frozenset((current, q)) not in walked]
            if not ahead:
                break
            walked.add(frozenset((current, ahead[0])))
            previous, current = current, ahead[0]
            path.append(current)
        return path

    for starts in (sorted(p for p in points if degree[p] != 2), sorted(points)):
        for p in starts:
            for q in around(p):
                if frozenset((p, q)) not in walked:
                    paths.append(walk(p, q))
    return paths


def _simplify(line: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Ramer-Douglas-Peucker: the fewest points within ``tolerance`` of the line."""
    if len(line) < 3:
        return line
    points = np.asarray(line, np.float64)
    keep = np.zeros(len(points), bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        a, b = points[first], points[last]
        span = b - a
        length = float(np.hypot(*span))
        inner = points[first + 1 : last]
        if length == 0:
            distance = np.hypot(*(inner - a).T)
        else:
            distance = np.abs(span[0] * (inner[:, 1] - a[1]) - span[1] * (inner[:, 0] - a[0])) / length
        index = int(np.argmax(distance))
        if distance[index] > tolerance:
            middle = first + 1 + index
            keep[middle] = True
            stack.extend(((first, middle), (middle, last)))
    return [tuple(p) for p in points[keep]]  # type: ignore[misc]
