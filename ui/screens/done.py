"""Done: take the certificate, the change and the receipt; a countdown back to the start."""
from __future__ import annotations

from PySide6.QtCore import Qt

from kiosk import events as ev
from ui.screens.base import Page
from ui.screens.notice import notice_text
from ui.widgets import picture, text, touch


class DonePage(Page):
    def __init__(self, shell) -> None:
        super().__init__(shell)
        self.title = text("big", align=Qt.AlignmentFlag.AlignCenter)
        self.take = text("title", align=Qt.AlignmentFlag.AlignCenter)
        self.problem = text("warning")
        self.card = text("warning", align=Qt.AlignmentFlag.AlignCenter)
        self.countdown = text("", align=Qt.AlignmentFlag.AlignCenter)
        self.finish = touch("primary", "finish")
        self.finish.clicked.connect(lambda: self.post(ev.FinishTouched()))
        self.box.addWidget(self.title)
        self.box.addWidget(picture("take_items.svg", self.theme.px(260)), alignment=Qt.AlignmentFlag.AlignCenter)
        for widget in (self.take, self.problem, self.card):
            self.box.addWidget(widget)
        self.box.addStretch(1)
        self.box.addWidget(self.countdown)
        self.box.addWidget(self.finish)

    def show_view(self, view) -> None:
        tr = self.tr
        self.title.setText(tr("done.title"))
        printed = view.notice is None
        self.take.setText(tr("done.take_change", change=tr.yen(view.change)) if view.change else tr("done.take"))
        self.take.setVisible(printed or view.change > 0)
        self.problem.setVisible(view.notice is not None)
        if view.notice is not None:
            self.problem.setText(notice_text(tr, view.notice, view))
        self.card.setVisible(view.card_present)
        self.card.setText(tr("common.take_card"))
        self.countdown.setText(tr("done.countdown", seconds=self.seconds_until(view.idle_deadline)))
        self.finish.setText(tr("common.finish"))
