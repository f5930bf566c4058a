"""Does the 地紋 work on paper? The latent 「複写」 measured on the original and on a simulated copy.

    .venv/bin/python bench/copy_test.py [--out DIR] [--pages all|first]

For every sample certificate (printing.samples: one of every layout, issued through the real
center), printed two-sided (each front followed by its back, printing.back_side), every page is
rendered at the printer's 600 dpi as it is printed, and two figures are taken over each copy of
the latent word, on a back also over the 偽変造防止検出画像's large word:

- **Original ΔL**: the mean grey level (0-255) of the tint around the word less that of the word's
  cells, after blurring the page to what the eye resolves at reading distance. Limit: |ΔL| <= 3.
- **Copy ΔL**: the same on a simulated copy of the page. Limit: ΔL >= 25 (the word darker).

It prints both per layout (the worst page and word; a line ``tint alone`` for the bare tint, and
a line ``detection image (backs)`` for the backs' large word alone),
then two things that are not limits: the texture a close look could still see on the original,
and the copy ΔL of the bare tint for other copiers (softer and sharper optics, lighter and
darker thresholds: the band of copiers that show the word). It saves, for each page, the
simulated copy (``*-copy.png``, 300 dpi, what the copier prints) and the original as the eye
sees it (``*-original.png``, 600 dpi blurred by the eye's kernel, shown at 150 dpi) in the
folder it names. Exit status 1 if a layout fails.

**The eye.** A Gaussian of σ = 1 arcminute (the resolving power of normal sight) at a reading
distance of 35 cm: 350 mm x tan(1') = 0.102 mm, 2.4 pixels at 600 dpi. Detail finer than that
(the background's dots, 0.127 mm apart) merges into a flat tone; a mean over a region is the
tone a reader compares with its neighbour's.

**The copier.** An office copier in its text mode, copying at 300 dpi: the page is blurred by the
scanner's optics (a Gaussian of σ = 0.042 mm: an MTF of 0.3 at the 5.9 line pairs/mm that 300 dpi
can hold, a middling CIS scanner), averaged over each 300 dpi sensor pixel (2 x 2 printer pixels),
given sensor noise (Gaussian, σ = 3 grey levels, fixed seed), then printed black wherever it read
darker than 192 and white elsewhere: a fixed threshold at a quarter of black, which is how a text
copy drops the flat grey of recycled paper or of a light tint while keeping every stroke and
fine rule. A threshold, not a halftone: a halftone copies a flat tint as a flat tint, and a
copier's document mode thresholds. The paper can lie on the glass at any offset to the sensor's
pixels: each figure is the worst of the four offsets of half a sensor pixel (0 or 1 printer pixel
each way).

**The regions.** The word's region is its latent cells (printing.security.tint: the 9 x 9 pixel
cells of the word); the surround is the tint cells from one to eight cells (0.4 to 3 mm) away
from the word. Both are measured on the whole page as printed, leaving out every pixel within
0.5 mm of anything else printed there (text, rules, the 見本 mark): those are found as the pixels
where the page differs from the tint alone. Each word is measured on a crop of the page holding
it, its surround and the blurs' reach (tests/test_copy_test.py measures the same crops).
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import io
import math
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from printing import geometry as g  # noqa: E402
from printing.security import tint  # noqa: E402

DPI = g.TINT_DPI
READING_DISTANCE_MM = 350.0
EYE_SIGMA_PX = READING_DISTANCE_MM * math.tan(math.radians(1 / 60)) / 25.4 * DPI  # 2.40
ORIGINAL_LIMIT = 3.0  # grey levels, either way
COPY_LIMIT = 25.0  # grey levels, the word darker
NEAR_OTHER_INK_PX = 12  # 0.5 mm: the eye's blur (3 σ = 7 px) and the copier's (3 σ + a sensor pixel) reach less
SURROUND_CELLS = (1, 8)  # the surround: from this many cells away from the word to that many
PHASES = ((0, 0), (0, 1), (1, 0), (1, 1))


@dataclass(frozen=True)
class Copier:
    dpi: int = 300
    optics_sigma_mm: float = 0.042
    noise: float = 3.0  # grey levels
    threshold: float = 192.0  # read darker than this: printed black
    seed: int = 2026

    def copy(self, page: np.ndarray, phase: tuple[int, int], where: tuple[int, int]) -> np.ndarray:
        """The copy (0 or 255 at ``dpi``) of a 600 dpi grey picture, the sensor's pixels starting
        ``phase`` printer pixels in; ``where`` (the picture's top-left on the page, in pixels)
        seeds the noise, so a part of a page gets the noise the whole page would."""
        factor = DPI // self.dpi
        read = cv2.GaussianBlur(page.astype(np.float32), (0, 0), self.optics_sigma_mm / 25.4 * DPI)
        read = read[phase[0] :, phase[1] :]
        rows, columns = read.shape[0] // factor, read.shape[1] // factor
        read = read[: rows * factor, : columns * factor].reshape(rows, factor, columns, factor).mean(axis=(1, 3))
        noise = np.random.default_rng([self.seed, *where, *phase]).standard_normal(read.shape, dtype=np.float32)
        return np.where(read + noise * self.noise < self.threshold, 0, 255).astype(np.uint8)


COPIER = Copier()


@dataclass(frozen=True)
class Figures:
    original: float  # mean grey of the surround less the word's, eye-blurred original
    copy: float  # the same on the copy (worst offset: the smallest)
    word_pixels: int  # how much of the word was measured (600 dpi pixels)

    @property
    def passed(self) -> bool:
        return abs(self.original) <= ORIGINAL_LIMIT and self.copy >= COPY_LIMIT


def word_boxes(back: bool = False) -> list[tuple[int, int, int, int]]:
    """Each copy of the latent word with its surround and the blur's reach: (left, top, width,
    height) in 600 dpi pixels of the page, on even pixels (the copier's 2 x 2 sensor pixels).
    On a back, the detection image's large word last."""
    from printing import back_side

    pad = (SURROUND_CELLS[1] + 2) * tint.CELL
    words = [(tint.latent_cells().shape, at) for at in tint.LATENT_AT]
    if back:
        words.append((back_side.detection_cells().shape, back_side.DETECTION_AT))
    boxes = []
    for (rows, columns), (column, row) in words:
        left = g.TINT_LEFT_PX + column * tint.CELL - pad
        top = g.TINT_TOP_PX + row * tint.CELL - pad
        boxes.append((left - left % 2, top - top % 2, columns * tint.CELL + 2 * pad + 2, rows * tint.CELL + 2 * pad + 2))
    return boxes


def regions(box: tuple[int, int, int, int], back: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(word, surround, tint alone) over ``box``: the first two as masks, the last the grey the
    tint alone prints there (0 or 255); ``back``: a back's, with the detection image's word."""
    left, top, width, height = box
    return tuple(p[top : top + height, left : left + width] for p in _page_regions(back))  # type: ignore[return-value]


@functools.cache
def _page_regions(back: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from printing import back_side

    cells = back_side.back_latent_mask() if back else tint.latent_mask()
    near = cv2.dilate(cells.astype(np.uint8), np.ones((2 * SURROUND_CELLS[0] + 1,) * 2, np.uint8)) > 0
    far = cv2.dilate(cells.astype(np.uint8), np.ones((2 * SURROUND_CELLS[1] + 1,) * 2, np.uint8)) > 0
    full_height, full_width = math.ceil(g.PAGE_HEIGHT / g.TINT_PIXEL), math.ceil(g.PAGE_WIDTH / g.TINT_PIXEL)
    pictures = []
    for cell_mask in (cells, far & ~near):
        page = np.zeros((full_height, full_width), bool)
        page[g.TINT_TOP_PX : g.TINT_TOP_PX + g.TINT_HEIGHT_PX, g.TINT_LEFT_PX : g.TINT_LEFT_PX + g.TINT_WIDTH_PX] = (
            np.kron(cell_mask, np.ones((tint.CELL, tint.CELL), bool)))
        pictures.append(page)
    ink = np.full((full_height, full_width), 255, np.uint8)
    drawn = back_side.back_tint_ink() if back else tint.tint_ink()
    ink[g.TINT_TOP_PX : g.TINT_TOP_PX + g.TINT_HEIGHT_PX, g.TINT_LEFT_PX : g.TINT_LEFT_PX + g.TINT_WIDTH_PX][drawn] = 0
    return pictures[0], pictures[1], ink


def measure(page: np.ndarray, box: tuple[int, int, int, int], copier: Copier = COPIER,
            bare: np.ndarray | None = None, back: bool = False) -> Figures:
    """The figures of one word: ``page`` is the 600 dpi grey picture of ``box`` (left, top,
    width, height in pixels of the page) as printed; ``bare``, the tint alone there (by default
    the kiosk's, a back's with ``back``): whatever else the page shows there is left out."""
    word, surround, kiosk_tint = regions(box, back)
    bare = kiosk_tint if bare is None else bare
    other = cv2.dilate((page != bare).astype(np.uint8), np.ones((2 * NEAR_OTHER_INK_PX + 1,) * 2, np.uint8)) > 0
    word, surround = word & ~other, surround & ~other
    if word.sum() < 1000 or surround.sum() < 1000:
        return Figures(math.nan, math.nan, int(word.sum()))
    seen = cv2.GaussianBlur(page.astype(np.float32), (0, 0), EYE_SIGMA_PX)
    original = float(seen[surround].mean() - seen[word].mean())
    copies = []
    factor = DPI // copier.dpi
    for phase in PHASES:
        copied = copier.copy(page, phase, (box[0] + phase[1], box[1] + phase[0])).astype(np.float32)
        on_copy = [m[phase[0] + factor // 2 :: factor, phase[1] + factor // 2 :: factor][: copied.shape[0], : copied.shape[1]]
                   for m in (word, surround)]
        copies.append(float(copied[on_copy[1]].mean() - copied[on_copy[0]].mean()))
    return Figures(original, min(copies), int(word.sum()))


def render(pdf: Path, page: int, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """A page (or a box of it) at 600 dpi, grey, as poppler draws it: the tint's pixels exactly."""
    crop = () if box is None else ("-x", str(box[0]), "-y", str(box[1]), "-W", str(box[2]), "-H", str(box[3]))
    done = subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", *crop, "-f", str(page), "-l", str(page), str(pdf)],
                          capture_output=True, check=True)
    with Image.open(io.BytesIO(done.stdout)) as picture:
        return np.asarray(picture.convert("L"))


DETECTION_WORD = len(tint.LATENT_AT) + 1  # the number of a back's detection word in measure_pdf's figures


def measure_pdf(pdf: Path, pages: int, backs: frozenset[int] = frozenset()) -> list[tuple[int, int, Figures]]:
    """(page, word, figures) for every word on every page; on the pages in ``backs`` (a
    two-sided PDF's even pages) the detection image's word too, as word DETECTION_WORD."""
    found = []
    for page in range(1, pages + 1):
        back = page in backs
        for number, box in enumerate(word_boxes(back), start=1):
            found.append((page, number, measure(render(pdf, page, box), box, back=back)))
    return found


def backs_of(pages: int) -> frozenset[int]:
    """The backs of a two-sided PDF: every second page."""
    return frozenset(range(2, pages + 1, 2))


def worst(found: list[tuple[int, int, Figures]]) -> Figures:
    measured = [f for _, _, f in found if not math.isnan(f.original)]
    if not measured:
        return Figures(math.nan, math.nan, 0)
    return Figures(max((f.original for f in measured), key=abs), min(f.copy for f in measured),
                   sum(f.word_pixels for f in measured))


def tint_alone_pdf(path: Path) -> Path:
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(path), pagesize=(g.PAGE_WIDTH, g.PAGE_HEIGHT), invariant=True)
    tint.define_tint(canvas)
    canvas.doForm(tint.FORM_NAME)
    canvas.showPage()
    canvas.save()
    return path


def save_pictures(pdf: Path, page: int, stem: Path, copier: Copier = COPIER) -> tuple[Path, Path]:
    """The copy as the copier prints it (300 dpi) and the original as the eye sees it (shown at 150 dpi)."""
    whole = render(pdf, page)
    copy_path, original_path = stem.with_name(stem.name + "-copy.png"), stem.with_name(stem.name + "-original.png")
    Image.fromarray(copier.copy(whole, (0, 0), (0, 0))).convert("1").save(copy_path, optimize=True)
    seen = cv2.GaussianBlur(whole.astype(np.float32), (0, 0), EYE_SIGMA_PX)
    small = cv2.resize(seen, (whole.shape[1] // 4, whole.shape[0] // 4), interpolation=cv2.INTER_AREA)
    Image.fromarray(np.clip(small + 0.5, 0, 255).astype(np.uint8)).save(original_path, optimize=True)
    return copy_path, original_path


def without_word(box: tuple[int, int, int, int]) -> np.ndarray:
    """The tint over ``box`` as it would be with background dots in the word's cells too."""
    whole = np.full((math.ceil(g.PAGE_HEIGHT / g.TINT_PIXEL), math.ceil(g.PAGE_WIDTH / g.TINT_PIXEL)), 255, np.uint8)
    inside = whole[g.TINT_TOP_PX : g.TINT_TOP_PX + g.TINT_HEIGHT_PX, g.TINT_LEFT_PX : g.TINT_LEFT_PX + g.TINT_WIDTH_PX]
    inside[tint.background(g.TINT_HEIGHT_PX, g.TINT_WIDTH_PX)] = 0
    left, top, width, height = box
    return whole[top : top + height, left : left + width]


def texture(page: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """What a close look at the original could still see: the RMS difference (grey levels) over
    the word between the eye-blurred tint and the same tint without the word. Not a limit of
    the issue (that is on the mean tone); shown so the figure above is not read as more."""
    word, _, _ = regions(box)
    seen = cv2.GaussianBlur(page.astype(np.float32), (0, 0), EYE_SIGMA_PX)
    plain = cv2.GaussianBlur(without_word(box).astype(np.float32), (0, 0), EYE_SIGMA_PX)
    return float(np.sqrt(((seen - plain)[word] ** 2).mean()))


def sweep(page: np.ndarray, box: tuple[int, int, int, int]) -> list[str]:
    """Copy ΔL of one word of the bare tint for other copiers: sharper and softer optics, lighter
    and darker thresholds. Where the word shows (>= 25) is the band of copiers it works for."""
    thresholds = (150, 170, 192, 210, 225)
    lines = ["copy ΔL of the bare tint for other copiers (optics σ in mm; threshold: read darker prints black):",
             "  σ \\ threshold" + "".join(f"{t:>8}" for t in thresholds)]
    for sigma in (0.03, 0.042, 0.06, 0.08):
        row = [measure(page, box, dataclasses.replace(COPIER, optics_sigma_mm=sigma, threshold=float(t))).copy
               for t in thresholds]
        lines.append(f"  {sigma:<15}" + "".join(f"{v:>8.1f}" for v in row))
    return lines


def verdict(f: Figures) -> str:
    return "no word measured" if math.isnan(f.original) else ("pass" if f.passed else "FAIL")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "kiosk-copy-test")
    parser.add_argument("--pages", choices=("all", "first"), default="all", help="pages to save pictures of")
    args = parser.parse_args()
    from kiosk.config import load_config
    from kiosk.effects import count_pages
    from printing.renderer import ReportlabRenderer
    from printing.samples import SAMPLES, issue_samples
    from printing.security.signer import SealSigner

    args.out.mkdir(parents=True, exist_ok=True)
    print(f"eye: Gaussian σ = 1 arcmin at {READING_DISTANCE_MM / 10:.0f} cm = {EYE_SIGMA_PX:.2f} px at {DPI} dpi")
    print(f"copier: {COPIER.dpi} dpi, optics σ = {COPIER.optics_sigma_mm} mm, noise σ = {COPIER.noise}, "
          f"threshold {COPIER.threshold:.0f}, worst of {len(PHASES)} offsets")
    print(f"limits: original |ΔL| <= {ORIGINAL_LIMIT:.0f}, copy ΔL >= {COPY_LIMIT:.0f} (grey levels of 255)")
    print(f"{'layout':<26}{'pages':>6}{'original ΔL':>13}{'copy ΔL':>9}  result")
    failed = 0
    with tempfile.TemporaryDirectory() as scratch:
        bare = tint_alone_pdf(Path(scratch) / "tint.pdf")
        figures = worst(measure_pdf(bare, 1))
        print(f"{'tint alone':<26}{1:>6}{figures.original:>13.2f}{figures.copy:>9.1f}  {verdict(figures)}")
        failed += not figures.passed
        save_pictures(bare, 1, args.out / "tint-alone")
        box = word_boxes()[0]
        first_word = render(bare, 1, box)
        seen = f"{texture(first_word, box):.1f}"
        notes = [f"texture: RMS difference over the word, eye-blurred tint with and without it: {seen} grey levels",
                 *sweep(first_word, box)]
        config = dataclasses.replace(load_config(), data_dir=Path(scratch) / "data")
        detection = []
        for order, (document, _) in zip(SAMPLES, issue_samples(config)):
            renderer = ReportlabRenderer(SealSigner(config.data_dir), two_sided=True,
                                         per_person_juminhyo=frozenset({order.municipality} if order.per_person else ()))
            data = renderer.render(document)  # two-sided: front, back, front, back...
            pdf = Path(scratch) / order.file
            pdf.write_bytes(data)
            pages = count_pages(data)
            found = measure_pdf(pdf, pages, backs_of(pages))
            detection.extend(f for f in found if f[1] == DETECTION_WORD)
            figures = worst(found)
            print(f"{order.file:<26}{pages:>6}{figures.original:>13.2f}{figures.copy:>9.1f}  {verdict(figures)}")
            failed += not figures.passed
            for page in range(1, (pages if args.pages == "all" else 2) + 1):
                save_pictures(pdf, page, args.out / f"{Path(order.file).stem}-p{page}")
        figures = worst(detection)
        print(f"{'detection image (backs)':<26}{len(detection):>6}{figures.original:>13.2f}{figures.copy:>9.1f}  "
              f"{verdict(figures)}")
    print("\n".join(notes))
    print(f"simulated copies (*-copy.png) and originals as the eye sees them (*-original.png): {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
