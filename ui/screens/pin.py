"""The PIN pad: four masked dots, correct and clear keys, OK only with four digits.

The digits live in one bytearray on this page until OK, which hands them to a ``Pin`` and
wipes the buffer; leaving the page wipes it too. They are never shown, logged or kept.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from kiosk import events as ev
from kiosk.pin import PIN_LENGTH, Pin
from ui.screens.base import Page
from ui.widgets import Keypad, PinDots, text

WARN_BELOW = 3  # warn when fewer tries than this are left


class PinPage(Page):
    def __init__(self, shell) -> None:
        super().__init__(shell)
        self._digits = bytearray()
        self.title = text("title")
        self.detail = text("")
        self.wrong = text("warning")
        self.tries = text("warning")
        self.dots = PinDots(self.theme.px(64))
        key = max(self.theme.touch, self.theme.px(120))
        self.keypad = Keypad(key)
        self.keypad.digit.connect(self._digit)
        self.keypad.back.connect(self._back)
        self.keypad.clear.connect(self._clear)
        self.keypad.ok.connect(self._ok)
        left = QVBoxLayout()
        left.setSpacing(self.theme.px(24))
        for widget in (self.title, self.detail, self.dots, self.wrong, self.tries):
            left.addWidget(widget)
        left.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(self.theme.px(48))
        row.addLayout(left, 1)
        row.addWidget(self.keypad, 0, Qt.AlignmentFlag.AlignTop)
        self.box.addLayout(row)

    def entered(self) -> None:
        self._wipe()

    def left(self) -> None:
        self._wipe()

    def show_view(self, view) -> None:
        tr = self.tr
        self.title.setText(tr("pin.title"))
        self.detail.setText(tr("pin.detail"))
        self.keypad.clear_button.setText(tr("pin.clear"))
        self.keypad.back_button.setText(tr("pin.back"))
        self.keypad.ok_button.setText(tr("pin.ok"))
        self.wrong.setVisible(view.wrong_pin)
        self.wrong.setText(tr("pin.wrong"))
        low = view.tries_left is not None and view.tries_left < WARN_BELOW
        self.tries.setVisible(low)
        if low:
            self.tries.setText(tr("pin.tries_left", tries=view.tries_left))
        self._update()

    @property
    def typed(self) -> int:
        return len(self._digits)

    def _digit(self, digit: str) -> None:
        if len(self._digits) < PIN_LENGTH:
            self._digits.append(ord(digit))
            self._update()

    def _back(self) -> None:
        if self._digits:
            self._digits[-1] = 0
            del self._digits[-1]
            self._update()

    def _clear(self) -> None:
        self._wipe()
        self._update()

    def _ok(self) -> None:
        if len(self._digits) != PIN_LENGTH:
            return
        pin = Pin(self._digits)
        self._wipe()
        self._update()
        self.post(ev.PinEntered(pin))

    def _wipe(self) -> None:
        for i in range(len(self._digits)):
            self._digits[i] = 0
        self._digits = bytearray()

    def _update(self) -> None:
        self.dots.set_filled(len(self._digits))
        self.keypad.ok_button.setEnabled(len(self._digits) == PIN_LENGTH)
        for button in self.keypad.keys.values():
            button.setEnabled(len(self._digits) < PIN_LENGTH)
