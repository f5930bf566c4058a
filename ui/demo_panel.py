"""The demo operator panel beside the kiosk screen: cards, cash, faults, the clock, printed pages.

Every device action runs on that device's worker through the shell, exactly like a real
device event would arrive; the panel never touches the flow except through the kiosk's screens.
"""
from __future__ import annotations

import subprocess
import tempfile
import tomllib
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox, QGridLayout, QGroupBox, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget,
)

from kiosk.clock import JST
from kiosk.ports.printer import PrinterState
from kiosk.session_view import Screen

REJECTED_BILL = 5000  # shows a refused bill: the unit takes 1000 yen bills only


def _button(label: str, action, name: str = "") -> QPushButton:
    button = QPushButton(label)
    button.clicked.connect(action)
    if name:
        button.setObjectName(name)
    return button


class DemoPanel(QWidget):
    def __init__(self, shell) -> None:
        super().__init__()
        self.shell = shell
        self.tr = shell.tr
        k = shell.kiosk
        self.setFixedWidth(460)
        self.setStyleSheet("QWidget { font-size: 15px; } QPushButton { min-height: 32px; padding: 2px 8px; }")
        column = QVBoxLayout(self)
        tr = self.tr

        cards = QGroupBox(tr("demo.cards"))
        grid = QGridLayout(cards)
        self.card_choice = QComboBox()
        self._cards = k.card.available_cards()
        for card in self._cards:
            self.card_choice.addItem(card.name)
        self.card_choice.currentIndexChanged.connect(self._show_purpose)
        self.purpose = QLabel()
        self.purpose.setWordWrap(True)
        grid.addWidget(self.card_choice, 0, 0, 1, 3)
        grid.addWidget(self.purpose, 1, 0, 1, 3)
        grid.addWidget(_button(tr("demo.set_card"), self.set_card, "demo_set_card"), 2, 0)
        grid.addWidget(_button(tr("demo.pull_card"), self.pull_card, "demo_pull_card"), 2, 1)
        grid.addWidget(_button(tr("demo.type_pin"), self.type_pin, "demo_type_pin"), 2, 2)
        column.addWidget(cards)

        cash = QGroupBox(tr("demo.cash"))
        grid = QGridLayout(cash)
        for n, d in enumerate((*shell.denominations, REJECTED_BILL)):
            grid.addWidget(_button(tr.yen(d), lambda _=False, d=d: self.insert(d), f"demo_insert_{d}"), n // 3, n % 3)
        column.addWidget(cash)

        faults = QGroupBox(tr("demo.faults"))
        grid = QGridLayout(faults)
        actions = [
            ("demo.fault.paper_out", lambda: self.printer_fault(PrinterState.MEDIA_EMPTY)),
            ("demo.fault.jam", lambda: self.printer_fault(PrinterState.JAM)),
            ("demo.fault.printer_paused", lambda: self.printer_fault(PrinterState.PAUSED)),
            ("demo.fault.printer_clear", self.printer_clear),
            ("demo.fault.reader_unplug", lambda: shell.device("card", k.card.unplug)),
            ("demo.fault.reader_plug", lambda: shell.device("card", k.card.plug)),
            ("demo.fault.pull_during_sign", lambda: shell.device("card", k.card.pull_during_next_sign)),
            ("demo.fault.cash_jam", lambda: shell.device("cash", k.cash.jam)),
            ("demo.fault.cash_clear", lambda: shell.device("cash", k.cash.clear)),
        ]
        for n, (key, action) in enumerate(actions):
            grid.addWidget(_button(tr(key), action, key.replace(".", "_")), n // 2, n % 2)
        column.addWidget(faults)

        clock = QGroupBox(tr("demo.clock"))
        grid = QGridLayout(clock)
        self.clock_label = QLabel()
        grid.addWidget(self.clock_label, 0, 0, 1, 2)
        for n, (key, moment) in enumerate(self._moments()):
            grid.addWidget(_button(tr(key), lambda _=False, m=moment: self.jump(m)), 1 + n // 2, n % 2)
        column.addWidget(clock)

        printed = QGroupBox(tr("demo.printed"))
        box = QVBoxLayout(printed)
        self.printed = QListWidget()
        self.printed.setFixedHeight(90)
        self.printed.currentTextChanged.connect(self._preview)
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(220)
        box.addWidget(self.printed)
        box.addWidget(self.preview, 1)
        column.addWidget(printed, 1)
        column.addWidget(_button(tr("demo.operator"), shell.window.open_operator, "demo_operator"))
        self._show_purpose(0)
        shell.changed.connect(self._refresh)
        self._refresh()

    # --- actions (also used by the autopilot) ----------------------------------------------------------
    def set_card(self, name: str | None = None) -> None:
        name = name or self.card_choice.currentText()
        self.shell.device("card", lambda: self.shell.kiosk.card.insert(name))

    def pull_card(self) -> None:
        self.shell.device("card", self.shell.kiosk.card.remove)

    def insert(self, denomination: int) -> None:
        self.shell.device("cash", lambda: self.shell.kiosk.cash.insert(denomination))

    def printer_fault(self, state: PrinterState) -> None:
        self.shell.device("printer", lambda: self.shell.kiosk.printer.set_fault(state))

    def printer_clear(self) -> None:
        self.shell.device("printer", self.shell.kiosk.printer.clear_fault)

    def type_pin(self) -> None:
        """Touch the chosen demo card's PIN on the kiosk's keypad, as the resident would."""
        page = self.shell.window.current_page
        pin = _demo_pins(self.shell.config.demo_cards).get(self.card_choice.currentText())
        if pin is None or self.shell.kiosk.flow.screen is not Screen.PIN:
            return
        for digit in pin:
            page.keypad.keys[digit].click()
        page.keypad.ok_button.click()

    def jump(self, moment: datetime | None) -> None:
        if hasattr(self.shell.clock, "jump_to"):
            self.shell.clock.jump_to(moment)
            self.shell.tick()

    # --- inside -------------------------------------------------------------------------------------------
    def _moments(self):
        today = datetime.now(JST).replace(second=0, microsecond=0)
        weekday = today + timedelta(days=(7 - today.weekday()) % 7 if today.weekday() >= 5 else 0)
        return [
            ("demo.clock.real", None),
            ("demo.clock.weekday_morning", weekday.replace(hour=10, minute=0)),
            ("demo.clock.night", today.replace(hour=23, minute=30)),
            ("demo.clock.year_end", today.replace(month=12, day=30, hour=10, minute=0)),
        ]

    def _show_purpose(self, index: int) -> None:
        if 0 <= index < len(self._cards):
            card = self._cards[index]
            self.purpose.setText(card.purpose_ja if self.tr.language == "ja" else card.purpose_en)

    def _refresh(self) -> None:
        self.clock_label.setText(f"{self.shell.clock.now():%Y-%m-%d %a %H:%M:%S}")
        names = sorted(p.name for p in self.shell.config.printed_dir.glob("*.pdf"))
        if names != [self.printed.item(i).text() for i in range(self.printed.count())]:
            self.printed.clear()
            self.printed.addItems(names)
            if names:
                self.printed.setCurrentRow(len(names) - 1)

    def _preview(self, name: str) -> None:
        if not name:
            return
        pdf = self.shell.config.printed_dir / name
        self.shell.device("viewer", lambda: render_first_page(pdf, 200), self._show_png)

    def _show_png(self, png: bytes) -> None:
        pixmap = QPixmap()
        pixmap.loadFromData(png)
        self.preview.setPixmap(pixmap)


def render_first_page(pdf: Path, height: int) -> bytes:
    """The first page as PNG, by poppler's pdftoppm (installed with the system packages)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "page"
        subprocess.run(["pdftoppm", "-png", "-f", "1", "-l", "1", "-singlefile", "-scale-to", str(height), str(pdf), str(out)],
                       check=True, capture_output=True, timeout=20)
        return (out.with_suffix(".png")).read_bytes()


def _demo_pins(path: Path) -> dict[str, str]:
    """The fictional demo cards' PINs (demo data, never real ones) for the type-PIN button."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {card["name"]: card["pin"] for card in data.get("card", []) if "pin" in card}
