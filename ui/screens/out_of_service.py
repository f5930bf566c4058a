"""Taken out of service by the operator."""
from __future__ import annotations

from PySide6.QtCore import Qt

from ui.screens.base import Page
from ui.widgets import text


class OutOfServicePage(Page):
    def __init__(self, shell) -> None:
        super().__init__(shell)
        self.title = text("big", align=Qt.AlignmentFlag.AlignCenter)
        self.detail = text("", align=Qt.AlignmentFlag.AlignCenter)
        self.box.addStretch(1)
        self.box.addWidget(self.title)
        self.box.addWidget(self.detail)
        self.box.addStretch(1)

    def show_view(self, view) -> None:
        self.title.setText(self.tr("out_of_service.title"))
        self.detail.setText(self.tr("out_of_service.detail"))
