"""Looks: the bundled font, high-contrast colours and sizes that scale with the panel.

Sizes follow the shorter side of the panel (1024 px on the 1280×1024 reference screen), and no
touch target is ever under 80 px. Colours keep at least 7:1 contrast (WCAG AAA) for text.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QFont, QFontDatabase

from kiosk.config import ASSETS

UI_FONT_FILE = ASSETS / "fonts" / "BIZUDPGothic-Regular.ttf"
MIN_TOUCH = 80

INK = "#000000"
PAPER = "#FFFFFF"
PRIMARY = "#0A2A8C"  # white on it: 12.6:1
PRIMARY_DOWN = "#061A57"
WARNING = "#8B0000"  # white on it: 10.4:1
WARNING_BG = "#FFF0C2"  # black on it: 19:1
DISABLED_BG = "#D6D6D6"
DISABLED_INK = "#3A3A3A"  # on DISABLED_BG: 8.4:1
MUTED_BG = "#EEF1F8"
DEMO = "#C00000"


def load_font() -> str:
    """Register the bundled font and return its family; never falls back to system fonts silently."""
    font_id = QFontDatabase.addApplicationFont(str(UI_FONT_FILE))
    families = QFontDatabase.applicationFontFamilies(font_id)
    if not families:
        raise RuntimeError(f"cannot load the UI font {UI_FONT_FILE}")
    return families[0]


@dataclass(frozen=True)
class Theme:
    width: int
    height: int
    family: str

    @property
    def unit(self) -> float:
        return min(self.width, self.height) / 1024

    def px(self, size: float) -> int:
        return round(size * self.unit)

    @property
    def touch(self) -> int:
        return max(MIN_TOUCH, self.px(96))

    @property
    def body(self) -> int:
        return max(26, self.px(32))

    @property
    def title(self) -> int:
        return max(36, self.px(50))

    def font(self, pixel_size: int | None = None) -> QFont:
        font = QFont(self.family)
        font.setPixelSize(pixel_size or self.body)
        return font

    def stylesheet(self) -> str:
        t, b, big = self.touch, self.body, self.title
        return f"""
        QWidget {{ background: {PAPER}; color: {INK}; font-family: "{self.family}"; font-size: {b}px; }}
        QLabel[role="title"] {{ font-size: {big}px; font-weight: bold; }}
        QLabel[role="big"] {{ font-size: {round(big * 1.3)}px; font-weight: bold; }}
        QLabel[role="small"] {{ font-size: {max(22, round(b * 0.8))}px; }}
        QLabel[role="warning"] {{ background: {WARNING}; color: {PAPER}; padding: {self.px(16)}px; font-weight: bold; }}
        QLabel[role="note"] {{ background: {WARNING_BG}; padding: {self.px(12)}px; font-size: {max(22, round(b * 0.8))}px; }}
        QLabel[role="demo"] {{ background: {DEMO}; color: {PAPER}; font-weight: bold; padding: 4px 16px; }}
        QFrame[role="card"] {{ background: {MUTED_BG}; border: 2px solid {INK}; border-radius: 8px; }}
        QFrame[role="card"] QLabel {{ background: transparent; }}
        QFrame[role="overlay"] {{ background: {WARNING_BG}; border: 4px solid {INK}; }}
        QFrame[role="overlay"] QLabel {{ background: transparent; }}
        QPushButton {{
            min-height: {t}px; min-width: {t}px; padding: 0 {self.px(24)}px;
            background: {PAPER}; color: {INK}; border: 3px solid {INK}; border-radius: 10px;
        }}
        QPushButton:pressed {{ background: {DISABLED_BG}; }}
        QPushButton[role="primary"] {{ background: {PRIMARY}; color: {PAPER}; border-color: {PRIMARY}; font-weight: bold; }}
        QPushButton[role="primary"]:pressed {{ background: {PRIMARY_DOWN}; }}
        QPushButton[role="key"] {{ font-size: {round(big * 1.2)}px; font-weight: bold; }}
        QPushButton[role="choice"] {{ text-align: left; padding: {self.px(12)}px {self.px(28)}px; }}
        QPushButton:checked {{ background: {PRIMARY}; color: {PAPER}; border-color: {PRIMARY}; }}
        QPushButton:disabled {{ background: {DISABLED_BG}; color: {DISABLED_INK}; border-color: {DISABLED_INK}; }}
        QScrollArea {{ border: none; }}
        QScrollBar:vertical {{ width: {self.px(40)}px; }}
        """
