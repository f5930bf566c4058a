"""The 2D code on the page: a QR code (level M) drawn as a 1-bit image, a few hundred bytes in the PDF.

The mask is fixed rather than chosen by scoring all eight: scoring is three quarters of the
encoding time (segno, about 45 of 60 ms for 500 bytes), and every mask is valid and read by
any decoder; the payload is compressed, hence random-looking, so no mask is bad for it.
"""
from __future__ import annotations

import segno
from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks
MAX_VERSION = 20  # 97 modules: 0.4 mm each in the printed square, 4.7 px in a 300 dpi scan
MAX_CODE_BYTES = 660  # what version 20 holds at level M (666), less a margin
_DARK_TO_BLACK = bytes([255, 0]) + bytes(254)  # segno's modules are 1 (dark) or 0: to grey levels


def symbol_box(data: bytes, x: float, y: float, size: float) -> tuple[float, float, float, float]:
    """Where ``draw_code`` puts the symbol itself (inside the quiet zone): x0, y0, x1, y1 in points."""
    modules = len(segno.make_qr(data, error="m", mask=0, boost_error=False).matrix)
    quiet = size * QUIET_ZONE / (modules + 2 * QUIET_ZONE)
    return (x + quiet, y + quiet, x + size - quiet, y + size - quiet)


def draw_code(canvas: Canvas, data: bytes, x: float, y: float, size: float) -> None:
    """The code for ``data`` in a square of ``size`` points (quiet zone included) at (x, y)."""
    code = segno.make_qr(data, error="m", mask=0, boost_error=False)
    if code.version > MAX_VERSION:
        raise ValueError(f"code of {len(data)} bytes needs QR version {code.version} > {MAX_VERSION}")
    side = len(code.matrix) + 2 * QUIET_ZONE
    pixels = bytearray(b"\xff" * side * side)
    for row, line in enumerate(code.matrix, start=QUIET_ZONE):
        start = row * side + QUIET_ZONE
        pixels[start : start + len(line)] = bytes(line).translate(_DARK_TO_BLACK)
    image = Image.frombytes("L", (side, side), bytes(pixels)).convert("1")
    canvas.drawImage(ImageReader(image), x, y, size, size)
