"""The PIN pad: four masked dots, correct and clear keys, OK only with four digits.

The digits live in one bytearray on this page until OK, which hands them to a ``Pin`` and
wipes the buffer; leaving the page wipes it too. They are never shown, logged or kept. The buffer
has its full size from the start and is written in place: appending to a bytearray reallocates
it, and the blocks it leaves behind are not cleared (kiosk/pin.py).
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from kiosk import events as ev
from kiosk.pin import PIN_LENGTH, Pin, wipe_buffer
from ui.screens.base import Page
from ui.widgets import Keypad, PinDots, text

WARN_BELOW = 3  # warn when fewer tries than this are left


class PinPage(Page):
    def __init__(self, shell) -> None:
        super().__init__(shell)
        self._digits = bytearray(PIN_LENGTH)
        self._typed = 0
        self.title = text("title")
        self.detail = text("")
        self.wrong = text("warning")
        self.tries = text("warning")
        self.dots = PinDots(self.theme.px(64))
        key = max(self.theme.touch, self.theme.px(116))  # five rows fit under the title at 1280×1024
        self.keypad = Keypad(key)
        self.keypad.digit.connect(self._digit)
        self.keypad.back.connect(self._back)
        self.keypad.clear.connect(self._clear)
        self.keypad.ok.connect(self._ok)
        left = QVBoxLayout()
        left.setSpacing(self.theme.px(20))
        for widget in (self.detail, self.dots, self.wrong, self.tries):
            left.addWidget(widget)
        left.addStretch(1)
        self.box.addWidget(self.title)  # full width: never squeezed beside the keypad
        if self.theme.portrait:
            # the keypad at the bottom, within reach from a wheelchair; the warnings above it
            self.box.addLayout(left)
            self.box.addStretch(1)
            self.box.addWidget(self.keypad, 0, Qt.AlignmentFlag.AlignHCenter)
        else:
            # the keypad's place depends only on the title above it: warnings never move it
            row = QHBoxLayout()
            row.setSpacing(self.theme.px(48))
            row.addLayout(left, 1)
            pad = QVBoxLayout()  # the keypad's own column, exactly its width: the words beside it get the rest
            pad.addWidget(self.keypad, 0, Qt.AlignmentFlag.AlignRight)
            pad.addStretch(1)
            row.addLayout(pad)
            self.box.addLayout(row, 1)

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
        return self._typed

    def _digit(self, digit: str) -> None:
        if self._typed < PIN_LENGTH:
            self._digits[self._typed] = ord(digit)
            self._typed += 1
            self._update()

    def _back(self) -> None:
        if self._typed:
            self._typed -= 1
            self._digits[self._typed] = 0
            self._update()

    def _clear(self) -> None:
        self._wipe()
        self._update()

    def _ok(self) -> None:
        if self._typed != PIN_LENGTH:
            return
        pin = Pin(self._digits)
        self._wipe()
        self._update()
        self.post(ev.PinEntered(pin))

    def _wipe(self) -> None:
        wipe_buffer(self._digits)
        self._typed = 0

    def _update(self) -> None:
        self.dots.set_filled(self._typed)
        self.keypad.ok_button.setEnabled(self._typed == PIN_LENGTH)
        for button in self.keypad.keys.values():
            button.setEnabled(self._typed < PIN_LENGTH)
