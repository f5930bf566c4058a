"""Compare a page as given (a PDF page's raster, or a scan) with its redrawing from the signed code.

Both are grey images at ``DPI``. A PDF page the kiosk made rasterises to exactly the redrawing
(same painter, fonts and rasteriser), so a PDF page is compared pixel for pixel. A scan is first
brought into the redrawing's frame: the code's corners, which the decoder reports, give a first
rotation, scale and shift, refined on the whole page by maximising the correlation of the two
pictures (OpenCV's ECC); each field is then moved by up to two pixels to fit best, and each
pixel is compared with a one-pixel neighbourhood of the other picture, the scan lightly blurred
against the redrawing at more than one blur (a scanner's softness is not known), so blur, noise,
JPEG and what is left of the misalignment do not count, while a stroke added or taken away does.

A difference is ink on one picture with nothing as dark near the same place on the other. The
differing pixels are named by the field the renderer drew there (printing.sheet's regions),
the smallest region holding them winning; what falls in no region is "outside every field".
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from printing.geometry import PAGE_HEIGHT
from printing.sheet import Region

DPI = 150  # 2.1 px a point: strokes of 10 pt text are 1-2 px, fast enough at ~0.2 s a page
OUTSIDE = "outside every field"


@dataclass(frozen=True)
class Tolerance:
    blur: float  # Gaussian sigma in pixels applied to the page before comparing (0: none): noise
    expected_blurs: tuple[float, ...]  # the redrawing is blurred by each: a scan's softness is unknown
    shift: int  # pixels: each field is moved up to this far to fit its redrawing before comparing
    reach: int  # pixels: ink may move this far (after that) before it counts as missing or added
    added: int  # grey levels (0-255) by which the page must be darker than the redrawing anywhere near
    covered: int  # grey levels by which the redrawing must be darker than the page anywhere near
    area: int  # pixels: smaller clusters of differing pixels are noise
    field_area: int  # pixels: a field with fewer differing pixels is not reported


# A PDF page is the redrawing itself, pixel for pixel: even white paint over the 地紋 counts.
PDF_TOLERANCE = Tolerance(blur=0, expected_blurs=(0,), shift=0, reach=1, added=24, covered=24, area=3, field_area=6)
# Chosen on synthetic scans (200-300 dpi, turned up to 2°, scaled ±3 %, noise σ up to 20, JPEG
# down to quality 50): genuine pages leave at most 9 differing pixels in any field, a figure
# rewritten in several digits (5,120,000円 as 1,980,000円) leaves 34 or more, a word or a name
# over 120. One digit turned into a like-shaped one (2 into 8, 3 into 5) leaves none: below what a
# scan can tell apart from its own blur at this resolution (the README's limits).
SCAN_TOLERANCE = Tolerance(blur=1.0, expected_blurs=(0.8, 1.3), shift=2, reach=1, added=60, covered=50, area=8,
                           field_area=20)


@dataclass(frozen=True)
class Difference:
    field: str  # the region's name, or OUTSIDE
    change: str  # "changed", "covered", "added" or "not in the scan"
    value: str  # what the field shows, as signed
    box: tuple[int, int, int, int]  # pixels of the redrawing (x0, y0, x1, y1), y down
    pixels: int

    def millimetres(self) -> tuple[float, float]:
        """The difference's top-left corner from the page's top-left corner, in mm."""
        return (round(self.box[0] * 25.4 / DPI, 1), round(self.box[1] * 25.4 / DPI, 1))


@dataclass
class Comparison:
    expected: np.ndarray  # the redrawing, grey
    given: np.ndarray  # the page as given, in the redrawing's frame, grey
    added: np.ndarray  # bool: ink on the page that the redrawing lacks
    covered: np.ndarray  # bool: ink of the redrawing missing from the page
    differences: tuple[Difference, ...] = field(default_factory=tuple)
    aligned_by: str = "same frame"  # how the page was brought into the redrawing's frame


class AlignmentError(ValueError):
    """The scan could not be brought into the redrawing's frame (one line)."""


def compare_same_frame(expected: np.ndarray, given: np.ndarray, regions: tuple[Region, ...]) -> Comparison:
    """A PDF page rasterised exactly like its redrawing: no alignment, strict tolerance."""
    if given.shape != expected.shape:
        height, width = (round(v * 25.4 / DPI) for v in given.shape)
        differences = (Difference("頁", "changed", "A4", (0, 0, given.shape[1], given.shape[0]), given.size),)
        blank = np.zeros(expected.shape, bool)
        comparison = Comparison(expected, np.full(expected.shape, 255, np.uint8), blank, blank, differences)
        comparison.aligned_by = f"a page of {width} x {height} mm, not A4"
        return comparison
    return _compare(expected, given, np.ones(expected.shape, bool), regions, PDF_TOLERANCE, "same frame")


def compare_scan(expected: np.ndarray, scan: np.ndarray, scan_corners: np.ndarray, page_corners: np.ndarray,
                 regions: tuple[Region, ...]) -> Comparison:
    """A scan, given the code's four corners on it and on the redrawing (same order, pixels)."""
    warp = _align(expected, scan, scan_corners, page_corners)
    height, width = expected.shape
    given = cv2.warpAffine(scan, warp, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    inside = cv2.warpAffine(np.full(scan.shape, 255, np.uint8), warp, (width, height),
                            flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_CONSTANT, borderValue=0) > 0
    given = _match_levels(given, expected, inside)
    scale = float(np.sqrt(abs(np.linalg.det(warp[:, :2]))))
    turned = -float(np.degrees(np.arctan2(warp[1, 0], warp[0, 0])))  # image rows run down: anticlockwise > 0
    how = (f"scan aligned: turned {abs(turned):.1f}° {'anticlockwise' if turned > 0 else 'clockwise'}, "
           f"about {DPI * scale:.0f} dpi")
    return _compare(expected, given, inside, regions, SCAN_TOLERANCE, how)


def shows_only_the_code(scan_shape: tuple[int, ...], scan_corners: np.ndarray, page_corners: np.ndarray) -> bool:
    """Whether the image holds nothing of the page but the code and its quiet zone (a picture of
    the code alone): then there is no page to compare, only the code's signature."""
    transform = _similarity(scan_corners, page_corners)  # scan -> page
    height, width = scan_shape[:2]
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float64)
    on_page = corners @ transform[:, :2].T + transform[:, 2]
    code_side = np.linalg.norm(page_corners[1] - page_corners[0])
    low, high = page_corners.min(axis=0), page_corners.max(axis=0)
    margin = code_side * 0.25  # the quiet zone is 4 of 25-97 modules; a little more for a loose crop
    return bool(np.all(on_page >= low - margin) and np.all(on_page <= high + margin))


def _similarity(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    transform, _ = cv2.estimateAffinePartial2D(source.astype(np.float32), target.astype(np.float32), method=cv2.LMEDS)
    if transform is None:
        raise AlignmentError("the code's corners on the scan give no usable alignment")
    return transform


def _align(expected: np.ndarray, scan: np.ndarray, scan_corners: np.ndarray, page_corners: np.ndarray) -> np.ndarray:
    """A 2x3 affine map from the redrawing's pixels to the scan's: first from the code's corners
    (good to a few pixels near the code, less far from it), then refined by ECC on the whole page
    at a quarter and at half the comparison resolution."""
    warp = np.vstack([_similarity(page_corners, scan_corners), [0, 0, 1]])
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-4)
    for factor in (4, 2):
        small_expected = cv2.resize(expected, None, fx=1 / factor, fy=1 / factor, interpolation=cv2.INTER_AREA)
        scan_factor = max(1.0, factor * float(np.sqrt(abs(np.linalg.det(warp[:2, :2])))))  # about as fine as the page
        small_scan = cv2.resize(scan, None, fx=1 / scan_factor, fy=1 / scan_factor, interpolation=cv2.INTER_AREA)
        to_small_scan = np.diag([1 / scan_factor, 1 / scan_factor, 1.0])
        from_small_page = np.diag([float(factor), float(factor), 1.0])
        small_warp = (to_small_scan @ warp @ from_small_page)[:2].astype(np.float32)
        try:
            _, small_warp = cv2.findTransformECC(small_expected, small_scan, small_warp, cv2.MOTION_AFFINE, criteria)
        except cv2.error:
            raise AlignmentError("the scan does not line up with the page its code describes") from None
        warp = np.linalg.inv(to_small_scan) @ np.vstack([small_warp, [0, 0, 1]]) @ np.linalg.inv(from_small_page)
    return warp[:2]


def _match_levels(given: np.ndarray, expected: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Map the scan's grey levels onto the redrawing's by matching their histograms over the page:
    paper to paper, 地紋 to 地紋, ink to ink, whatever the scanner's brightness and contrast."""
    if inside.sum() < 1000:
        return given
    counts_given = np.bincount(given[inside], minlength=256).cumsum() / inside.sum()
    counts_expected = np.bincount(expected[inside], minlength=256).cumsum() / inside.sum()
    table = np.searchsorted(counts_expected, counts_given).clip(0, 255).astype(np.uint8)
    return table[given]


def _compare(expected: np.ndarray, given: np.ndarray, inside: np.ndarray, regions: tuple[Region, ...],
             tolerance: Tolerance, how: str) -> Comparison:
    g = cv2.GaussianBlur(given, (0, 0), tolerance.blur) if tolerance.blur else given
    softened = [cv2.GaussianBlur(expected, (0, 0), sigma) if sigma else expected for sigma in tolerance.expected_blurs]
    owner = _region_map(regions, expected.shape)
    if tolerance.shift:
        g = _fitted_by_field(softened[len(softened) // 2], g, regions, owner, tolerance.shift)
    near = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * tolerance.reach + 1,) * 2)
    # Ink a scan may show: the darkest any softness of the redrawing is near each pixel (a soft
    # scan fills narrow gaps, a sharp one keeps hairlines dark); ink it must show: the lightest.
    darkest_expected = np.minimum.reduce([cv2.erode(e, near) for e in softened]).astype(np.int16)
    lightest_expected = np.maximum.reduce(softened).astype(np.int16)
    darkest_given = cv2.erode(g, near).astype(np.int16)
    added = (darkest_expected - g.astype(np.int16) > tolerance.added) & inside
    covered = (darkest_given - lightest_expected > tolerance.covered) & inside
    added, covered = _without_specks(added, tolerance.area), _without_specks(covered, tolerance.area)
    missing = ~inside & (expected < 128)  # printed on the page, but outside the scanned area
    differences = _name(regions, owner, added, covered, missing, tolerance)
    return Comparison(expected, given, added, covered, differences, how)


def _fitted_by_field(expected: np.ndarray, given: np.ndarray, regions: tuple[Region, ...], owner: np.ndarray,
                     shift: int) -> np.ndarray:
    """The given picture with each field's pixels moved by whole pixels (at most ``shift``) to fit
    the redrawing best: a scan is never exactly affine (paper bends, scanners creep), and what is
    left after the page's alignment would otherwise count as ink moved."""
    fitted = given.copy()
    padded = cv2.copyMakeBorder(given, shift, shift, shift, shift, cv2.BORDER_REPLICATE)
    for index, region in enumerate(regions):
        top, bottom, left, right = _pixel_box(region, expected.shape)
        if bottom <= top or right <= left:
            continue
        want = expected[top:bottom, left:right].astype(np.float32)
        best, best_cost = (0, 0), np.inf
        for dy in range(-shift, shift + 1):
            for dx in range(-shift, shift + 1):
                moved = padded[top + shift + dy : bottom + shift + dy, left + shift + dx : right + shift + dx]
                cost = float(np.abs(moved.astype(np.float32) - want).mean())
                if cost < best_cost:
                    best, best_cost = (dy, dx), cost
        dy, dx = best
        mine = owner[top:bottom, left:right] == index
        moved = padded[top + shift + dy : bottom + shift + dy, left + shift + dx : right + shift + dx]
        fitted[top:bottom, left:right][mine] = moved[mine]
    return fitted


def _without_specks(mask: np.ndarray, area: int) -> np.ndarray:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    keep = np.zeros(count, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= area
    return keep[labels]


def _pixel_box(region: Region, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """A region's box in pixels (top, bottom, left, right), a pixel wider all round, on the image."""
    k = DPI / 72
    x0, y0, x1, y1 = region.box
    top, bottom = int(np.floor((PAGE_HEIGHT - y1) * k)) - 1, int(np.ceil((PAGE_HEIGHT - y0) * k)) + 1
    left, right = int(np.floor(x0 * k)) - 1, int(np.ceil(x1 * k)) + 1
    return (min(max(0, top), shape[0]), min(max(0, bottom), shape[0]), min(max(0, left), shape[1]), min(max(0, right), shape[1]))


def _region_map(regions: tuple[Region, ...], shape: tuple[int, ...]) -> np.ndarray:
    """Each pixel's region index (len(regions) = outside every field); smaller regions win."""
    owner = np.full(shape[:2], len(regions), np.int32)

    def size(index: int) -> float:
        x0, y0, x1, y1 = regions[index].box
        return (x1 - x0) * (y1 - y0)

    for index in sorted(range(len(regions)), key=size, reverse=True):
        top, bottom, left, right = _pixel_box(regions[index], shape)
        owner[top:bottom, left:right] = index
    return owner


def _name(regions: tuple[Region, ...], owner: np.ndarray, added: np.ndarray, covered: np.ndarray,
          missing: np.ndarray, tolerance: Tolerance) -> tuple[Difference, ...]:
    if not (added.any() or covered.any() or missing.any()):
        return ()
    found: list[Difference] = []
    names = [r.name for r in regions] + [OUTSIDE]
    values = [r.value for r in regions] + [""]
    grouped: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        grouped.setdefault(name, []).append(index)  # 注記 and 認証文 are drawn line by line: one field
    for name, indices in grouped.items():
        here = np.isin(owner, indices)
        plus, minus, gone = added & here, covered & here, missing & here
        counts = int(plus.sum()), int(minus.sum()), int(gone.sum())
        if gone.sum() >= tolerance.field_area:
            found.append(Difference(name, "not in the scan", values[indices[0]], _box(gone), counts[2]))
        if counts[0] + counts[1] < tolerance.field_area:
            continue
        if counts[0] and counts[1]:
            change = "changed"
        elif counts[1]:
            change = "covered"
        else:
            change = "added" if name == OUTSIDE else "changed"
        found.append(Difference(name, change, values[indices[0]], _box(plus | minus), counts[0] + counts[1]))
    found.sort(key=lambda d: (d.box[1], d.box[0]))
    return tuple(found)


def _box(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
