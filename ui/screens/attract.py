"""The first screen: what the kiosk does, its hours (戸籍 on weekdays), what to bring, the 本籍地
rule; closed outside hours, at year end, in maintenance, saying when it opens again."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QSizePolicy, QVBoxLayout

from kiosk import events as ev
from kiosk.catalog.model import DayRule, ServiceHours
from kiosk.kinds import CertificateKind
from ui.places import place_name
from ui.screens.base import Action, Page
from ui.widgets import picture, text, touch

OPERATOR_TAPS = 5  # taps on the kiosk id in the corner that open the operator sign-in


class AttractPage(Page):
    def __init__(self, shell) -> None:
        super().__init__(shell)
        self.title = text("big", align=Qt.AlignmentFlag.AlignCenter)
        self.lead = text("")
        self.closed = text("warning", align=Qt.AlignmentFlag.AlignCenter)
        self.hours = text("strong")
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
        self._reopens: tuple = (None, None)  # (the minute asked, the answer): the scan runs once a minute
        self.picture = picture("set_card.svg", self.theme.px(240))
        self.box.setSpacing(self.theme.px(14))
        self.box.addWidget(self.title)
        # landscape: what it is and the card on the left, hours and what to know on the right
        self.row = row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        row.setSpacing(self.theme.px(32))
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(self.lead)
        left.addWidget(self.picture, alignment=Qt.AlignmentFlag.AlignCenter)
        left.addWidget(self.closed)
        left.addStretch(1)
        right.addWidget(self.hours)
        right.addWidget(self.notices)
        right.addStretch(1)
        row.addLayout(left, 1)
        row.addLayout(right, 1)
        self.box.addLayout(row, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.kiosk_id)
        bottom.addWidget(self.municipalities, 1)
        self.box.addLayout(bottom)

    def show_view(self, view) -> None:
        tr = self.tr
        now = self.shell.clock.now()
        status = self.shell.service_status(now)
        closed = view.closed_reason
        self.title.setText(tr("attract.title"))
        self.lead.setText(tr("attract.lead" if closed is None else "attract.lead_closed"))
        self.closed.setVisible(closed is not None)
        # closed: the reason takes its place; 大きな文字: the words need the room, and the full width
        large = self.shell.theme.large
        self.picture.setVisible(closed is None and not large)
        across = self.theme.portrait or large
        self.row.setDirection(QBoxLayout.Direction.TopToBottom if across else QBoxLayout.Direction.LeftToRight)
        if closed:
            reopens = self._reopens_at(now)
            when = tr("closed.reopens", date=tr("date.month_day", month=reopens.month, day=reopens.day),
                      time=f"{reopens:%H:%M}") if reopens else ""
            self.closed.setText("\n".join(filter(None, (tr(f"closed.{closed}"), when))))
        koseki = self.shell.catalog.kind_hours(CertificateKind.KOSEKI_ZENBU)
        lines = [tr("attract.hours", hours=self._hours(status.hours))]
        if koseki is not None and koseki != status.hours:
            lines.append(tr("attract.hours_koseki", hours=self._hours(koseki)))
        self.hours.setText("\n".join(lines))
        self.municipalities.setText("　".join(
            f"{place_name(tr, self.shell.catalog, m.code)}: "
            f"{tr('attract.open') if m.open else tr(f'closed.short.{m.reason.value}')}"
            for m in status.municipalities
        ))
        # the year-end closure is in the hours line's reach: the closed screen names it when it applies
        self.notices.setText("\n".join(tr(key) for key in ("attract.notice.card", "attract.notice.honseki", "attract.notice.alone")))

    def forward(self, view) -> Action | None:
        if view.closed_reason is not None:
            return None  # nothing to start: the reason and the reopening time say so
        return Action("start", self.tr("attract.start"), lambda: self.post(ev.StartTouched()))

    def _hours(self, hours: ServiceHours) -> str:
        days = self.tr("hours.every_day" if hours.days is DayRule.EVERY_DAY else "hours.weekdays")
        return self.tr("hours.span", days=days, opens=f"{hours.opens:%H:%M}", closes=f"{hours.closes:%H:%M}")

    def _reopens_at(self, now):
        minute = now.replace(second=0, microsecond=0)
        if self._reopens[0] != minute:
            self._reopens = (minute, self.shell.catalog.reopens_at(now))
        return self._reopens[1]

    def _corner_tapped(self) -> None:
        now = self.shell.clock.now()
        self._taps = [t for t in self._taps if (now - t).total_seconds() < 5] + [now]
        if len(self._taps) >= OPERATOR_TAPS:
            self._taps.clear()
            self.shell.window.open_operator()
