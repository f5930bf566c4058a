"""The demo on the serial path: the Qt kiosk on the serial cash unit, over the ID-003 and ccTalk
emulators (their own processes, on pseudo-terminals), the demo panel's coins and notes going
through the emulators' control channels and then byte for byte over the lines.

And the rule that a hung driver never freezes the UI: with the cable pulled in the middle of a
payment the window keeps painting, 中止 works, the money is owed (the screen says so), and the
operator page says which device failed and why. Every wait is on a condition, never a fixed sleep.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from itertools import pairwise

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QPushButton

from app.cli import main
from app.demo_cash import EMULATOR_DIR, EmulatorHands, cash_hands, serial_demo
from kiosk.clock import ManualClock
from kiosk.session_view import Screen
from tests.conftest import need_real_stack
from tests.ui.conftest import WAIT_MS, WEDNESDAY_10AM, Driver
from ui.demo_panel import DemoPanel
from ui.voice import script

COPIES = 5  # 住民票の写し ×5 = 1,500円: more than ¥1,000 + ¥100, so both credits show on the payment screen


@pytest.fixture
def serial_kiosk(qtbot, kiosk_config):
    """The kiosk shell as the UI tests build it, on the serial unit and its emulators (full speed),
    with the demo panel and its hands at the emulators; closed before the emulators stop."""
    from ui.shell import KioskShell

    with serial_demo(kiosk_config, pace=0) as (config, devices):
        shell = KioskShell(config, ManualClock(WEDNESDAY_10AM), size=(1280, 1024), tick=False)
        try:
            qtbot.addWidget(shell.window)
            shell.window.show()
            shell.start()
            kiosk = Driver(shell, shell.clock, qtbot)
            unit = kiosk.k.cash
            qtbot.waitUntil(lambda: unit.health().ok, timeout=WAIT_MS)  # both lines up, the devices reset
            kiosk.advance(config.timings.health_interval)  # the next health check finds the unit in service
            kiosk.settle()
            panel = DemoPanel(shell, cash_hands(unit, devices))
            qtbot.addWidget(panel)
            yield kiosk, panel, devices
        finally:
            shell.close()  # the unit's poll threads and ports first, then the emulators


def press(kiosk: Driver, panel: DemoPanel, name: str) -> None:
    """A panel button (some sit on the tab not shown), then until what it did has been reported."""
    button = panel.findChild(QPushButton, name)
    assert button is not None and button.isEnabled(), name
    button.click()
    kiosk.qtbot.waitUntil(lambda: kiosk.shell.executor.idle, timeout=WAIT_MS)


def to_payment(kiosk: Driver) -> None:
    kiosk.to_order("juminhyo")
    for _ in range(COPIES - 1):
        kiosk.touch("copies_more")
    kiosk.touch("confirm")
    kiosk.wait_for(Screen.PAYMENT)
    assert kiosk.view.due == 300 * COPIES


def test_the_panels_notes_and_coins_go_through_the_emulators_to_the_screen(serial_kiosk, qtbot):
    kiosk, panel, devices = serial_kiosk
    assert isinstance(panel.hands, EmulatorHands)
    assert panel.findChild(QPushButton, "demo_fault_cash_link") is None  # the simulated unit's fault only
    to_payment(kiosk)

    press(kiosk, panel, "demo_insert_1000")
    qtbot.waitUntil(lambda: kiosk.view.paid == 1000 and "1,000円" in kiosk.text(), timeout=WAIT_MS)
    press(kiosk, panel, "demo_insert_100")
    qtbot.waitUntil(lambda: kiosk.view.paid == 1100 and "1,100円" in kiosk.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: devices.notes.control("state")["stacked"]["1000"] == 1, timeout=WAIT_MS)  # in the box
    assert devices.coins.control("state")["acceptor"]["counter"] == 1  # one coin event, read once

    press(kiosk, panel, "demo_insert_500")  # 1,600円 for 1,500円: printed, ¥100 change from the ¥100 hopper
    kiosk.wait_for(Screen.DONE)
    assert kiosk.view.change == 100
    assert devices.coins.control("state")["hoppers"]["100"]["paid_total"] == 1
    assert kiosk.k.journal.refunds_owed() == []


def test_cable_pulled_mid_payment_the_screen_paints_cancel_works_and_the_money_is_owed(serial_kiosk, qtbot):
    kiosk, panel, _ = serial_kiosk
    to_payment(kiosk)
    press(kiosk, panel, "demo_insert_1000")
    press(kiosk, panel, "demo_insert_100")
    qtbot.waitUntil(lambda: kiosk.view.paid == 1100, timeout=WAIT_MS)

    # the screen keeps painting: a 20 ms timer on the GUI thread repaints the window; its longest gap
    # while the cash unit's lines are dead (calls on the cash worker run into their deadlines) is measured
    ticks: list[float] = []
    painter = QTimer()
    painter.setInterval(20)
    painter.timeout.connect(lambda: (kiosk.shell.window.repaint(), ticks.append(time.monotonic())))
    painter.start()
    try:
        press(kiosk, panel, "demo_fault_cash_unplug")
        assert "入出金機のケーブル抜け" in panel.active.text()
        kiosk.touch("cancel")  # before the unit has even noticed: the return runs into the dead line
        kiosk.touch("cancel_yes")
        qtbot.waitUntil(lambda: kiosk.screen is Screen.NOTICE and kiosk.shell.executor.idle, timeout=WAIT_MS)
        kiosk.settle()
    finally:
        painter.stop()
    gaps = [b - a for a, b in pairwise(ticks)]
    assert len(ticks) > 10 and max(gaps) < 0.5, f"the GUI thread stalled {max(gaps):.2f} s"

    # nothing came back over a dead line: the whole 1,100円 is owed, with a reference, and the screen says so
    assert kiosk.view.refund_owed == 1100
    [reference] = kiosk.view.refund_references
    text = kiosk.text()
    assert "1,100円 を返金いたします" in text and reference in text
    assert "お金の機械に問題が起きました" in text and "お返ししました" not in text  # nothing came back: not said so
    assert [line.key for line in script.guidance(kiosk.view)][:2] == ["voice.notice.cash_fault", "voice.refund"]
    assert "voice.remind.returned" not in [line.key for line in script.reminders(kiosk.view)]
    assert [r.amount for r in kiosk.k.journal.refunds_owed()] == [1100]
    assert kiosk.shell.executor.escaped == 0  # every failure was a device fault answered, not a bug

    # the session ends; the kiosk is out of service for cash, and the operator page says which device and why
    kiosk.touch("finish")
    qtbot.waitUntil(lambda: not kiosk.k.cash.health().ok, timeout=WAIT_MS)
    kiosk.advance(kiosk.shell.config.timings.health_interval)
    kiosk.wait_for(Screen.OUT_OF_SERVICE)
    assert any(r.startswith("cash: ") and "coin acceptor" in r for r in kiosk.view.out_of_service_reasons)
    kiosk.shell.window.open_operator()
    for digit in "135790":
        kiosk.touch(f"pin_key_{digit}")
    kiosk.touch("pin_ok")
    qtbot.waitUntil(lambda: "硬貨識別機: 故障（" in kiosk.text() and "紙幣識別機: 故障（" in kiosk.text(), timeout=WAIT_MS)
    assert "入出金機: 故障" in kiosk.text() and "返金が必要な金額: 1,100円" in kiosk.text()

    # plugged back in: the unit comes back by itself, and the operator page says so
    press(kiosk, panel, "demo_fault_cash_plug")
    assert "ケーブル" not in panel.active.text()
    qtbot.waitUntil(lambda: kiosk.k.cash.health().ok, timeout=WAIT_MS)
    kiosk.touch("operator_update")
    qtbot.waitUntil(lambda: "入出金機: 正常" in kiosk.text() and "硬貨識別機" not in kiosk.text(), timeout=WAIT_MS)


def test_kiosk_demo_cash_serial_without_display_plays_the_demo_over_the_emulators_and_stops_them(kiosk_config, tmp_path):
    """`kiosk demo --cash serial`, as a user runs it: the emulators start at the real line speed under the
    data directory, the demo transaction (¥1,000 for 600円, 400円 change from the hoppers) plays on Xvfb,
    and when it ends the emulators are gone, their pseudo-terminal links and control sockets with them."""
    need_real_stack(shutil.which("Xvfb") is not None, "Xvfb is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["KIOSK_DATA_DIR"] = str(kiosk_config.data_dir)
    shots = tmp_path / "shots"
    run = subprocess.run([sys.executable, "-m", "app", "demo", "--cash", "serial", "--shots", str(shots)], env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Cash on the serial path" in run.stdout
    names = sorted(p.name for p in shots.glob("*.png"))
    assert any(n.endswith("-payment.png") for n in names) and any(n.endswith("-insert-done.png") for n in names)
    work = kiosk_config.data_dir / EMULATOR_DIR
    assert sorted(p.name for p in work.iterdir()) == ["cctalk.log", "id003.log"]  # stopped: links and sockets gone
    assert "stopped" in (work / "id003.log").read_text() and "stopped" in (work / "cctalk.log").read_text()


def test_kiosk_demo_cash_serial_is_on_screen_only(capsys):
    assert main(["demo", "--cash", "serial", "--headless"]) == 2
    assert "--cash serial runs the demo on screen" in capsys.readouterr().err
