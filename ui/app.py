"""Start the touchscreen kiosk (``python -m ui.app``), or its demo with the operator panel beside it.

    python -m ui.app                       # full screen on the primary screen, real time
    python -m ui.app --demo                # kiosk at 1280×1024 plus the demo panel
    python -m ui.app --demo --size 1080x1920
    python -m ui.app --autopilot DIR       # play the demo scenario, one screenshot per step into DIR
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.clock import Clock, ManualClock, SystemClock
from kiosk.config import ASSETS, KioskConfig, load_config

if TYPE_CHECKING:  # for annotations only
    from app.demo_cash import CashHands
    from kiosk.ports.cash import CashUnit

    HandsFor = Callable[[CashUnit], CashHands | None]

DEMO_SCENARIO = ASSETS / "demo" / "demo_scenario.toml"
DEMO_SIZE = (1280, 1024)  # the multi-copy machine's panel


def _size(text: str) -> tuple[int, int]:
    w, _, h = text.partition("x")
    return int(w), int(h)


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m ui.app", description="The コンビニ交付 kiosk's touchscreen.")
    p.add_argument("--config", type=Path)
    p.add_argument("--demo", action="store_true", help="demo mode: DEMO banner and the operator panel beside the kiosk")
    p.add_argument("--size", type=_size, help="kiosk screen WIDTHxHEIGHT (default: the whole screen; demo 1280x1024)")
    p.add_argument("--autopilot", type=Path, metavar="DIR", help="play the demo scenario and save a screenshot per step")
    p.add_argument("--scenario", type=Path, default=DEMO_SCENARIO, help="scenario for --autopilot")
    return p.parse_args(argv)


def run(args: argparse.Namespace, config: KioskConfig | None = None, hands: HandsFor | None = None) -> int:
    """``config`` instead of the file's (the demo on the serial path); ``hands`` gives the demo
    panel's hands at the cash unit (app/demo_cash.py; default: the unit's own, if it has any)."""
    from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget

    from kiosk.scenario import load_scenario
    from ui.demo_clock import ShiftableClock
    from ui.shell import KioskShell

    config = config or load_config(args.config)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    demo = args.demo or args.autopilot is not None
    screen = app.primaryScreen().geometry()
    size = args.size or (DEMO_SIZE if demo else (screen.width(), screen.height()))
    scenario = load_scenario(args.scenario) if args.autopilot else None
    clock: Clock = ManualClock(scenario.start) if scenario else ShiftableClock() if demo else SystemClock()
    shell = KioskShell(config, clock, size=size, demo=demo, tick=args.autopilot is None)
    if not demo:
        shell.window.setGeometry(screen)  # a bare X server (no window manager) ignores showFullScreen
        shell.window.showFullScreen()
        shell.start()
        try:
            return app.exec()
        finally:
            shell.close()

    from ui.demo_panel import DemoPanel

    frame = QWidget()
    frame.setWindowTitle("コンビニ交付 kiosk — DEMO")
    row = QHBoxLayout(frame)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(shell.window, 0)
    panel = DemoPanel(shell, hands(shell.kiosk.cash) if hands else None)
    row.addWidget(panel)
    frame.move(screen.topLeft())
    frame.show()
    try:
        if scenario is not None:
            return _autopilot(shell, panel, clock, scenario, args.autopilot, frame)
        shell.start()
        with _QuitOnSignals(app):
            return app.exec()
    finally:
        shell.close()


class _QuitOnSignals:
    """Ctrl-C or SIGTERM end the demo's event loop, so that what was started for it is stopped
    (the emulators of ``kiosk demo --cash serial``); the handlers before are put back after."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, app) -> None:
        self._app = app
        self._before: dict = {}

    def __enter__(self) -> None:
        for number in self.SIGNALS:
            self._before[number] = signal.signal(number, lambda *_: self._app.quit())

    def __exit__(self, *exc: object) -> None:
        for number, handler in self._before.items():
            signal.signal(number, handler)


def _autopilot(shell, panel, clock, scenario, shots: Path, frame) -> int:
    from ui.autopilot import Autopilot

    pilot = Autopilot(shell, panel, clock, shots, frame.grab)
    pilot.run(scenario)
    print(f"{len(pilot.saved)} screenshots in {shots.resolve()} ({pilot.touches} touches)")
    return 0


def demo(config_path: Path | None, shots: Path, config: KioskConfig | None = None,
         hands: HandsFor | None = None) -> int:
    """``kiosk demo``: on screen when there is a display, otherwise on Xvfb with screenshots.
    ``config`` and ``hands``: as for ``run`` (``kiosk demo --cash serial``)."""
    from ui.xvfb import VirtualDisplay, has_display

    base = ["--demo"] + (["--config", str(config_path)] if config_path else [])
    if has_display():
        return run(parse(base), config, hands)
    if not VirtualDisplay.available():
        print("kiosk: no display and no Xvfb: install xvfb (scripts/system-deps.sh) or run `kiosk demo --headless`",
              file=sys.stderr)
        return 2
    print(f"No display here: running the demo on a virtual screen (Xvfb); a screenshot of every step goes to {shots.resolve()}")
    with VirtualDisplay(1920, 1080):
        os.environ["QT_QPA_PLATFORM"] = "xcb"
        return run(parse(base + ["--autopilot", str(shots)]), config, hands)


def main(argv: list[str] | None = None) -> int:
    return run(parse(argv))


if __name__ == "__main__":
    sys.exit(main())
