"""Printing: progress sheet by sheet; the resident stays at the machine."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressBar

from ui.screens.base import Page
from ui.widgets import text


class PrintingPage(Page):
    def __init__(self, shell) -> None:
        super().__init__(shell)
        self.title = text("big", align=Qt.AlignmentFlag.AlignCenter)
        self.sheets = text("title", align=Qt.AlignmentFlag.AlignCenter)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(self.theme.px(48))
        self.detail = text("note", align=Qt.AlignmentFlag.AlignCenter)
        self.box.addStretch(1)
        for widget in (self.title, self.sheets, self.bar, self.detail):
            self.box.addWidget(widget)
        self.box.addStretch(1)

    def show_view(self, view) -> None:
        tr = self.tr
        self.title.setText(tr("printing.title"))
        total = view.sheets_total
        self.sheets.setVisible(total > 0)
        self.sheets.setText(tr("printing.sheets", done=view.sheets_done, total=total))
        self.bar.setRange(0, total)  # 0..0 (busy) until the jobs are submitted and their sheets known
        self.bar.setValue(view.sheets_done)
        self.detail.setText(tr("printing.detail"))
