"""Refusals, errors and cancels: the specific reason, and what the resident can do about it."""
from __future__ import annotations

from PySide6.QtCore import Qt

from kiosk import events as ev
from kiosk.notices import Notice, NoticeCode
from kiosk.session_view import SessionView
from ui.screens.base import Page
from ui.widgets import text, touch


# Codes whose amount is owed to the resident, not given back: the refund line says it.
_OWED = {NoticeCode.CHANGE_SHORT, NoticeCode.PRINT_FAILED}


def notice_text(tr, notice: Notice, view: SessionView) -> str:
    """The reason and the way out, the refusal's own words, money given back and money owed."""
    parts = [tr(f"notice.{notice.code.value}")]
    if notice.refusal is not None:
        parts.append(tr(f"refusal.{notice.refusal.reason.value}"))
    if notice.amount and notice.code not in _OWED:
        parts.append(tr("notice.returned", amount=tr.yen(notice.amount)))
    if view.refund_owed:
        # the refund's reference is what staff settle it by (operator page, `kiosk journal --owed`)
        parts.append(tr("notice.refund_owed", amount=tr.yen(view.refund_owed), ref="・".join(view.refund_references)))
    return "\n".join(parts)


class NoticePage(Page):
    def __init__(self, shell) -> None:
        super().__init__(shell)
        self.title = text("title")
        self.body = text("")
        self.card = text("warning", align=Qt.AlignmentFlag.AlignCenter)
        self.countdown = text("", align=Qt.AlignmentFlag.AlignCenter)
        self.finish = touch("primary", "finish")
        self.finish.clicked.connect(lambda: self.post(ev.FinishTouched()))
        self.box.addWidget(self.title)
        self.box.addWidget(self.body)
        self.box.addStretch(1)
        self.box.addWidget(self.card)
        self.box.addWidget(self.countdown)
        self.box.addWidget(self.finish)

    def show_view(self, view) -> None:
        tr = self.tr
        notice = view.notice
        self.title.setText(tr(f"notice.title.{notice.code.value}") if notice else "")
        self.body.setText(notice_text(tr, notice, view) if notice else "")
        self.card.setVisible(view.card_present)
        self.card.setText(tr("common.take_card"))
        # with the card still in, the flow keeps the screen: no countdown then
        self.countdown.setVisible(not view.card_present)
        self.countdown.setText(tr("notice.countdown", seconds=self.seconds_until(view.idle_deadline)))
        self.finish.setText(tr("common.finish"))
        self.finish.setEnabled(not view.card_present)
