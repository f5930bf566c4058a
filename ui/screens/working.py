"""Waiting on a device or the center: reading the card, authenticating, preparing the certificates."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressBar

from kiosk.screen_facts import facts
from kiosk.session_view import Screen
from ui.screens.base import Page
from ui.widgets import picture, text

_KEYS = {
    Screen.READING_CARD: "reading", Screen.AUTHENTICATING: "authenticating", Screen.ISSUING: "issuing",
    Screen.TAKING_PAYMENT: "taking_payment",
}


class WorkingPage(Page):
    def __init__(self, shell) -> None:
        super().__init__(shell)
        self.title = text("title", align=Qt.AlignmentFlag.AlignCenter)
        self.detail = text("", align=Qt.AlignmentFlag.AlignCenter)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy: the devices give no percentage
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(self.theme.px(40))
        self.image = picture("set_card.svg", self.theme.px(300))
        self.box.addStretch(1)
        self.box.addWidget(self.title)
        self.box.addWidget(self.image, alignment=Qt.AlignmentFlag.AlignCenter)
        self.box.addWidget(self.bar)
        self.box.addWidget(self.detail)
        self.box.addStretch(1)

    def show_view(self, view) -> None:
        key = _KEYS[view.screen]
        self.title.setText(self.tr(f"working.{key}"))
        self.detail.setText(self.tr(f"working.{key}.detail"))
        # the card must stay on the reader only while it is being read or used
        self.image.setVisible(facts(view.screen).card_needed)
