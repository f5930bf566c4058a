"""Operator mode: the refunds owed, each with the reference on the resident's slip; settle one.

Staff check the slip's 返金番号, pay by hand, then choose it here and mark it paid. The list is
rebuilt only when the refunds change, so a choice survives the page's regular repaints.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QVBoxLayout, QWidget

from ui.widgets import ChoiceButton, discard, text, touch

SHOWN = 5  # oldest first: at 1280×1024 five rows and the buttons fit without scrolling


class RefundPage(QWidget):
    pay = Signal(str)  # the reference chosen
    back = Signal()

    def __init__(self, shell) -> None:
        super().__init__()
        self.tr = shell.tr
        self.theme = shell.theme
        self._shown: tuple = ()
        self._rows: list[ChoiceButton] = []
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.group.buttonToggled.connect(lambda *_: self._update_pay())
        column = QVBoxLayout(self)
        self.title = text("title")
        self.hint = text("small")
        self.more = text("small")
        self.rows = QVBoxLayout()
        column.addWidget(self.title)
        column.addWidget(self.hint)
        column.addLayout(self.rows)
        column.addWidget(self.more)
        column.addStretch(1)
        buttons = QHBoxLayout()
        self.pay_button = touch("primary", "operator_pay")
        self.pay_button.clicked.connect(self._pay)
        self.back_button = touch("", "operator_refunds_back")
        self.back_button.clicked.connect(self.back)
        buttons.addWidget(self.pay_button)
        buttons.addWidget(self.back_button)
        column.addLayout(buttons)

    def show_refunds(self, owed) -> None:
        tr = self.tr
        self.title.setText(tr("operator.refunds_title", amount=tr.yen(sum(r.amount for r in owed))))
        self.hint.setText(tr("operator.refunds_hint") if owed else tr("operator.refunds_none"))
        shown = tuple((r.reference, r.amount, r.at, r.reason) for r in owed[:SHOWN])
        if shown != self._shown:
            self._rebuild(shown)
        self.more.setText(tr("operator.refunds_more", count=len(owed) - SHOWN) if len(owed) > SHOWN else "")
        self.more.setVisible(len(owed) > SHOWN)
        self.pay_button.setText(tr("operator.pay"))
        self.back_button.setText(tr("operator.leave"))
        self._update_pay()

    def chosen(self) -> str | None:
        button = self.group.checkedButton()
        return button.property("reference") if button is not None else None

    def _rebuild(self, shown: tuple) -> None:
        for row in self._rows:
            self.group.removeButton(row)
        discard(self._rows)
        for reference, amount, at, reason in shown:
            row = ChoiceButton(f"refund_{reference}", self.theme.touch)
            row.setCheckable(True)
            row.setProperty("reference", reference)
            row.set_texts(self.tr("operator.refund_reference", reference=reference), self.tr.yen(amount),
                          f"{at:%Y-%m-%d %H:%M}　{reason}")
            self.group.addButton(row)
            self.rows.addWidget(row)
            self._rows.append(row)
        self._shown = shown

    def _update_pay(self) -> None:
        self.pay_button.setEnabled(self.chosen() is not None)

    def _pay(self) -> None:
        reference = self.chosen()
        if reference is not None:
            self.pay.emit(reference)
