"""Whose certificates: the municipality of residence or the 本籍地; refused ones say why."""
from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout

from kiosk import events as ev
from ui.places import place_name
from ui.screens.base import Page
from ui.widgets import ChoiceButton, discard, text


class MunicipalityPage(Page):
    def __init__(self, shell) -> None:
        super().__init__(shell)
        self.title = text("title")
        self.list = QVBoxLayout()
        self.list.setSpacing(self.theme.px(24))
        self.box.addWidget(self.title)
        self.box.addLayout(self.list)
        self.box.addStretch(1)
        self._buttons: list[ChoiceButton] = []
        self._key = None

    def show_view(self, view) -> None:
        self.title.setText(self.tr("municipality.title"))
        key = (view.municipalities, self.tr.language)
        if key == self._key:
            return
        self._key = key
        discard(self._buttons)
        for m in view.municipalities:
            button = ChoiceButton(f"municipality_{m.code}", self.theme.touch * 2)
            detail = self.tr(f"refusal.{m.refusal.reason.value}") if m.refusal else self.tr(f"municipality.covers.{m.role}")
            name = place_name(self.tr, self.shell.catalog, m.code, m.name)
            button.set_texts(f"{self.tr(f'municipality.role.{m.role}')}: {name}", "", detail, enabled=m.refusal is None)
            button.clicked.connect(lambda _=False, code=m.code: self.post(ev.MunicipalityChosen(code)))
            self.list.addWidget(button)
            button.show()
            self._buttons.append(button)
