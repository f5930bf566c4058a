"""Take the card: the flow moves on by itself once the reader reports it gone."""
from __future__ import annotations

from PySide6.QtCore import Qt

from ui.screens.base import Page
from ui.widgets import picture, text


class RemoveCardPage(Page):
    def __init__(self, shell) -> None:
        super().__init__(shell)
        self.title = text("big", align=Qt.AlignmentFlag.AlignCenter)
        self.detail = text("", align=Qt.AlignmentFlag.AlignCenter)
        self.box.addStretch(1)
        self.box.addWidget(self.title)
        self.box.addWidget(picture("remove_card.svg", self.theme.px(360)), alignment=Qt.AlignmentFlag.AlignCenter)
        self.box.addWidget(self.detail)
        self.box.addStretch(1)

    def show_view(self, view) -> None:
        self.title.setText(self.tr("remove_card.title"))
        self.detail.setText(self.tr("remove_card.detail"))
