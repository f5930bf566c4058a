"""Small building blocks shared by the screens: labelled text, touch buttons, PIN dots, the keypad."""
from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton, QSizePolicy, QWidget

from kiosk.config import ASSETS
from ui import theme

IMAGES = ASSETS / "images"


def text(role: str = "", wrap: bool = True, align=Qt.AlignmentFlag.AlignLeft) -> QLabel:
    label = QLabel()
    label.setWordWrap(wrap)
    label.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    if role:
        label.setProperty("role", role)
    return label


def touch(role: str = "", name: str = "") -> QPushButton:
    """A button meant for a finger: the stylesheet keeps it at least 80×80 px."""
    button = QPushButton()
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    if role:
        button.setProperty("role", role)
    if name:
        button.setObjectName(name)
    return button


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

    def _command(self, grid: QGridLayout, name: str, row: int, col: int, size: int, signal) -> QPushButton:
        button = touch("", name)
        button.setFixedSize(size, size)
        button.clicked.connect(signal)
        grid.addWidget(button, row, col)
        return button


class ChoiceButton(QPushButton):
    """A large choice: a title on the left, an amount on the right and, below, a wrapped detail line."""

    def __init__(self, name: str, min_height: int) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setProperty("role", "choice")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumHeight(min_height)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.title, self.amount, self.detail = text(""), text("", wrap=False, align=Qt.AlignmentFlag.AlignRight), text("small")
        for label in (self.title, self.amount, self.detail):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            label.setStyleSheet("background: transparent;")
        grid = QGridLayout(self)
        grid.addWidget(self.title, 0, 0)
        grid.addWidget(self.amount, 0, 1)
        grid.addWidget(self.detail, 1, 0, 1, 2)
        grid.setColumnStretch(0, 1)  # the title takes the width; a wrapped title must not break early

    def set_texts(self, title: str, amount: str = "", detail: str = "", enabled: bool = True) -> None:
        self.setEnabled(enabled)
        ink = theme.INK if enabled else theme.DISABLED_INK
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
