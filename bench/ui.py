"""UI benchmark: cold start to the attract screen painted, and a tap to the next screen painted.

    .venv/bin/python bench/ui.py [--runs 5] [--taps 40]

Cold start runs a fresh interpreter each time (imports, font, kiosk build, first paint), on a
provisioned data directory as a deployed kiosk has. Taps are real clicks on the offscreen
window: attract → set card → (cancel) attract, and kind → order → (add another) kind.
Targets: cold start ≤ 1.5 s, tap to paint ≤ 50 ms (medians).
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_CHILD = """
import os, sys, time, dataclasses
from pathlib import Path
t0 = float(sys.argv[2])
from PySide6.QtWidgets import QApplication
from kiosk.config import load_config
from kiosk.clock import SystemClock
app = QApplication([])
from ui.shell import KioskShell
shell = KioskShell(dataclasses.replace(load_config(), data_dir=Path(sys.argv[1])), SystemClock(), tick=False)
painted = []
shell.window.painted.connect(lambda page: painted.append(time.time()))
shell.window.show()
while not painted:
    app.processEvents()
print(painted[0] - t0)
shell.close()
"""


def cold_start(data: Path) -> float:
    start = time.time()
    out = subprocess.run([sys.executable, "-c", _CHILD, str(data), repr(start)], capture_output=True, text=True,
                         cwd=ROOT, check=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    return float(out.stdout.strip().splitlines()[-1])


def tap_times(data: Path, taps: int) -> list[float]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QPushButton

    from kiosk.clock import JST, ManualClock
    from kiosk.config import load_config
    from kiosk.session_view import Screen
    from ui.autopilot import Autopilot
    from ui.shell import KioskShell
    from datetime import datetime

    app = QApplication.instance() or QApplication([])  # noqa: F841
    clock = ManualClock(datetime(2026, 11, 25, 10, 0, tzinfo=JST))
    shell = KioskShell(dataclasses.replace(load_config(), data_dir=data), clock, tick=False)
    shell.window.show()
    shell.start()
    pilot = Autopilot(shell, None, clock, data, shell.window.grab)
    pilot.settle()
    painted: list = []
    shell.window.painted.connect(painted.append)

    def tap(name: str, then: Screen) -> float:
        QApplication.processEvents()
        button = next(b for b in shell.window.findChildren(QPushButton, name) if b.isVisible())
        target = shell.window.pages[then]
        painted.clear()
        t0 = time.perf_counter()
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        while target not in painted:
            app.processEvents()
        return time.perf_counter() - t0

    times = []
    for _ in range(taps // 4):
        times.append(tap("start", Screen.SET_CARD))
        times.append(tap("cancel", Screen.ATTRACT))
    shell.device("card", lambda: shell.kiosk.card.insert("sato-ichiro"))
    pilot.settle()
    pilot.act("pin", "4721")
    pilot.settle()
    shell.device("card", shell.kiosk.card.remove)
    pilot.settle()
    for _ in range(taps // 4):
        times.append(tap("kind_juminhyo", Screen.ORDER))
        times.append(tap("add_kind", Screen.KIND))
    shell.close()
    return times


def main() -> int:
    from kiosk.config import load_config
    from kiosk.provision import copy_provisioned, provision

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--taps", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        base = Path(work) / "provisioned"
        provision(dataclasses.replace(load_config(), data_dir=base))
        starts = []
        for n in range(args.runs):
            data = Path(work) / f"cold-{n}"
            copy_provisioned(base, data)
            starts.append(cold_start(data))
        copy_provisioned(base, Path(work) / "taps")
        taps = tap_times(Path(work) / "taps", args.taps)
    print(f"cold start to attract painted: median {statistics.median(starts) * 1000:.0f} ms "
          f"(min {min(starts) * 1000:.0f}, max {max(starts) * 1000:.0f}, {len(starts)} runs; target ≤ 1500 ms)")
    print(f"tap to next screen painted:    median {statistics.median(taps) * 1000:.1f} ms "
          f"(p90 {sorted(taps)[int(len(taps) * 0.9)] * 1000:.1f}, max {max(taps) * 1000:.1f}, {len(taps)} taps; target ≤ 50 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
