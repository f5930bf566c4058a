"""Which certificate: only what this municipality offers now, each with its fee. くわしく adds one
line on what each is (with the names people use: 謄本 = 全部事項, 抄本 = 個人事項).

A refused kind says what to do; a reason that is private (taxed, no seal registered, a move
filed...) shows only when the resident asks for details, never to whoever stands behind them.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QScrollArea, QWidget

from kiosk import events as ev
from ui.places import place_name
from ui.refusals import refusal_words
from ui.screens.base import Action, Page
from ui.widgets import ChoiceButton, discard, text, touch


class KindPage(Page):
    def __init__(self, shell) -> None:
        super().__init__(shell)
        self.title = text("title")
        self.where = text("")
        self.loading = text("note")
        self.in_order = text("note")
        self.why = touch("", "kind_details")  # くわしく: what each certificate is, and private reasons
        self.why.setCheckable(True)
        self.why.clicked.connect(self._toggle_details)
        self.switch = QHBoxLayout()
        inner = QWidget()
        self.grid = QGridLayout(inner)
        self.grid.setSpacing(self.theme.px(16))
        self.grid.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        self.box.setSpacing(self.theme.px(14))
        head = QHBoxLayout()
        head.setSpacing(self.theme.px(24))
        head.addWidget(self.title, 1)
        head.addWidget(self.where, 1)
        head.addWidget(self.why)
        self.box.addLayout(head)
        self.box.addLayout(self.switch)
        self.box.addWidget(self.loading)
        self.box.addWidget(scroll, 1)
        self.box.addWidget(self.in_order)
        self._widgets: list[QWidget] = []
        self._key = None
        self._details = False

    def entered(self) -> None:
        self._details = False

    def show_view(self, view) -> None:
        tr = self.tr
        self.title.setText(tr("kind.title"))
        here = next((m for m in view.municipalities if m.code == view.municipality_code), None)
        self.where.setText(tr("kind.where", name=place_name(tr, self.shell.catalog, here.code, here.name)) if here else "")
        self.loading.setVisible(not view.offers)
        self.loading.setText(tr("kind.loading"))
        lines = view.order.lines
        self.in_order.setVisible(bool(lines))
        self.in_order.setText(tr("kind.in_order", kinds="、".join(tr(f"kind.{l.kind.value}") for l in lines),
                                 total=tr.yen(view.order.total)))
        self.why.setVisible(bool(view.offers))
        self.why.setChecked(self._details)
        self.why.setText(tr("kind.hide_details" if self._details else "kind.show_details"))
        key = (view.offers, view.municipalities, view.municipality_code, tr.language, self._details)
        if key != self._key:
            self._key = key
            self._rebuild(view)

    def back(self, view) -> Action | None:
        if not view.order.lines:
            return None  # the first choice: 中止 is the way out
        return Action("back_to_order", self.tr("footer.back"), lambda: self.post(ev.BackToOrderTouched()))

    def _toggle_details(self) -> None:
        self._details = not self._details
        self.shell.post_presence()  # repaints

    def _rebuild(self, view) -> None:
        tr = self.tr
        discard(self._widgets)
        columns = 2 if not self.theme.portrait else 1
        for n, offer in enumerate(view.offers):
            button = ChoiceButton(f"kind_{offer.kind.value}", self.theme.touch + self.theme.px(24))
            # the list fits one screen with titles and fees; くわしく adds what each is (it may then scroll)
            detail = (refusal_words(tr, offer.refusal.reason, self._details) if offer.refusal
                      else tr(f"kind.help.{offer.kind.value}") if self._details else "")
            # the fee on the title's line: a line of its own would cost the list its last row
            title = tr("kind.title_fee", kind=tr(f"kind.{offer.kind.value}"), fee=tr("kind.fee", fee=tr.yen(offer.fee_per_copy)))
            button.set_texts(title, "", detail, enabled=offer.refusal is None)
            button.clicked.connect(lambda _=False, kind=offer.kind: self.post(ev.KindChosen(kind)))
            self.grid.addWidget(button, n // columns, n % columns)
            button.show()
            self._widgets.append(button)
        for m in view.municipalities:  # another municipality (e.g. the 本籍地) can be chosen from here
            if m.code == view.municipality_code or m.refusal is not None:
                continue
            button = ChoiceButton(f"switch_{m.code}", self.theme.touch)
            button.set_texts(tr("kind.switch", role=tr(f"municipality.role.{m.role}"),
                                name=place_name(tr, self.shell.catalog, m.code, m.name)))
            button.clicked.connect(lambda _=False, code=m.code: self.post(ev.MunicipalityChosen(code)))
            self.switch.addWidget(button)
            button.show()
            self._widgets.append(button)
