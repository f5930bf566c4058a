"""Payment: what is due, what went in, what is left, and what it is for; cancel gives back everything inserted."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout

from ui.screens.base import Page
from ui.widgets import card_frame, text


class PaymentPage(Page):
    def __init__(self, shell) -> None:
        super().__init__(shell)
        self.title = text("title")
        frame = card_frame()
        grid = QGridLayout(frame)
        grid.setVerticalSpacing(self.theme.px(24))
        self.rows = {}
        for n, key in enumerate(("due", "paid", "left")):
            name, value = text(""), text("big", wrap=False, align=Qt.AlignmentFlag.AlignRight)
            grid.addWidget(name, n, 0)
            grid.addWidget(value, n, 1)
            self.rows[key] = (name, value)
        self.accepted = text("")
        self.rejected = text("warning")
        self.cancel_note = text("note")
        self.what = text("small")  # what the money is for: each certificate, its copies and amount
        self.box.addWidget(self.title)
        self.box.addWidget(frame)
        self.box.addWidget(self.accepted)
        self.box.addWidget(self.rejected)
        self.box.addWidget(self.what)
        self.box.addStretch(1)
        self.box.addWidget(self.cancel_note)

    def show_view(self, view) -> None:
        tr = self.tr
        self.title.setText(tr("payment.title"))
        for key, amount in (("due", view.due), ("paid", view.paid), ("left", max(0, view.due - view.paid))):
            name, value = self.rows[key]
            name.setText(tr(f"payment.{key}"))
            value.setText(tr.yen(amount))
        coins = "・".join(f"{d:,}" for d in self.shell.denominations)
        self.accepted.setText(tr("payment.accepted", denominations=coins))
        reason = view.last_cash_rejected
        self.rejected.setVisible(reason is not None)
        if reason is not None:
            key = f"cash_rejected.{reason}"
            self.rejected.setText(tr(key) if tr.has(key) else tr("cash_rejected.other"))
        self.cancel_note.setText(tr("payment.cancel_note"))
        self.what.setText("\n".join([tr("payment.for")] + [
            tr("payment.line", kind=tr(f"kind.{line.kind.value}"), copies=line.copies, amount=tr.yen(line.amount))
            for line in view.order.lines]))
