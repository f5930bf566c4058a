"""Refusals, errors and cancels: the specific reason, and what the resident can do about it.

A failure that owes money stays until touched (the flow keeps it): it names what failed, what
comes back and the refund's reference, which the staff settle it by.
"""
from __future__ import annotations

from PySide6.QtCore import Qt

from kiosk import events as ev
from kiosk.notices import Notice, NoticeCode
from kiosk.session_view import SessionView
from ui.refusals import PRIVATE, refusal_words
from ui.screens.base import Action, Page
from ui.widgets import text, touch

# Codes whose amount is owed to the resident, not given back: the refund line says it.
_OWED = {NoticeCode.CHANGE_SHORT, NoticeCode.PRINT_FAILED}


def notice_text(tr, notice: Notice, view: SessionView, details: bool = False) -> str:
    """The reason and the way out, the refusal's own words, money given back and money owed."""
    parts = [tr(f"notice.{notice.code.value}")]
    if notice.kinds:
        parts.append(tr("notice.not_printed", kinds=tr("common.list_separator").join(tr(f"kind.{k.value}") for k in notice.kinds)))
    if notice.refusal is not None:
        parts.append(refusal_words(tr, notice.refusal.reason, details))
    if notice.amount and notice.code not in _OWED:
        parts.append(tr("notice.returned", amount=tr.yen(notice.amount)))
    if view.refund_owed:
        # the refund's reference is what staff settle it by (operator page, `kiosk journal --owed`)
        parts.append(tr("notice.refund_owed", amount=tr.yen(view.refund_owed), ref="・".join(view.refund_references)))
    return "\n".join(parts)


def private_reason(notice: Notice | None) -> bool:
    return notice is not None and notice.refusal is not None and notice.refusal.reason in PRIVATE


class NoticePage(Page):
    def __init__(self, shell) -> None:
        super().__init__(shell)
        self.title = text("title")
        self.body = text("")
        self.why = touch("", "notice_details")
        self.why.clicked.connect(self._toggle_details)
        self.card = text("warning", align=Qt.AlignmentFlag.AlignCenter)
        self.countdown = text("", align=Qt.AlignmentFlag.AlignCenter)
        self.box.addWidget(self.title)
        self.box.addWidget(self.body)
        self.box.addWidget(self.why, 0, Qt.AlignmentFlag.AlignLeft)
        self.box.addStretch(1)
        self.box.addWidget(self.card)
        self.box.addWidget(self.countdown)
        self._details = False

    def entered(self) -> None:
        self._details = False

    def show_view(self, view) -> None:
        tr = self.tr
        notice = view.notice
        self.title.setText(tr(f"notice.title.{notice.code.value}") if notice else "")
        self.body.setText(notice_text(tr, notice, view, self._details) if notice else "")
        self.why.setVisible(private_reason(notice))
        self.why.setText(tr("kind.hide_details" if self._details else "kind.show_details"))
        self.card.setVisible(view.card_present)
        self.card.setText(tr("common.take_card"))
        # with the card still in, or money owed, the flow keeps the screen: no countdown then
        self.countdown.setVisible(view.idle_deadline is not None and not view.card_present)
        self.countdown.setText(tr("notice.countdown", seconds=self.seconds_until(view.idle_deadline)))

    def forward(self, view) -> Action:
        return Action("finish", self.tr("common.finish"), lambda: self.post(ev.FinishTouched()),
                      enabled=not view.card_present)

    def _toggle_details(self) -> None:
        self._details = not self._details
        self.shell.post_presence()
