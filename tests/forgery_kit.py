"""What a forger does to a certificate, for the verify tests: paint over a PDF page (a white box,
new text in the certificate's own font, at the very place), re-render altered data under a
genuine page's code, drop, repeat or mix pages, and scan paper: rasterise, turn, scale, blur,
add noise, save as PNG or JPEG."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
from PIL import Image
from pypdf import PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from printing import fonts
from printing import geometry as g
from printing.redraw import redraw
from printing.security.seal_code import PageSeal, open_code
from printing.security.signer import SealSigner
from printing.sheet import Region
from printing.verify import _codes_on_page, _poppler

Draw = Callable[[Canvas], None]


class Replaying(SealSigner):
    """Prints whatever codes it is given: what a forger does with a genuine paper's codes."""

    def __init__(self, codes: list[bytes]) -> None:
        self._codes = codes

    def key_id(self, municipality_code: str) -> str:
        return open_code(self._codes[0]).seal.key_id or ""

    def sign(self, seal: PageSeal) -> bytes:
        return self._codes[seal.page - 1]


class Recording(SealSigner):
    """Signs as usual and keeps every code it made."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.codes: list[bytes] = []

    def sign(self, seal: PageSeal) -> bytes:
        self.codes.append(super().sign(seal))
        return self.codes[-1]


def regions(pdf: bytes, page: int = 1) -> dict[str, Region]:
    """Where the renderer drew each field of a page (from the page's own code), by name."""
    path = Path(_scratch(pdf))
    [code] = _codes_on_page(path, page)
    return {r.name: r for r in reversed(redraw(code.opened.seal, code.data).regions)}


def overlay(pdf: bytes, page: int, *draws: Draw) -> bytes:
    """Draw on top of one page (1-based), as a PDF editor does."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    for draw in draws:
        draw(canvas)
    canvas.showPage()
    canvas.save()
    from pypdf import PdfReader

    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.pages[page - 1].merge_page(PdfReader(io.BytesIO(out.getvalue())).pages[0])
    result = io.BytesIO()
    writer.write(result)
    return result.getvalue()


def white_box(x0: float, y0: float, x1: float, y1: float) -> Draw:
    def draw(canvas: Canvas) -> None:
        canvas.setFillColorRGB(1, 1, 1)
        canvas.rect(x0, y0, x1 - x0, y1 - y0, stroke=0, fill=1)
    return draw


def text(x: float, y: float, words: str, size: float = g.TEXT_SIZE) -> Draw:
    def draw(canvas: Canvas) -> None:
        canvas.setFillColorRGB(0, 0, 0)
        canvas.setFont(fonts.font(fonts.MINCHO), size)
        canvas.drawString(x, y, words)
    return draw


def over_value(region: Region, new: str | None) -> tuple[Draw, ...]:
    """A white box just over a table row's value text, and ``new`` written in its place."""
    x0, y0, x1, y1 = region.box
    x = x0 + g.LABEL_WIDTH + g.CELL_PAD
    baseline = y1 - g.CELL_PAD - g.TEXT_SIZE
    width = stringWidth(region.value, fonts.font(fonts.MINCHO), g.TEXT_SIZE)
    box = white_box(x - 0.5, baseline - 2.5, x + width + 0.5, baseline + g.TEXT_SIZE - 0.5)
    return (box,) if new is None else (box, text(x, baseline, new))


def assemble(*pages: tuple[bytes, int]) -> bytes:
    """A PDF of the given pages (1-based) of the given PDFs, in order: pages dropped, repeated or mixed."""
    writer = PdfWriter()
    from pypdf import PdfReader

    for pdf, page in pages:
        writer.add_page(PdfReader(io.BytesIO(pdf)).pages[page - 1])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass(frozen=True)
class Scanner:
    """A flatbed scan of the printed page: paper on a slightly grey bed, turned and scaled a
    little, the optics' blur, sensor noise, then PNG or JPEG."""

    dpi: int = 300
    angle: float = 0.0  # degrees, anticlockwise
    scale: float = 1.0
    noise: float = 0.0  # grey levels (sigma)
    jpeg: int | None = None  # quality; None: PNG
    seed: int = 1

    def scan(self, pdf: bytes, page: int = 1) -> bytes:
        import hashlib

        key = (hashlib.sha256(pdf).hexdigest(), page, self)
        if key not in _SCANS:
            _SCANS[key] = self._scan(pdf, page)
        return _SCANS[key]

    def _scan(self, pdf: bytes, page: int) -> bytes:
        raw = _poppler("pdftoppm", "-r", str(self.dpi), "-aaVector", "no", "-gray", "-f", str(page), "-l", str(page),
                       _scratch(pdf))
        paper = np.asarray(Image.open(io.BytesIO(raw)).convert("L"))
        paper = cv2.GaussianBlur(paper, (0, 0), 0.7)  # the optics: no scanner resolves a hairline sharply
        margin = self.dpi // 6
        bed = np.full((paper.shape[0] + 2 * margin, paper.shape[1] + 2 * margin), 238, np.uint8)
        bed[margin:-margin, margin:-margin] = paper
        height, width = bed.shape
        turn = cv2.getRotationMatrix2D((width / 2, height / 2), self.angle, self.scale)
        image = cv2.warpAffine(bed, turn, (width, height), flags=cv2.INTER_LINEAR, borderValue=238)
        if self.noise:
            noise = np.random.default_rng(self.seed).standard_normal(image.shape, dtype=np.float32) * self.noise
            image = np.clip(image + noise, 0, 255).astype(np.uint8)
        picture = Image.fromarray(image)
        out = io.BytesIO()
        if self.jpeg:
            picture.save(out, "JPEG", quality=self.jpeg)
        else:
            picture.save(out, "PNG", compress_level=1)  # the test's time goes into verifying, not zlib
        return out.getvalue()

    def __str__(self) -> str:
        kind = f"JPEG q{self.jpeg}" if self.jpeg else "PNG"
        return f"{self.dpi}dpi {self.angle:+.1f}° x{self.scale} noise {self.noise} {kind}"


def crop(image: bytes, keep: float) -> bytes:
    """The bottom ``keep`` share of a scan: a page scanned with its top cut off."""
    picture = Image.open(io.BytesIO(image))
    out = io.BytesIO()
    picture.crop((0, int(picture.height * (1 - keep)), picture.width, picture.height)).save(out, "PNG")
    return out.getvalue()


_SCANS: dict[tuple[str, int, Scanner], bytes] = {}  # the same paper scanned alike by several tests
SCRATCH: list[Path] = []  # the folder for PDFs poppler must read from a file: set by the tests' fixture


def _scratch(pdf: bytes) -> str:
    import hashlib

    path = SCRATCH[-1] / f"{hashlib.sha256(pdf).hexdigest()[:16]}.pdf"
    if not path.exists():
        path.write_bytes(pdf)
    return str(path)
