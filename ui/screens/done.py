"""Done: first what to take (the card, the certificates and sheets, the change), then thanks.

When printing failed after payment the screen says so instead of thanking, names what was not
printed and the refund's reference, and stays until touched.
"""
from __future__ import annotations

from PySide6.QtCore import Qt

from kiosk import events as ev
from ui.screens.base import Action, Page
from ui.screens.notice import notice_text
from ui.widgets import picture, text


class DonePage(Page):
    def __init__(self, shell) -> None:
        super().__init__(shell)
        self.take = text("big", align=Qt.AlignmentFlag.AlignCenter)
        self.card = text("warning", align=Qt.AlignmentFlag.AlignCenter)
        self.items = text("title", align=Qt.AlignmentFlag.AlignCenter)
        self.problem = text("warning")
        self.thanks = text("", align=Qt.AlignmentFlag.AlignCenter)
        self.countdown = text("", align=Qt.AlignmentFlag.AlignCenter)
        self.box.addWidget(self.take)
        self.box.addWidget(self.card)
        self.box.addWidget(self.items)
        self.picture = picture("take_items.svg", self.theme.px(200))
        self.box.addWidget(self.picture, alignment=Qt.AlignmentFlag.AlignCenter)
        self.box.addWidget(self.problem)
        self.box.addStretch(1)
        self.box.addWidget(self.thanks)
        self.box.addWidget(self.countdown)

    def show_view(self, view) -> None:
        tr = self.tr
        failed = view.notice is not None
        copies = sum(line.copies for line in view.order.lines)
        self.take.setText(tr("done.failed" if failed else "done.take_title"))
        self.card.setVisible(view.card_present)
        self.card.setText(tr("common.take_card"))
        things = []
        if view.sheets_done:
            things.append(tr("done.certificates", copies=copies, sheets=view.sheets_done))
        if view.change:
            things.append(tr("done.change", change=tr.yen(view.change)))
        if view.sheets_done or view.change:
            things.append(tr("done.receipt"))
        self.items.setText("\n".join(things))
        self.items.setVisible(bool(things))
        self.problem.setVisible(failed)
        self.picture.setVisible(not failed and not self.shell.theme.large)  # the words need the room
        if failed:
            self.problem.setText(notice_text(tr, view.notice, view))
        self.thanks.setVisible(not failed)
        self.thanks.setText(tr("done.thanks"))
        self.countdown.setVisible(view.idle_deadline is not None)
        self.countdown.setText(tr("done.countdown", seconds=self.seconds_until(view.idle_deadline)))

    def forward(self, view) -> Action:
        return Action("finish", self.tr("common.finish"), lambda: self.post(ev.FinishTouched()))
