"""Plays a scenario file through the Qt kiosk as a resident and a presenter would, saving a screenshot per step.

Touches are real clicks on the kiosk's buttons; cards, coins and faults go through the demo
panel (device workers). Time is a ManualClock moved while the kiosk waits on a device, so
a run takes seconds however long the scenario's waits are.
"""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton

from app.demo_cash import CLEAR, EMPTY_FLOAT, JAM
from kiosk.ports.printer import PrinterState
from kiosk.scenario import FAULTS, Scenario
from kiosk.screen_facts import WAITS_ON_DEVICE

_SETTLE_SECONDS = 30  # wall clock: a step that has not settled by then is reported, not waited on forever


class Autopilot:
    def __init__(self, shell, panel, clock, shots: Path, grab) -> None:
        self.shell, self.panel, self.clock, self.shots, self.grab = shell, panel, clock, shots, grab
        self.touches = 0
        self.saved: list[Path] = []

    def run(self, scenario: Scenario) -> None:
        self.shots.mkdir(parents=True, exist_ok=True)
        self.clock.set(scenario.start)
        self.shell.start()
        self.settle()
        self.snap("start")
        for step in scenario.steps:
            self.act(step.action, step.value)
            self.settle()
            self.snap(step.action)

    # --- one step ---------------------------------------------------------------------------------
    def act(self, action: str, value) -> None:
        p = self.panel
        if action == "card":
            p.set_card(str(value))
        elif action == "remove_card":
            p.pull_card()
        elif action == "pin":
            for digit in str(value):
                self.touch(f"pin_key_{digit}")
            self.touch("pin_ok")
        elif action in ("kind", "municipality", "remove_line"):
            prefix = {"kind": "kind_", "municipality": "municipality_", "remove_line": "remove_"}[action]
            self.touch(prefix + str(value))
        elif action in ("start", "finish", "still_here", "confirm"):
            self.touch(action)
        elif action == "cancel":
            self.touch("cancel")
            self.touch("cancel_yes")  # 中止 asks first
        elif action == "add_another":
            self.touch("add_kind")
        elif action == "insert":
            for d in value if isinstance(value, list) else [value]:
                p.insert(int(d))
        elif action == "wait":
            self.wait(float(value))
        elif action == "fault":
            self._fault(str(value))
        elif action == "clear_fault":
            {"printer": p.printer_clear, "cash": lambda: p.cash_fault(CLEAR),
             "reader": lambda: self.shell.device("card", self.shell.kiosk.card.plug)}[str(value)]()
        else:
            raise ValueError(f"the autopilot cannot play {action!r}")

    def touch(self, name: str) -> None:
        QApplication.processEvents()
        button = next((b for b in self.shell.window.findChildren(QPushButton, name) if b.isVisible()), None)
        if button is None or not button.isEnabled():
            raise RuntimeError(f"no button {name!r} to touch on the {self.shell.kiosk.flow.screen.value} screen")
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        self.touches += 1

    def wait(self, seconds: float) -> None:
        steps = max(1, int(seconds * 2))
        for _ in range(steps):
            self.clock.advance(seconds / steps)
            self.shell.tick()

    def settle(self) -> None:
        """Until no device call is out and the kiosk no longer waits on a device."""
        deadline = time.monotonic() + _SETTLE_SECONDS
        while time.monotonic() < deadline:
            QApplication.processEvents()
            if not self.shell.executor.idle:
                time.sleep(0.002)  # a worker is busy: give it the CPU (not a test wait)
                continue
            if self.shell.kiosk.flow.screen not in WAITS_ON_DEVICE:
                QApplication.processEvents()
                return
            self.wait(0.5)
        raise RuntimeError(f"stuck on the {self.shell.kiosk.flow.screen.value} screen")

    def snap(self, label: str) -> Path:
        path = self.shots / f"{len(self.saved) + 1:02d}-{label}-{self.shell.kiosk.flow.screen.value}.png"
        self.grab().save(str(path))
        self.saved.append(path)
        return path

    def _fault(self, name: str) -> None:
        family, state = FAULTS[name]
        k = self.shell.kiosk
        if family == "printer":
            self.panel.printer_fault(state if isinstance(state, PrinterState) else PrinterState.JAM)
        elif name == "cash:jam":
            self.panel.cash_fault(JAM)  # by the panel's hands: the simulated unit, or the emulators
        elif name == "cash:empty_float":
            self.panel.cash_fault(EMPTY_FLOAT)
        elif name == "reader:unplug":
            self.shell.device("card", k.card.unplug)
        elif name == "card:pull_during_sign":
            self.shell.device("card", k.card.pull_during_next_sign)
