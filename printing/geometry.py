"""Where things go on an A4 certificate page, in points, and how text wraps to a width."""
from __future__ import annotations

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth

PAGE_WIDTH, PAGE_HEIGHT = A4
MM = 72 / 25.4
# Nothing is printed within 4 mm of the sheet's edge, the 地紋 included: printers cannot print
# there (most leave 4-5 mm), and what they cannot print they cut off or shrink the page to fit.
SAFE_MARGIN = 4 * MM

# The 地紋 (printing.security.tint) is a 1-bit picture at the printer's 600 dpi, one picture pixel
# to one printer pixel: its box is counted in those pixels from the page's top-left corner (the
# corner a printer's raster starts from), a whole number of the tint's 9-pixel cells each way.
# The corner is a multiple of 12 pixels, so that at 300, 200, 150 and 100 dpi too it falls on a
# pixel's corner (no seams where a viewer scales the pictures down).
TINT_DPI = 600
TINT_PIXEL = 72 / TINT_DPI  # points
TINT_LEFT_PX = TINT_TOP_PX = 96  # 4.06 mm
TINT_WIDTH_PX, TINT_HEIGHT_PX = 4761, 6804  # 201.6 x 288.0 mm: 4.39 mm spare on the right, 4.90 mm at the foot
LEFT = 42.0  # 15 mm
RIGHT = PAGE_WIDTH - 42.0
CONTENT_WIDTH = RIGHT - LEFT
LABEL_WIDTH = 118.0

TITLE_SIZE = 20
TITLE_BASELINE = PAGE_HEIGHT - 66
ISSUE_NUMBER_BASELINE = PAGE_HEIGHT - 34
TABLE_TOP = PAGE_HEIGHT - 88

TEXT_SIZE = 10
LEADING = 13.0
CELL_PAD = 3.5
HEADING_HEIGHT = 18.0
SEAL_ROW_HEIGHT = 84.0  # a row holding a 印影

CONTENT_BOTTOM = 166.0  # above the microtext, the code and the page number
MICROTEXT_BASELINE = 156.0
CODE_X, CODE_Y, CODE_SIZE = LEFT - 6, 30.0, 116.0  # 41 mm with the quiet zone
PAGE_NUMBER_BASELINE = 16.0

BLANK_NOTE_HEIGHT = 22.0  # 「以下余白」 under the last row
# The closing block (認証文, date, mayor and seal) sits in the bottom band right of the code.
CLOSING_X = CODE_X + CODE_SIZE + 10
ATTESTATION_BASELINE = 136.0
OFFICE_SEAL_SIZE = 60.0  # 21 mm
OFFICE_SEAL_CENTER = (RIGHT - OFFICE_SEAL_SIZE / 2 - 2, 84.0)
CODE_NOTE_BASELINE = 46.0


def row_height(lines: int) -> float:
    return max(1, lines) * LEADING + 2 * CELL_PAD


def wrap(text: str, font: str, size: float, width: float) -> tuple[str, ...]:
    """Break by characters: Japanese has no spaces to break at."""
    lines: list[str] = []
    current, current_width = "", 0.0
    for char in text:
        char_width = stringWidth(char, font, size)
        if current and current_width + char_width > width:
            lines.append(current)
            current, current_width = "", 0.0
        current += char
        current_width += char_width
    return (*lines, current)
