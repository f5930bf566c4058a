"""Looks: the bundled font, high-contrast colours and sizes that scale with the panel.

Sizes follow the shorter side of the panel (1024 px on the 1280×1024 reference screen), and no
touch target is ever under 80 px. Every text colour sits on its background at 7:1 or more
(WCAG 2.x AAA; the contrast test reads the style sheet below), and the states a finger must tell
apart look different: *selected* is white on dark blue with a check mark, *disabled* is grey text
on a pale grey with a dashed border, *pressed* is a light blue.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

from PySide6.QtGui import QFont, QFontDatabase

from kiosk.config import ASSETS

FONTS = ASSETS / "fonts"
UI_FONT_FILE = FONTS / "BIZUDPGothic-Regular.ttf"
# Languages whose letters BIZ UD Gothic lacks read in a face of Noto Sans CJK, cut to what the
# translations use (scripts/subset_fonts.py); BIZ UD Gothic stays next in line for names in kanji.
LANGUAGE_FONT_FILES = {
    "zh-Hans": FONTS / "NotoSansCJKsc-Subset.otf",
    "ko": FONTS / "NotoSansCJKkr-Subset.otf",
    "vi": FONTS / "NotoSansCJKjp-Vietnamese-Subset.otf",
}
MIN_TOUCH = 80
BORDER = 3  # a button's border: the style sheet's min-height is inside it
LARGE_TEXT = 1.25  # the 大きな文字 mode: every font this much bigger, the layout unchanged

INK = "#000000"
PAPER = "#FFFFFF"
PRIMARY = "#0A2A8C"  # white on it: 12.6:1
PRIMARY_DOWN = "#061A57"
PRESSED_BG = "#C9D6F5"  # black on it: 15:1
WARNING = "#8B0000"  # white on it: 10.4:1
WARNING_BG = "#FFF0C2"  # black on it: 19:1
DISABLED_BG = "#F2F2F2"
DISABLED_INK = "#4D4D4D"  # on DISABLED_BG: 7.9:1
MUTED_BG = "#EEF1F8"
MUTED_INK = "#3B3B3B"  # steps still to come, on white: 11:1
TRACK = "#FFFFFF"  # the progress bar's empty part; its chunk is PRIMARY (12.6:1 against it)
DEMO = "#C00000"  # white on it: 6.6:1 (large bold text)


def _register(path) -> str:
    families = QFontDatabase.applicationFontFamilies(QFontDatabase.addApplicationFont(str(path)))
    if not families:
        raise RuntimeError(f"cannot load the UI font {path}")
    return families[0]


def load_font() -> str:
    """Register the bundled fonts and return the UI's family; never falls back to system fonts silently."""
    return _register(UI_FONT_FILE)


@cache
def language_families() -> dict[str, str]:
    """The family each language reads in first, where it is not the UI's own (registered once)."""
    return {language: _register(path) for language, path in LANGUAGE_FONT_FILES.items()}


@dataclass(frozen=True)
class Theme:
    width: int
    height: int
    family: str
    large: bool = False
    first: str | None = None  # the language's own family, read before ``family``

    @property
    def portrait(self) -> bool:
        return self.height > self.width

    @property
    def unit(self) -> float:
        return min(self.width, self.height) / 1024

    def px(self, size: float) -> int:
        return round(size * self.unit)

    def text_px(self, size: float) -> int:
        return round(size * (LARGE_TEXT if self.large else 1))

    def with_large_text(self, large: bool) -> Theme:
        return replace(self, large=large)

    def for_language(self, language: str) -> Theme:
        return replace(self, first=language_families().get(language))

    @property
    def families(self) -> str:
        """The style sheet's font-family: the language's face, then the UI's (kanji names, digits)."""
        return ", ".join(f'"{f}"' for f in (self.first, self.family) if f)

    @property
    def touch(self) -> int:
        return max(MIN_TOUCH, self.px(96))

    @property
    def body(self) -> int:
        return self.text_px(max(26, self.px(32)))

    @property
    def small(self) -> int:
        return self.text_px(max(22, self.px(26)))

    @property
    def title(self) -> int:
        return self.text_px(max(34, self.px(44)))

    @property
    def pad(self) -> int:
        """Space between a button's border and its text."""
        return max(16, self.px(24))

    def font(self, pixel_size: int | None = None) -> QFont:
        font = QFont(self.family)
        font.setPixelSize(pixel_size or self.body)
        return font

    def stylesheet(self) -> str:
        t, b, big, small, pad = self.touch, self.body, self.title, self.small, self.pad
        steps = max(20, self.px(24))  # the step indicator keeps its size in 大きな文字: it must stay on one line
        chrome = max(26, self.px(32))  # so do the tools and the footer: 大きな文字 is for what the page says
        return f"""
        QWidget {{ background: {PAPER}; color: {INK}; font-family: {self.families}; font-size: {b}px; }}
        QLabel[role="title"] {{ font-size: {big}px; font-weight: bold; }}
        QLabel[role="big"] {{ font-size: {round(big * 1.2)}px; font-weight: bold; }}
        QLabel[role="small"] {{ font-size: {small}px; }}
        QLabel[role="warning"] {{ background: {WARNING}; color: {PAPER}; font-weight: bold; }}
        QLabel[role="note"] {{ background: {WARNING_BG}; color: {INK}; font-size: {small}px; }}
        QLabel[role="strong"] {{ font-weight: bold; }}
        QLabel[role="demo"] {{ background: {DEMO}; color: {PAPER}; font-weight: bold; padding: 4px 16px; }}
        QFrame[role="bar"] QLabel[role="step"] {{ background: {PAPER}; color: {MUTED_INK}; border: 2px solid {MUTED_INK}; border-radius: 6px; padding: 4px {self.px(10)}px; font-size: {steps}px; }}
        QFrame[role="bar"] QLabel[role="step_done"] {{ background: {MUTED_BG}; color: {INK}; border: 2px solid {INK}; border-radius: 6px; padding: 4px {self.px(10)}px; font-size: {steps}px; }}
        QFrame[role="bar"] QLabel[role="step_now"] {{ background: {PRIMARY}; color: {PAPER}; border: 2px solid {PRIMARY}; border-radius: 6px; padding: 4px {self.px(10)}px; font-size: {steps}px; font-weight: bold; }}
        QFrame[role="card"] {{ background: {MUTED_BG}; border: 2px solid {INK}; border-radius: 8px; }}
        QFrame[role="card"] QLabel {{ background: transparent; }}
        QFrame[role="overlay"] {{ background: {WARNING_BG}; border: 4px solid {INK}; }}
        QFrame[role="overlay"] QLabel {{ background: transparent; }}
        QFrame[role="bar"] {{ background: {MUTED_BG}; border: none; }}
        QFrame[role="bar"] QLabel {{ background: transparent; }}
        QPushButton {{
            min-height: {t - 2 * BORDER}px; padding: 0 {pad}px;
            background: {PAPER}; color: {INK}; border: {BORDER}px solid {INK}; border-radius: 10px;
        }}
        QPushButton:pressed {{ background: {PRESSED_BG}; color: {INK}; }}
        QPushButton[role="primary"] {{ background: {PRIMARY}; color: {PAPER}; border-color: {PRIMARY}; font-weight: bold; }}
        QPushButton[role="primary"]:pressed {{ background: {PRIMARY_DOWN}; color: {PAPER}; }}
        QPushButton[role="key"] {{ font-size: {round(self.text_px(max(36, self.px(50))) * 1.1)}px; font-weight: bold; padding: 0 4px; }}
        QPushButton[role="tool"] {{ padding: 0 {self.px(12)}px; }}
        QLabel[role="key_word"] {{ font-size: {max(20, self.px(22))}px; background: transparent; }}
        QPushButton[role="choice"] {{ text-align: left; padding: {self.px(6)}px {self.px(16)}px; }}
        QPushButton:checked {{ background: {PRIMARY}; color: {PAPER}; border-color: {PRIMARY}; }}
        QPushButton:disabled {{ background: {DISABLED_BG}; color: {DISABLED_INK}; border: {BORDER}px dashed {DISABLED_INK}; }}
        QProgressBar {{ background: {TRACK}; border: 3px solid {INK}; border-radius: 8px; color: {INK}; }}
        QProgressBar::chunk {{ background: {PRIMARY}; }}
        QWidget#footer QPushButton, QWidget#footer QLabel {{ font-size: {chrome}px; }}
        QWidget#tools QPushButton, QWidget#tools QLabel {{ font-size: {max(22, self.px(26))}px; }}
        QScrollArea {{ border: none; }}
        QScrollBar:vertical {{ width: {self.px(40)}px; }}
        """
