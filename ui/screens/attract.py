"""The first screen: start, service hours, today's notices; closed outside hours, at year end, in maintenance."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy

from kiosk import events as ev
from kiosk.catalog.model import DayRule
from ui.screens.base import Page
from ui.widgets import picture, text, touch

OPERATOR_TAPS = 5  # taps on the kiosk id in the corner that open the operator sign-in


class AttractPage(Page):
    def __init__(self, shell) -> None:
        super().__init__(shell)
        self.title = text("big", align=Qt.AlignmentFlag.AlignCenter)
        self.lead = text("", align=Qt.AlignmentFlag.AlignCenter)
        self.closed = text("warning", align=Qt.AlignmentFlag.AlignCenter)
        self.start = touch("primary", "start")
        self.start.setFixedHeight(round(self.theme.touch * 1.5))
        self.start.clicked.connect(lambda: self.post(ev.StartTouched()))
        self.hours = text("", align=Qt.AlignmentFlag.AlignCenter)
        self.municipalities = text("small", align=Qt.AlignmentFlag.AlignCenter)
        self.notices = text("note")
        # word-wrapped: the layout must give it the height its lines need, never clip it
        self.notices.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.kiosk_id = touch("", "operator_corner")
        self.kiosk_id.setFlat(True)
        self.kiosk_id.setStyleSheet("border: none; font-size: 18px;")
        self.kiosk_id.setText(shell.config.kiosk_id)
        self.kiosk_id.clicked.connect(self._corner_tapped)
        self._taps: list = []
        self.picture = picture("set_card.svg", self.theme.px(180))
        self.box.setSpacing(self.theme.px(16))
        self.box.addWidget(self.title)
        self.box.addWidget(self.lead)
        self.box.addWidget(self.picture, alignment=Qt.AlignmentFlag.AlignCenter)
        self.box.addWidget(self.closed)
        self.box.addWidget(self.start)
        self.box.addWidget(self.hours)
        self.box.addStretch(1)
        self.box.addWidget(self.notices)
        bottom = QHBoxLayout()
        bottom.addWidget(self.kiosk_id)
        bottom.addWidget(self.municipalities, 1)
        self.box.addLayout(bottom)

    def show_view(self, view) -> None:
        tr = self.tr
        now = self.shell.clock.now()
        status = self.shell.service_status(now)
        self.title.setText(tr("attract.title"))
        self.lead.setText(tr("attract.lead"))
        self.start.setText(tr("attract.start"))
        closed = view.closed_reason
        self.closed.setVisible(closed is not None)
        self.picture.setVisible(closed is None)  # closed: the reason takes its place
        if closed:
            self.closed.setText(tr(f"closed.{closed}"))
        self.start.setEnabled(closed is None)
        days = tr("hours.every_day") if status.hours.days is DayRule.EVERY_DAY else tr("hours.weekdays")
        self.hours.setText(tr("attract.hours", opens=f"{status.hours.opens:%H:%M}",
                              closes=f"{status.hours.closes:%H:%M}", days=days))
        self.municipalities.setText("　".join(
            f"{m.name}: {tr('attract.open') if m.open else tr(f'closed.short.{m.reason.value}')}"
            for m in status.municipalities
        ))
        self.notices.setText("\n".join(tr(key) for key in ("attract.notice.card", "attract.notice.year_end", "attract.notice.alone")))

    def _corner_tapped(self) -> None:
        now = self.shell.clock.now()
        self._taps = [t for t in self._taps if (now - t).total_seconds() < 5] + [now]
        if len(self._taps) >= OPERATOR_TAPS:
            self._taps.clear()
            self.shell.window.open_operator()
