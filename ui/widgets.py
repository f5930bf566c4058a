"""Small building blocks shared by the screens: labelled text, touch buttons, PIN dots, the keypad."""
from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from kiosk.config import ASSETS
from ui import theme
from ui.phrases import phrased
from ui.steps import STEPS, Step

IMAGES = ASSETS / "images"


class Text(QLabel):
    """A label whose Japanese and Chinese wrap between phrases (ui/phrases.py)."""

    def setText(self, words: str) -> None:  # noqa: N802 - Qt's name
        super().setText(phrased(words) if self.wordWrap() else words)


BOXED = {"warning", "note"}  # text on a coloured box: room between the words and the box's edge
BOX_MARGIN = 16


def text(role: str = "", wrap: bool = True, align=Qt.AlignmentFlag.AlignLeft) -> QLabel:
    label = Text()
    label.setWordWrap(wrap)
    if role in BOXED:
        # QLabel's margin, not a style sheet padding: a wrapped label's height for its width counts
        # the margin, but not the padding, which cut the last line of long warnings
        label.setMargin(BOX_MARGIN)
    label.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    if role:
        label.setProperty("role", role)
    return label


class TouchButton(QPushButton):
    """A button never narrower than its words nor smaller than a finger (80 px).

    The size is a hint, not a fixed minimum: a fixed minimum width (a style sheet's
    ``min-width``) would let a crowded row squeeze the button below its text, and cut it."""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return super().sizeHint().expandedTo(QSize(theme.MIN_TOUCH, theme.MIN_TOUCH))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.sizeHint()


def touch(role: str = "", name: str = "") -> QPushButton:
    """A button meant for a finger: at least 80×80 px and as wide as its words."""
    button = TouchButton()
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    if role:
        button.setProperty("role", role)
    if name:
        button.setObjectName(name)
    return button


def bar() -> QFrame:
    """A full-width band (the header)."""
    frame = QFrame()
    frame.setProperty("role", "bar")
    return frame


class StepIndicator(QWidget):
    """カード › 暗証番号 › 証明書の選択 › 確認 › お支払い › 印刷, the current step marked; steps
    done and to come look different too, so the mark is never colour alone."""

    def __init__(self, compact: bool = False) -> None:
        super().__init__()
        self.compact = compact  # a narrow panel: the other steps show their numbers only
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self.labels: dict[Step, QLabel] = {}
        for n, step in enumerate(STEPS):
            if n:
                arrow = QLabel("›")
                arrow.setStyleSheet("background: transparent;")
                row.addWidget(arrow)
            label = text("step", wrap=False, align=Qt.AlignmentFlag.AlignCenter)
            label.setObjectName(f"step_{step.value}")
            row.addWidget(label)
            self.labels[step] = label
        row.addStretch(1)

    def show_step(self, tr, current: Step | None) -> None:
        reached = current is not None
        for n, (step, label) in enumerate(self.labels.items()):
            role = "step_now" if step is current else "step_done" if reached else "step"
            if step is current:
                reached = False
            if step is current or not self.compact:
                label.setText(tr("step.mark_now" if step is current else "step.mark", n=n + 1, step=tr(f"step.{step.value}")))
            else:
                label.setText(str(n + 1))
            if label.property("role") != role:
                label.setProperty("role", role)
                label.style().unpolish(label)
                label.style().polish(label)


def card_frame(role: str = "card") -> QFrame:
    frame = QFrame()
    frame.setProperty("role", role)
    return frame


def picture(name: str, height: int) -> QSvgWidget:
    """An illustration from assets/images, scaled to ``height`` with its aspect kept."""
    widget = QSvgWidget(str(IMAGES / name))
    size = widget.renderer().defaultSize()
    widget.setFixedSize(QSize(round(size.width() * height / size.height()), height))
    return widget


class PinDots(QWidget):
    """One dot per digit, filled for each digit typed. The digits themselves are never drawn."""

    def __init__(self, diameter: int, count: int = 4) -> None:
        super().__init__()
        self._filled = 0
        self._count = count
        self._d = diameter
        self._gap = diameter // 2
        self.setFixedSize(diameter * count + self._gap * (count - 1), diameter)

    def set_filled(self, count: int) -> None:
        if count != self._filled:
            self._filled = count
            self.update()

    @property
    def filled(self) -> int:
        return self._filled

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(QColor(theme.INK), 4))
        step = self._d + self._gap
        for i in range(self._count):
            p.setBrush(QColor(theme.INK) if i < self._filled else QColor(theme.PAPER))
            p.drawEllipse(QRectF(4 + i * step, 4, self._d - 8, self._d - 8))


class Keypad(QWidget):
    """0–9 in the telephone order, クリア (all digits), 訂正 (last digit) and a wide OK below."""

    digit = Signal(str)
    clear = Signal()
    back = Signal()
    ok = Signal()

    def __init__(self, key_size: int) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setSpacing(key_size // 6)
        grid.setContentsMargins(0, 0, 0, 0)
        self.keys: dict[str, QPushButton] = {}
        for n, label in enumerate("123456789"):
            self._key(grid, label, n // 3, n % 3, key_size)
        self.clear_button = self._command(grid, "pin_clear", 3, 0, key_size, self.clear)
        self._key(grid, "0", 3, 1, key_size)
        self.back_button = self._command(grid, "pin_back", 3, 2, key_size, self.back)
        self.ok_button = touch("primary", "pin_ok")
        self.ok_button.setFixedHeight(key_size)
        self.ok_button.clicked.connect(self.ok)
        grid.addWidget(self.ok_button, 4, 0, 1, 3)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)  # keys stay together on wide panels

    def _key(self, grid: QGridLayout, label: str, row: int, col: int, size: int) -> None:
        button = touch("key", f"pin_key_{label}")
        button.setText(label)
        button.setFixedSize(size, size)
        button.clicked.connect(lambda: self.digit.emit(label))
        grid.addWidget(button, row, col)
        self.keys[label] = button

    def _command(self, grid: QGridLayout, name: str, row: int, col: int, size: int, signal) -> "WordKey":
        button = WordKey(name)
        button.setFixedSize(size, size)
        button.clicked.connect(signal)
        grid.addWidget(button, row, col)
        return button


class WordKey(QPushButton):
    """A keypad key with a word (クリア, 訂正): the word wraps inside the square key, in every language."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setProperty("role", "key_word")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.word = text("key_word", align=Qt.AlignmentFlag.AlignCenter)
        self.word.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.word.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        column = QVBoxLayout(self)
        column.setContentsMargins(2, 2, 2, 2)
        column.addWidget(self.word)

    def setText(self, words: str) -> None:  # noqa: N802 - Qt's name; the label draws it
        self.word.setText(words)


class ChoiceButton(QPushButton):
    """A large choice: a title, an amount under it and a wrapped detail line, all inside one button."""

    def __init__(self, name: str, min_height: int) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setProperty("role", "choice")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumHeight(min_height)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.title, self.amount, self.detail = text("strong"), text("", wrap=False), text("small")
        for label in (self.title, self.amount, self.detail):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            label.setStyleSheet("background: transparent;")
        for label in (self.title, self.detail):  # they wrap: the button's width is the layout's to give
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)  # the style sheet's padding is the space to the border
        column.setSpacing(2)
        # one above the other: beside the title, an amount would squeeze it in a narrow column
        for label in (self.title, self.amount, self.detail):
            column.addWidget(label)

    def set_texts(self, title: str, amount: str = "", detail: str = "", enabled: bool = True,
                  checked: bool = False) -> None:
        self.setEnabled(enabled)
        self.setChecked(checked)
        ink = theme.PAPER if checked else theme.INK if enabled else theme.DISABLED_INK
        for label in (self.title, self.amount, self.detail):
            label.setStyleSheet(f"background: transparent; color: {ink};")
        self.title.setText(title)
        self.amount.setText(amount)
        self.amount.setVisible(bool(amount))
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))


def discard(widgets: list[QWidget]) -> None:
    """Take rebuilt parts off screen now (deleteLater alone leaves them painted until the next turn)."""
    while widgets:
        widget = widgets.pop()
        widget.hide()
        widget.deleteLater()
