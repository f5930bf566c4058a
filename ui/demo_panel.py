"""The demo operator panel beside the kiosk screen: cards, cash, faults, the clock, printed pages.

Every device action runs on that device's worker through the shell, exactly like a real
device event would arrive; the panel never touches the flow except through the kiosk's screens.
System faults: a full disk under the journal, an unreadable seal key, a device whose answers
come late (the executor holds them back), and a device call that raises.

Coins, notes and the cash unit's faults are done by the cash unit's hands (app/demo_cash.py):
the simulated unit itself, or the emulators of the serial unit, whose lines they then cross. The
panel offers what the hands can do (``hands.actions``) and knows nothing of the adapter behind.
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
    QComboBox, QGridLayout, QGroupBox, QLabel, QListWidget, QPushButton, QSpinBox, QTabWidget, QVBoxLayout,
    QWidget,
)

from app.demo_cash import CLEAR, JAM, LINK_FAULT, PLUG_CABLE, PULL_CABLE, CashHands, cash_hands
from kiosk.clock import JST
from kiosk.ports.printer import PrinterState
from kiosk.session_view import Screen
from ui.demo_faults import disk_full, fail_next_submit, set_seal_keys

REJECTED_BILL = 5000  # shows a refused bill: the unit takes 1000 yen bills only
SLOW_FAMILIES = ("cash", "printer", "card", "center")
MAX_DELAY = 60  # seconds: beyond the device deadlines (30 s), to show a call given up on


def _button(label: str, action, name: str = "") -> QPushButton:
    button = QPushButton(label)
    button.clicked.connect(action)
    if name:
        button.setObjectName(name)
    return button


class _Words:
    """The panel's words and the widgets they sit on, said again when the kiosk's language changes."""

    def __init__(self, tr) -> None:
        self.tr = tr
        self._setters: list = []
        self.language = tr.language

    def on(self, setter, key: str, **values):
        """Set a text now (``setter(words)``) and again after each language change; returns the words."""
        self._setters.append((setter, key, values))
        return self.tr(key, **values)

    def button(self, key: str, action, name: str = "") -> QPushButton:
        button = _button("", action, name)
        button.setText(self.on(button.setText, key))
        return button

    def box(self, key: str) -> QGroupBox:
        box = QGroupBox()
        box.setTitle(self.on(box.setTitle, key))
        return box

    def refresh(self) -> bool:
        if self.tr.language == self.language:
            return False
        self.language = self.tr.language
        for setter, key, values in self._setters:
            setter(self.tr(key, **values))
        return True


class DemoPanel(QWidget):
    def __init__(self, shell, hands: CashHands | None = None) -> None:
        """``hands``: at the cash unit; by default the unit's own (the simulated unit), or none."""
        super().__init__()
        self.shell = shell
        self.tr = shell.tr
        k = shell.kiosk
        self.hands = hands if hands is not None else cash_hands(k.cash)
        can = self._can = self.hands.actions if self.hands is not None else frozenset()
        self.setFixedWidth(460)
        self.setStyleSheet("QWidget { font-size: 15px; } QPushButton { min-height: 28px; padding: 2px 8px; }")
        column = QVBoxLayout(self)
        tr = self.tr
        w = self._words = _Words(tr)
        self._disk_full = self._keys_away = self._cable_out = False

        cards = w.box("demo.cards")
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
        grid.addWidget(w.button("demo.set_card", lambda: self.set_card(), "demo_set_card"), 2, 0)
        grid.addWidget(w.button("demo.pull_card", self.pull_card, "demo_pull_card"), 2, 1)
        grid.addWidget(w.button("demo.type_pin", self.type_pin, "demo_type_pin"), 2, 2)
        column.addWidget(cards)

        cash = w.box("demo.cash")
        grid = QGridLayout(cash)
        for n, d in enumerate((*shell.denominations, REJECTED_BILL)):
            button = _button("", lambda _=False, d=d: self.insert(d), f"demo_insert_{d}")
            button.setText(w.on(button.setText, "money.yen", amount=f"{d:,}"))
            button.setEnabled(self.hands is not None)
            grid.addWidget(button, n // 3, n % 3)
        column.addWidget(cash)

        # device faults and system faults share one place: both groups at once would not fit beside a 1024 px kiosk
        faults = QWidget()
        grid = QGridLayout(faults)
        actions = [
            ("demo.fault.paper_out", lambda: self.printer_fault(PrinterState.MEDIA_EMPTY)),
            ("demo.fault.jam", lambda: self.printer_fault(PrinterState.JAM)),
            ("demo.fault.printer_paused", lambda: self.printer_fault(PrinterState.PAUSED)),
            ("demo.fault.printer_clear", self.printer_clear),
            ("demo.fault.reader_unplug", lambda: shell.device("card", k.card.unplug)),
            ("demo.fault.reader_plug", lambda: shell.device("card", k.card.plug)),
            ("demo.fault.pull_during_sign", lambda: shell.device("card", k.card.pull_during_next_sign)),
            *([("demo.fault.cash_jam", lambda: self.cash_fault(JAM))] if JAM in can else []),
            *([("demo.fault.cash_clear", lambda: self.cash_fault(CLEAR))] if CLEAR in can else []),
        ]
        for n, (key, action) in enumerate(actions):
            grid.addWidget(w.button(key, action, key.replace(".", "_")), n // 2, n % 2)
        tabs = QTabWidget()
        tabs.addTab(faults, w.on(lambda words: tabs.setTabText(0, words), "demo.faults"))
        tabs.addTab(self._trouble_tab(), w.on(lambda words: tabs.setTabText(1, words), "demo.trouble"))
        column.addWidget(tabs)
        self.active = QLabel()
        self.active.setObjectName("demo_active_faults")
        self.active.setWordWrap(True)
        column.addWidget(self.active)

        clock = w.box("demo.clock")
        grid = QGridLayout(clock)
        self.clock_label = QLabel()
        grid.addWidget(self.clock_label, 0, 0, 1, 2)
        for n, (key, moment) in enumerate(self._moments()):
            grid.addWidget(w.button(key, lambda _=False, m=moment: self.jump(m)), 1 + n // 2, n % 2)
        column.addWidget(clock)

        printed = w.box("demo.printed")
        box = QVBoxLayout(printed)
        self.printed = QListWidget()
        self.printed.setFixedHeight(64)
        self.printed.currentTextChanged.connect(self._preview)
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(150)
        box.addWidget(self.printed)
        box.addWidget(self.preview, 1)
        column.addWidget(printed, 1)
        column.addWidget(w.button("demo.operator", shell.window.open_operator, "demo_operator"))
        self._show_purpose(0)
        shell.changed.connect(self._refresh)
        self.set_seal_key(True)  # a demo that ended with the seal keys aside starts with them back
        self._show_active()
        self._refresh()

    def _trouble_tab(self) -> QWidget:
        w = self._words
        can = self._can
        box = QWidget()
        grid = QGridLayout(box)
        actions = [
            ("demo.fault.disk_full", lambda: self.set_disk_full(True)),
            ("demo.fault.disk_ok", lambda: self.set_disk_full(False)),
            ("demo.fault.seal_key_aside", lambda: self.set_seal_key(False)),
            ("demo.fault.seal_key_back", lambda: self.set_seal_key(True)),
            *([("demo.fault.cash_link", self.fail_next_cash_call)] if LINK_FAULT in can else []),
            *([("demo.fault.cash_unplug", lambda: self.set_cash_cable(False))] if PULL_CABLE in can else []),
            *([("demo.fault.cash_plug", lambda: self.set_cash_cable(True))] if PLUG_CABLE in can else []),
            ("demo.fault.printer_link", self.fail_next_print),
        ]
        for n, (key, action) in enumerate(actions):
            grid.addWidget(w.button(key, action, key.replace(".", "_")), n // 2, n % 2)
        row = (len(actions) + 1) // 2
        self.slow_family = QComboBox()
        self.slow_family.setObjectName("demo_slow_family")
        for n, family in enumerate(SLOW_FAMILIES):
            self.slow_family.addItem(w.on(lambda words, n=n: self.slow_family.setItemText(n, words), f"demo.family.{family}"),
                                     family)
        self.slow_seconds = QSpinBox()
        self.slow_seconds.setObjectName("demo_slow_seconds")
        self.slow_seconds.setRange(0, MAX_DELAY)
        self.slow_seconds.setSuffix(w.on(self.slow_seconds.setSuffix, "demo.seconds_suffix"))
        self.slow_family.currentIndexChanged.connect(
            lambda _: self.slow_seconds.setValue(int(self.shell.executor.delay(self.slow_family.currentData()))))
        slow = QGridLayout()
        label = QLabel()
        label.setText(w.on(label.setText, "demo.fault.slow"))
        slow.addWidget(label, 0, 0)
        slow.addWidget(self.slow_family, 0, 1)
        slow.addWidget(self.slow_seconds, 0, 2)
        slow.addWidget(w.button("demo.fault.slow_set", self._apply_slow, "demo_fault_slow_set"), 0, 3)
        grid.addLayout(slow, row, 0, 1, 2)
        grid.setRowStretch(row + 1, 1)
        return box

    # --- actions (also used by the autopilot) ----------------------------------------------------------
    def set_card(self, name: str | None = None) -> None:
        if name is not None:  # the autopilot's card: the list shows the card that is on the reader
            index = self.card_choice.findText(name)
            if index >= 0:
                self.card_choice.setCurrentIndex(index)
        name = name or self.card_choice.currentText()
        self.shell.device("card", lambda: self.shell.kiosk.card.insert(name))

    def pull_card(self) -> None:
        self.shell.device("card", self.shell.kiosk.card.remove)

    def insert(self, denomination: int) -> None:
        """A resident puts a coin or a note in (by the hands: into the simulated unit, or the emulators)."""
        hands = self.hands
        if hands is not None:
            self.shell.device(hands.family, lambda: hands.insert(denomination))

    def cash_fault(self, action: str) -> None:
        """One of the hands' ``actions`` at the cash unit (jam, clear, empty_float ...)."""
        hands = self.hands
        if hands is None or action not in hands.actions:
            raise ValueError(f"the cash unit's hands cannot {action!r} here")
        self.shell.device(hands.family, getattr(hands, action))

    def set_cash_cable(self, plugged: bool) -> None:
        """Pull the cash unit's cables out (nothing crosses its serial lines) or plug them back."""
        self.cash_fault(PLUG_CABLE if plugged else PULL_CABLE)
        self._cable_out = not plugged
        self._show_active()

    def printer_fault(self, state: PrinterState) -> None:
        self.shell.device("printer", lambda: self.shell.kiosk.printer.set_fault(state))

    def printer_clear(self) -> None:
        self.shell.device("printer", self.shell.kiosk.printer.clear_fault)

    def set_disk_full(self, full: bool) -> None:
        """Every journal write fails as on a full disk (the journal's own reserve is left alone)."""
        journal = self.shell.kiosk.journal
        self._disk_full = full
        self.shell.device("storage", lambda: journal.inject_write_fault(disk_full() if full else None))
        self._show_active()

    def set_seal_key(self, readable: bool) -> None:
        """Seal keys renamed aside (unreadable, as root ignores chmod) or back, on the printer's worker
        where the renderer reads them."""
        data_dir, codes = self.shell.config.data_dir, self.shell.catalog.codes()
        self.shell.device("printer", lambda: set_seal_keys(data_dir, codes, readable), self._keys_state)

    def set_slow(self, family: str, seconds: float) -> None:
        """The family's answers reach the kiosk this many seconds late (0: at once)."""
        self.shell.executor.set_delay(family, seconds)
        if self.slow_family.currentData() == family:
            self.slow_seconds.setValue(int(seconds))
        self._show_active()

    def fail_next_cash_call(self) -> None:
        self.cash_fault(LINK_FAULT)

    def fail_next_print(self) -> None:
        printer = self.shell.kiosk.printer
        self.shell.device("printer", lambda: fail_next_submit(printer))

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
            self.purpose.setText(card.purpose_ja if self.tr.language.startswith("ja") else card.purpose_en)

    def _apply_slow(self) -> None:
        self.set_slow(self.slow_family.currentData(), self.slow_seconds.value())

    def _keys_state(self, away: bool) -> None:
        self._keys_away = away
        self._show_active()

    def _show_active(self) -> None:
        tr = self.tr
        names = [tr("demo.active.disk_full")] if self._disk_full else []
        names += [tr("demo.active.seal_key")] if self._keys_away else []
        names += [tr("demo.active.cash_cable")] if self._cable_out else []
        names += [tr("demo.active.slow", family=tr(f"demo.family.{f}"), seconds=int(self.shell.executor.delay(f)))
                  for f in SLOW_FAMILIES if self.shell.executor.delay(f)]
        faults = tr("demo.active.separator").join(names)
        self.active.setText(tr("demo.active", faults=faults) if names else tr("demo.active.none"))

    def _refresh(self) -> None:
        if self._words.refresh():
            self._show_purpose(self.card_choice.currentIndex())
            self._show_active()
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
