"""Seals on the certificate: the municipality's 公印 (square, red, seal-script-like vector strokes)
and a resident's registered 印影 (a picture from the registry, printed as a stencil).

The 公印 is drawn once per PDF as a form XObject and shown on every page; it is printed in
``OFFICE_SEAL_INK`` with the Multiply blend, so the mayor's name it stands on stays readable
through it, as through a real seal's ink. The 印影 is a 1-bit picture (printing.impression)
embedded once per PDF as an image mask: only its ink is painted, in ``IMPRESSION_INK``, and the
地紋 shows between its strokes as it does on paper.
"""
from __future__ import annotations

import hashlib
import io
import zlib

from PIL import Image
from reportlab.pdfbase.pdfdoc import PDFArray, PDFName, PDFObject, PDFStream
from reportlab.pdfgen.canvas import FILL_NON_ZERO, Canvas

from printing.seal_glyphs import glyph

OFFICE_SEAL_INK = (0.84, 0.12, 0.10)  # 朱色: the red of an official seal (the only place its colour is set)
IMPRESSION_INK = (0.0, 0.0, 0.0)  # the 印影 is reproduced in black, as 印鑑登録証明書 print it
FRAME = 0.03  # the 公印's border, as a share of its side
STEP = 0.034  # the glyph lattice's step, as a share of the side: about 2 pt on a 21 mm seal
STROKE = 0.56  # a glyph stroke's width, as a share of the step
MAX_PICTURE_PIXELS = 1200 * 1200  # a 印影 picture larger than this is not one


def columns(count: int) -> list[int]:
    """How many characters each column holds, right to left: 6 as 3+3, 7 as 3+2+2, 8 as 3+3+2."""
    if count <= 0:
        return []
    number = 1 if count <= 2 else 2 if count <= 6 else 3 if count <= 9 else 4
    base, extra = divmod(count, number)
    return [base + (1 if c < extra else 0) for c in range(number)]


def office_seal_runs(text: str, size: float) -> list[tuple[float, float, float, float]]:
    """The 公印 as filled rectangles (x0, y0, x1, y1) in points from its lower-left corner: the
    border, then the characters in columns read top-down, right to left, each filling its cell."""
    frame = size * FRAME
    stroke = size * STEP * STROKE
    boxes = [(0, 0, size, frame), (0, size - frame, size, size), (0, 0, frame, size), (size - frame, 0, size, size)]
    gap = stroke * 1.3  # between the border and the characters, and between two characters
    inner = size - 2 * (frame + gap)
    spread = columns(len(text))
    if not spread:
        return boxes
    width = (inner - gap * (len(spread) - 1)) / len(spread)
    index = 0
    for column, count in enumerate(spread):
        height = (inner - gap * (count - 1)) / count
        x = frame + gap + (len(spread) - 1 - column) * (width + gap)
        for row in range(count):
            top = size - frame - gap - row * (height + gap)
            nx = max(2, round((width - stroke) / (size * STEP)))
            ny = max(2, round((height - stroke) / (size * STEP)))
            sx, sy = (width - stroke) / nx, (height - stroke) / ny
            for x0, y0, x1, y1 in glyph(text[index], nx, ny):
                boxes.append((x + x0 * sx, top - y1 * sy - stroke, x + x1 * sx + stroke, top - y0 * sy))
            index += 1
    return boxes


def draw_office_seal(canvas: Canvas, text: str, cx: float, cy: float, size: float) -> None:
    """The 公印 centred on (cx, cy): defined in the PDF the first time, then only shown."""
    name = "koin" + hashlib.sha1(f"{text}|{size}|{OFFICE_SEAL_INK}".encode()).hexdigest()[:12]
    if not canvas.hasForm(name):
        canvas.beginForm(name, lowerx=0, lowery=0, upperx=size, uppery=size)
        canvas.setFillColorRGB(*OFFICE_SEAL_INK)
        path = canvas.beginPath()
        for x0, y0, x1, y1 in office_seal_runs(text, size):
            path.rect(x0, y0, x1 - x0, y1 - y0)
        canvas.drawPath(path, stroke=0, fill=1, fillMode=FILL_NON_ZERO)  # overlapping strokes add up
        canvas.endForm()
    canvas.saveState()
    canvas.setBlendMode("Multiply")  # ink over the name: black stays black, paper turns red
    canvas.translate(cx - size / 2, cy - size / 2)
    canvas.doForm(name)
    canvas.restoreState()


# --- the 印影 ----------------------------------------------------------------------------------


class PictureError(ValueError):
    """The registry's 印影 picture cannot be printed (not a PNG, or absurdly large)."""


def picture_size(png: bytes) -> tuple[float, float]:
    """The picture's printed width and height in points, from its pixels and resolution."""
    return _size(_open(png))


def _size(image: Image.Image) -> tuple[float, float]:
    dpi_x, dpi_y = (float(v) for v in image.info.get("dpi", (72, 72)))
    return image.width * 72 / dpi_x, image.height * 72 / dpi_y


def draw_impression(canvas: Canvas, png: bytes, cx: float, cy: float) -> None:
    """The 印影 centred on (cx, cy) at its own size (the picture's dpi): a stencil in IMPRESSION_INK."""
    opened = _open(png)
    width, height = _size(opened)
    image = opened.convert("1")  # black (0) is ink: with the mask's default Decode, 0 paints
    data = image.tobytes()
    name = "inei" + hashlib.sha1(data + f"{image.width}x{image.height}".encode()).hexdigest()[:12]
    document = canvas._doc
    ref = document.getXObjectName(name)
    if ref not in document.idToObject:  # the same picture (copies, pages) is embedded once
        stencil = _Stencil(name, image.width, image.height, data)
        document.Reference(stencil, ref)
        document.addForm(name, stencil)
    canvas.saveState()
    canvas.setFillColorRGB(*IMPRESSION_INK)
    canvas.translate(cx - width / 2, cy - height / 2)
    canvas.scale(width, height)
    canvas._code.append(f"/{ref} Do")
    canvas.restoreState()
    canvas._formsinuse.append(name)


def _open(png: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(png))
        if image.format != "PNG" or image.width * image.height > MAX_PICTURE_PIXELS:
            raise PictureError("the 印影 picture is not a PNG of a seal's size")
        image.load()
    except (OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise PictureError(f"the 印影 picture cannot be read ({type(exc).__name__})") from None
    return image


class _Stencil(PDFObject):
    """A 1-bit image mask (PDF 8.9.6.2): paints the current fill colour where a bit is 0."""

    def __init__(self, name: str, width: int, height: int, bits: bytes) -> None:
        self.name = name
        self.width, self.height = width, height
        self.content = zlib.compress(bits, 6)  # 9 saves 1 % and costs 2 ms a page

    def format(self, document):  # type: ignore[no-untyped-def]
        stream = PDFStream(content=self.content)
        entries = stream.dictionary
        entries["Type"] = PDFName("XObject")
        entries["Subtype"] = PDFName("Image")
        entries["Width"] = self.width
        entries["Height"] = self.height
        entries["ImageMask"] = b"true"
        entries["BitsPerComponent"] = 1
        entries["Filter"] = PDFArray([PDFName("FlateDecode")])
        entries["Length"] = len(self.content)
        return stream.format(document)
