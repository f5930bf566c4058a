"""Where things go on an A4 certificate page, in points, and how text wraps to a width."""
from __future__ import annotations

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth

PAGE_WIDTH, PAGE_HEIGHT = A4
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
