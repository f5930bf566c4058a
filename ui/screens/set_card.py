"""Set the card: which way it goes, and the phone alternative."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from kiosk import events as ev
from ui.screens.base import Action, Page
from ui.widgets import card_frame, picture, text


class SetCardPage(Page):
    def __init__(self, shell) -> None:
        super().__init__(shell)
        self.title = text("title", align=Qt.AlignmentFlag.AlignCenter)
        row = QHBoxLayout()
        row.setSpacing(self.theme.px(32))
        self.card_text = text("")
        self.phone_text = text("")
        self.pictures = []
        for image, label, big in (("set_card.svg", self.card_text, True), ("phone_on_reader.svg", self.phone_text, False)):
            frame = card_frame()
            column = QVBoxLayout(frame)
            drawing = picture(image, self.theme.px(300 if big else 220))
            self.pictures.append(drawing)
            column.addWidget(drawing, alignment=Qt.AlignmentFlag.AlignCenter)
            column.addWidget(label)
            column.addStretch(1)
            row.addWidget(frame, 3 if big else 2)
        self.keep = text("note", align=Qt.AlignmentFlag.AlignCenter)
        self.box.addWidget(self.title)
        self.box.addLayout(row, 1)
        self.box.addWidget(self.keep)

    def show_view(self, view) -> None:
        for drawing in self.pictures:
            drawing.setVisible(not self.shell.theme.large)  # 大きな文字: the words need the room
        self.title.setText(self.tr("set_card.title"))
        self.card_text.setText(self.tr("set_card.card"))
        self.phone_text.setText(self.tr("set_card.phone"))
        self.keep.setText(self.tr("set_card.keep"))

    def back(self, view) -> Action:
        # nothing is lost before the card is read: back to the start without asking
        return Action("back", self.tr("footer.back"), lambda: self.post(ev.CancelTouched()))
