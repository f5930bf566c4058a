"""Every text on every screen state fits its box, in every language, at every panel size.

The states are ui/gallery.py's (the screenshots draw the same ones), captured once from real
sessions and shown again on one display kiosk per panel size. Measured with the font's own
metrics, after the style sheet has set each widget's font:

- a label: its text laid out with its own font, alignment and word-wrap flags inside its
  contents rect less margin and indent (``QFontMetrics.boundingRect(rect, flags, text)``, as
  QLabel lays it out) must fit in width and height; the height counts every line's descent;
- a push button: text width + the style sheet's padding and border (the style's own
  SE_PushButtonContents rect) within its width, the font's height within its height;
- every widget: inside the window and inside every ancestor (a scroll area's viewport aside:
  content below it is reported once, as the scroll bar the page then shows);
- an ellipsis that no translation has is elided text;
- two texts side by side closer than a space of their font run together ("record¥300");
- a character the widget's font has no glyph for is drawn as a box or in another font.

All failures of one size and language are reported at once, a line each: state, language,
size, widget, text, needed against available pixels.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QFontMetrics, QTextDocument
from PySide6.QtGui import Qt as QtGuiNamespace  # mightBeRichText lives in QtGui's Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QLabel,
    QPushButton,
    QStyle,
    QStyleOptionButton,
    QWidget,
)

from ui import gallery
from ui.i18n import FIRST, load_catalogs

CATALOGS = load_catalogs()
LANGUAGES = tuple(sorted(CATALOGS, key=lambda code: (code != FIRST, code)))
ELLIPSIS = "…"
HUGE = 100_000


# --- what fits -----------------------------------------------------------------------------------------
def label_needs(label: QLabel) -> tuple[QRect, QRect] | None:
    """(the text's laid-out rect, the rect QLabel gives it), or None for a label without text."""
    words = label.text()
    if not words:
        return None
    label.ensurePolished()
    fm = QFontMetrics(label.font())
    box = label.contentsRect()
    m = label.margin()
    box.adjust(m, m, -m, -m)
    align = label.alignment()
    indent = label.indent()
    if indent < 0 and label.frameWidth() > 0:
        indent = fm.horizontalAdvance("x") // 2
    if indent > 0:
        if align & Qt.AlignmentFlag.AlignLeft:
            box.setLeft(box.left() + indent)
        if align & Qt.AlignmentFlag.AlignRight:
            box.setRight(box.right() - indent)
        if align & Qt.AlignmentFlag.AlignTop:
            box.setTop(box.top() + indent)
        if align & Qt.AlignmentFlag.AlignBottom:
            box.setBottom(box.bottom() - indent)
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and QtGuiNamespace.mightBeRichText(words))
    if rich:
        doc = QTextDocument()
        doc.setDefaultFont(label.font())
        doc.setDocumentMargin(0)
        doc.setHtml(words)
        if label.wordWrap():
            doc.setTextWidth(box.width())
        size = doc.size()
        return QRect(0, 0, round(max(doc.idealWidth(), size.width() if not label.wordWrap() else 0)),
                     round(size.height())), box
    flags = int(QStyle.visualAlignment(label.layoutDirection(), align).value)
    if label.wordWrap():
        flags |= int(Qt.TextFlag.TextWordWrap.value)
    # unbounded height: how tall the text is at this width, not how much of it the box shows
    laid = fm.boundingRect(QRect(box.x(), box.y(), box.width(), HUGE), flags & ~_VERTICAL, words)
    return laid, box


_VERTICAL = int((Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignBaseline).value)


def button_needs(button: QPushButton) -> tuple[QRect, QRect] | None:
    words = button.text()
    if not words:
        return None
    button.ensurePolished()
    option = QStyleOptionButton()
    button.initStyleOption(option)
    box = button.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option, button)
    fm = QFontMetrics(button.font())
    laid = fm.boundingRect(QRect(0, 0, HUGE, HUGE), int(Qt.TextFlag.TextShowMnemonic.value), words)
    width = laid.width()
    if not button.icon().isNull():
        width += button.iconSize().width() + 4  # QCommonStyle's gap between icon and text
    return QRect(0, 0, width, max(laid.height(), fm.height())), box


def who(widget: QWidget) -> str:
    """The widget as a reader finds it: class, role, object name, and the nearest named ancestor or own class."""
    name = type(widget).__name__
    role = widget.property("role")
    if role:
        name += f"[role={role}]"
    if widget.objectName() and not widget.objectName().startswith("qt_"):
        name += f"#{widget.objectName()}"
    parent = widget.parentWidget()
    while parent is not None and parent.parentWidget() is not None:
        named = parent.objectName() and not parent.objectName().startswith("qt_")
        if named or not type(parent).__module__.startswith("PySide6"):
            return f"{name} in {'#' + parent.objectName() if named else type(parent).__name__}"
        parent = parent.parentWidget()
    return name


def _in_window(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def _viewport(widget: QWidget) -> bool:
    owner = widget.parentWidget()
    return isinstance(owner, QAbstractScrollArea) and owner.viewport() is widget


def _elided(words: str, language: str) -> bool:
    if ELLIPSIS not in words:
        return False
    rest = "".join(c for c in words if unicodedata.category(c) != "Cf")  # break hints (ui/phrases.py) aside
    for pattern in _ellipsis_patterns(language):
        rest = pattern.sub("", rest)
    return ELLIPSIS in rest


_GLYPHS: dict[tuple[str, str], bool] = {}


def _missing_glyphs(widget: QWidget, words: str) -> list[str]:
    """Characters the widget's own font cannot draw: they show as boxes, or in a fallback font whose
    metrics this test never measured."""
    family = widget.font().family()
    fm = None
    missing = []
    for char in dict.fromkeys(words):
        if char.isspace() or not char.isprintable():
            continue
        key = (family, char)
        if key not in _GLYPHS:
            fm = fm or QFontMetrics(widget.font())
            _GLYPHS[key] = fm.inFontUcs4(ord(char))
        if not _GLYPHS[key]:
            missing.append(char)
    return missing


_PATTERNS: dict[str, list[re.Pattern]] = {}


def _ellipsis_patterns(language: str) -> list[re.Pattern]:
    if language not in _PATTERNS:
        messages = []
        for code in {language, FIRST}:
            for message in CATALOGS[code].values():
                messages += list(message.values()) if isinstance(message, dict) else [message]
        _PATTERNS[language] = [
            re.compile(re.sub(r"\\\{[^}]*\\\}", ".*?", re.escape(m)), re.DOTALL) for m in messages
            if isinstance(m, str) and ELLIPSIS in m
        ]
    return _PATTERNS[language]


def problems(window: QWidget, language: str, lists_may_scroll: bool = False) -> Iterator[str]:
    """What does not fit on the window as it is shown now. A list may scroll only where the resident
    asked for more than a screen holds (大きな文字, くわしく); text is never cut, even then."""
    texts: list[tuple[QWidget, QRect, int]] = []  # where each text is drawn, and a space of its font
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window) or widget.width() <= 0 or widget.height() <= 0:
            continue
        words = widget.text() if isinstance(widget, (QLabel, QAbstractButton)) else ""
        quoted = f" {words!r}" if words else ""
        fit = None
        if isinstance(widget, QLabel):
            fit = label_needs(widget)
            if fit is not None:
                laid, box = fit
                if laid.width() > box.width():
                    yield f"{who(widget)}{quoted}: needs {laid.width()} px wide, has {box.width()}"
                if laid.height() > box.height():
                    yield f"{who(widget)}{quoted}: needs {laid.height()} px high, has {box.height()}"
        elif isinstance(widget, QPushButton):
            fit = button_needs(widget)
            if fit is not None:
                laid, box = fit
                if laid.width() > box.width():
                    pad = widget.width() - box.width()
                    yield (f"{who(widget)}{quoted}: needs {laid.width() + pad} px wide (text {laid.width()} + "
                           f"padding and border {pad}), has {widget.width()}")
                if laid.height() > box.height():
                    yield f"{who(widget)}{quoted}: needs {laid.height()} px high for its text, has {box.height()}"
        visible, cut = _visible(widget, window)
        if fit is not None and fit[0].width() <= fit[1].width() and fit[0].height() <= fit[1].height():
            drawn = _drawn(widget, *fit).translated(widget.mapTo(window, QPoint(0, 0))).intersected(visible)
            if not drawn.isEmpty():  # texts that fit, where they show: do they keep apart?
                texts.append((widget, drawn, QFontMetrics(widget.font()).horizontalAdvance(" ")))
        if words and _elided(words, language):
            yield f"{who(widget)}{quoted}: elided (an ellipsis no translation has)"
        if words and (missing := _missing_glyphs(widget, words)):
            yield (f"{who(widget)}{quoted}: the font {widget.font().family()!r} has no glyph for "
                   f"{' '.join(f'{c} U+{ord(c):04X}' for c in missing)} (boxes, or another font's metrics)")
        if isinstance(widget, QAbstractScrollArea) and not lists_may_scroll:
            for bar, way in ((widget.verticalScrollBar(), "down"), (widget.horizontalScrollBar(), "sideways")):
                if bar.isVisibleTo(window):
                    yield f"{who(widget)}: scrolls {way}, {bar.maximum()} px of it out of sight"
        if cut and (words or not widget.findChildren(QWidget)):  # containers: their parts say it
            yield f"{who(widget)}{quoted}: {cut}"
    yield from _run_together(texts)


def _drawn(widget: QWidget, laid: QRect, box: QRect) -> QRect:
    """Where the text is drawn inside the widget: its laid-out size placed in the box by the alignment."""
    if isinstance(widget, QLabel):
        align = QStyle.visualAlignment(widget.layoutDirection(), widget.alignment())
    else:  # a push button centres its text, unless the style sheet says text-align
        align = Qt.AlignmentFlag.AlignCenter
    return QStyle.alignedRect(widget.layoutDirection(), align, laid.size(), box)


def _visible(widget: QWidget, window: QWidget) -> tuple[QRect, str]:
    """The part of the widget that shows (in window coordinates), and what cuts it off, if anything.

    A scroll area's viewport hides what is scrolled out of sight: that part is not shown, and the
    scroll bar that then shows is reported instead. Any other ancestor, and the window, must hold
    the whole widget.
    """
    rect = _in_window(widget, window)
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        outer = _in_window(parent, window)
        if _viewport(parent):
            rect = rect.intersected(outer)
            if rect.isEmpty():
                return rect, ""
        elif not outer.contains(rect):
            return rect.intersected(outer), f"at {_xywh(rect)}, cut off by {who(parent)} at {_xywh(outer)}"
        parent = parent.parentWidget()
    frame = window.rect()
    if not frame.contains(rect):
        return rect.intersected(frame), f"at {_xywh(rect)}, outside the window {_xywh(frame)}"
    return rect, ""


def _run_together(texts: list[tuple[QWidget, QRect, int]]) -> Iterator[str]:
    """Two texts side by side closer than a space read as one ("record¥300"); overlapping ones, as neither."""
    for n, (a, ra, space_a) in enumerate(texts):
        for b, rb, space_b in texts[n + 1:]:
            if a.isAncestorOf(b) or b.isAncestorOf(a):
                continue
            if min(ra.bottom(), rb.bottom()) < max(ra.top(), rb.top()):
                continue  # one above the other
            left, right = (ra, rb) if ra.left() <= rb.left() else (rb, ra)
            gap = right.left() - left.right() - 1
            space = min(space_a, space_b)
            if gap < space:
                first, second = (a, b) if left is ra else (b, a)
                how = "overlaps" if gap < 0 else "runs into"
                yield (f"{who(first)} {first.text()!r} {how} {who(second)} {second.text()!r}: "
                       f"{gap} px apart, needs a space ({space} px)")


def _xywh(r: QRect) -> str:
    return f"{r.width()}×{r.height()}+{r.x()}+{r.y()}"


# --- the test ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("gallery")


@pytest.fixture(scope="module")
def states(qapp, work, provisioned_dir):
    return gallery.capture(work, provisioned_dir)


@pytest.fixture(scope="module")
def shells(qapp, work, provisioned_dir):
    made: dict[tuple[int, int], object] = {}

    def shell_of(size: tuple[int, int]):
        if size not in made:
            made[size] = gallery.display_shell(work, size, provisioned_dir)
        return made[size]

    yield shell_of
    for shell in made.values():
        shell.close()
        shell.window.close()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("size", gallery.SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_text_fits(shells, states, size, language):
    shell = shells(size)
    seen: dict[str, list[str]] = {}  # what does not fit -> the states it shows on
    for large in gallery.text_sizes(shell):
        where = f"[{language} {size[0]}x{size[1]}{' large text' if large else ''}]"
        for state in gallery.walk(shell, states, language, large):
            asked_for_more = large or "-details" in state.name
            for line in dict.fromkeys(problems(shell.window, language, lists_may_scroll=asked_for_more)):
                seen.setdefault(f"{where} {line}", []).append(state.name)
    if seen:
        lines = [f"{line}\n    on {_states(names, len(states))}" for line, names in seen.items()]
        pytest.fail(f"{len(seen)} texts do not fit:\n" + "\n".join(lines), pytrace=False)


def _states(names: list[str], total: int) -> str:
    if len(names) == total:
        return f"every state ({total})"
    return ", ".join(names)


def test_the_gallery_has_every_screen(states):
    """Every screen the flow has is drawn (else the fit test would pass over it)."""
    from kiosk.session_view import Screen

    shown = {s.view.screen for s in states}
    assert shown == set(Screen), f"never drawn: {sorted(s.value for s in set(Screen) - shown)}"


def test_the_checker_sees_each_kind_of_defect(qapp):
    """Made-up defects, one of each kind, so a pass above means the checks ran, not that they were blind."""
    from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

    from ui.theme import load_font

    window = QWidget()  # a style sheet of its own: the check, not the theme, is under test here
    window.setStyleSheet(f'QWidget {{ font-family: "{load_font()}"; font-size: 32px; }} '
                         "QPushButton { padding: 0 24px; border: 3px solid black; }")
    window.setFixedSize(600, 400)
    column = QVBoxLayout(window)
    cut = QPushButton("Delete")
    cut.setObjectName("cut")
    cut.setFixedWidth(90)
    short = QLabel("Two lines\nof text")
    short.setObjectName("short")
    short.setFixedHeight(30)
    row = QHBoxLayout()
    left, right = QLabel("record"), QLabel("¥300")
    left.setObjectName("left")
    row.setSpacing(0)
    row.addWidget(left)
    row.addWidget(right)
    row.addStretch(1)
    holder = QWidget()
    holder.setFixedSize(100, 40)
    spill = QLabel("spills out", holder)
    spill.setObjectName("spill")
    spill.setGeometry(60, 0, 200, 40)
    elided = QLabel("Certific…")
    elided.setObjectName("elided")
    for widget in (cut, short, holder, elided):
        column.addWidget(widget)
    column.addLayout(row)
    window.show()
    gallery.settle_layout()
    found = "\n".join(problems(window, "en"))
    window.close()
    for expected in ("#cut 'Delete': needs", "#short 'Two lines\\nof text': needs", "#left 'record' runs into",
                     "#spill 'spills out': at", "#elided 'Certific…': elided"):
        assert expected in found, f"not reported: {expected}\n{found}"
