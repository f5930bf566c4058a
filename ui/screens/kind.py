"""Which certificate: only what this municipality offers now, each with its fee; refused kinds say why."""
from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QScrollArea, QWidget

from kiosk import events as ev
from ui.screens.base import Page
from ui.widgets import ChoiceButton, discard, text, touch


class KindPage(Page):
    def __init__(self, shell) -> None:
        super().__init__(shell)
        self.title = text("title")
        self.where = text("")
        self.loading = text("note")
        self.in_order = text("note")
        self.back = touch("", "back_to_order")
        self.back.clicked.connect(lambda: self.post(ev.BackToOrderTouched()))
        self.switch = QHBoxLayout()
        inner = QWidget()
        self.grid = QGridLayout(inner)
        self.grid.setSpacing(self.theme.px(20))
        self.grid.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        self.box.addWidget(self.title)
        self.box.addWidget(self.where)
        self.box.addLayout(self.switch)
        self.box.addWidget(self.loading)
        self.box.addWidget(scroll, 1)
        self.box.addWidget(self.in_order)
        self.box.addWidget(self.back)
        self._widgets: list[QWidget] = []
        self._key = None

    def show_view(self, view) -> None:
        tr = self.tr
        self.title.setText(tr("kind.title"))
        here = next((m for m in view.municipalities if m.code == view.municipality_code), None)
        self.where.setText(tr("kind.where", name=here.name) if here else "")
        self.loading.setVisible(not view.offers)
        self.loading.setText(tr("kind.loading"))
        lines = view.order.lines
        self.in_order.setVisible(bool(lines))
        self.back.setVisible(bool(lines))
        self.back.setText(tr("kind.back_to_order"))
        self.in_order.setText(tr("kind.in_order", kinds="、".join(tr(f"kind.{l.kind.value}") for l in lines),
                                 total=tr.yen(view.order.total)))
        key = (view.offers, view.municipalities, view.municipality_code, tr.language)
        if key != self._key:
            self._key = key
            self._rebuild(view)

    def _rebuild(self, view) -> None:
        tr = self.tr
        discard(self._widgets)
        columns = 2 if self.theme.width > self.theme.height else 1
        for n, offer in enumerate(view.offers):
            button = ChoiceButton(f"kind_{offer.kind.value}", self.theme.touch + self.theme.px(40))
            detail = tr(f"refusal.{offer.refusal.reason.value}") if offer.refusal else ""
            button.set_texts(tr(f"kind.{offer.kind.value}"), tr("kind.fee", fee=tr.yen(offer.fee_per_copy)), detail,
                             enabled=offer.refusal is None)
            button.clicked.connect(lambda _=False, kind=offer.kind: self.post(ev.KindChosen(kind)))
            self.grid.addWidget(button, n // columns, n % columns)
            button.show()
            self._widgets.append(button)
        for m in view.municipalities:  # another municipality (e.g. the 本籍地) can be chosen from here
            if m.code == view.municipality_code or m.refusal is not None:
                continue
            button = touch("", f"switch_{m.code}")
            button.setText(tr("kind.switch", role=tr(f"municipality.role.{m.role}"), name=m.name))
            button.clicked.connect(lambda _=False, code=m.code: self.post(ev.MunicipalityChosen(code)))
            self.switch.addWidget(button)
            button.show()
            self._widgets.append(button)
