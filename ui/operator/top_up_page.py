"""Operator mode: top up the change float. Staff count the coins they load, enter them here, and
the cash unit and the journal are told the same figures."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from ui.widgets import text, touch

STEP = 10  # coins come in rolls of 50; ten at a time keeps the touches few


class TopUpPage(QWidget):
    top_up = Signal(object)  # {denomination: pieces} (a dict Signal would lose its int keys)
    back = Signal()

    def __init__(self, shell, denominations: tuple[int, ...]) -> None:
        super().__init__()
        self.tr = shell.tr
        self.denominations = tuple(sorted(denominations, reverse=True))
        self.counts = {d: 0 for d in self.denominations}
        column = QVBoxLayout(self)
        self.title = text("title")
        self.hint = text("small")
        column.addWidget(self.title)
        column.addWidget(self.hint)
        grid = QGridLayout()
        self.labels: dict[int, object] = {}
        self.less: dict[int, object] = {}
        self.more: dict[int, object] = {}
        for row, d in enumerate(self.denominations):
            name = text("", wrap=False)
            count = text("", wrap=False, align=Qt.AlignmentFlag.AlignHCenter)
            count.setMinimumWidth(shell.theme.px(200))
            less = touch("", f"top_up_less_{d}")
            more = touch("", f"top_up_more_{d}")
            less.clicked.connect(lambda _=False, d=d: self._change(d, -STEP))
            more.clicked.connect(lambda _=False, d=d: self._change(d, STEP))
            for col, widget in enumerate((name, less, count, more)):
                grid.addWidget(widget, row, col)
            self.labels[d], self.less[d], self.more[d] = (name, count), less, more
        grid.setColumnStretch(4, 1)  # the controls stay together at the left, as on the keypad
        column.addLayout(grid)
        self.total = text("")
        column.addWidget(self.total)
        column.addStretch(1)
        buttons = QHBoxLayout()
        self.confirm = touch("primary", "top_up_confirm")
        self.confirm.clicked.connect(self._confirm)
        self.back_button = touch("", "top_up_back")
        self.back_button.clicked.connect(self.back)
        buttons.addWidget(self.confirm)
        buttons.addWidget(self.back_button)
        column.addLayout(buttons)

    def reset(self) -> None:
        self.counts = {d: 0 for d in self.denominations}

    def refresh(self) -> None:
        tr = self.tr
        self.title.setText(tr("operator.top_up_title"))
        self.hint.setText(tr("operator.top_up_hint"))
        for d in self.denominations:
            name, count = self.labels[d]
            name.setText(tr.yen(d))
            count.setText(tr("operator.pieces", count=self.counts[d]))
            self.less[d].setText(tr("operator.pieces_less", count=STEP))
            self.less[d].setEnabled(self.counts[d] > 0)
            self.more[d].setText(tr("operator.pieces_more", count=STEP))
        total = sum(d * n for d, n in self.counts.items())
        self.total.setText(tr("operator.top_up_total", amount=tr.yen(total)))
        self.confirm.setText(tr("operator.top_up_confirm"))
        self.confirm.setEnabled(total > 0)
        self.back_button.setText(tr("operator.leave"))

    def _change(self, denomination: int, step: int) -> None:
        self.counts[denomination] = max(0, self.counts[denomination] + step)
        self.refresh()

    def _confirm(self) -> None:
        counts = {d: n for d, n in self.counts.items() if n}
        if counts:
            self.top_up.emit(counts)
