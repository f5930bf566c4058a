"""bench/ui.py measures what a resident sees: the presented frame, a started kiosk, device workers."""
from __future__ import annotations

import importlib.util
import threading
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QLabel

from kiosk.clock import ManualClock
from kiosk.session_view import Screen
from tests.ui.conftest import WAIT_MS, WEDNESDAY_10AM

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bench_ui", ROOT / "bench" / "ui.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

SLOW_PAINT = 0.08


class _SlowFirstLabel(QObject):
    """Holds up the first label painted: the page itself has painted by then, its frame is not flushed."""

    def __init__(self) -> None:
        super().__init__()
        self.slowed = False

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint and not self.slowed:
            self.slowed = True
            time.sleep(SLOW_PAINT)
        return False


def test_a_tap_is_timed_to_the_presented_frame_not_to_the_start_of_painting(kiosk):
    frames = bench.PresentedFrames(kiosk.shell.window)
    try:
        page = kiosk.shell.window.pages[Screen.SET_CARD]
        slow = _SlowFirstLabel()
        for label in page.findChildren(QLabel):
            label.installEventFilter(slow)
        before = frames.grab()
        seconds = bench.tap(kiosk.shell, frames, "start", Screen.SET_CARD)
        assert slow.slowed
        assert seconds >= SLOW_PAINT
        assert frames.grab() != before
    finally:
        frames.close()


def test_the_cold_start_starts_the_kiosk(qtbot, kiosk_config):
    shell, frames, presented = bench.open_kiosk(kiosk_config.data_dir, ManualClock(WEDNESDAY_10AM))
    try:
        assert presented is not None and not frames.grab().isNull()
        bench.set_card(shell)  # seen only by a reader that shell.start() set watching
        qtbot.waitUntil(lambda: shell.kiosk.flow.screen is Screen.PIN, timeout=WAIT_MS)
    finally:
        frames.close()
        shell.close()


def test_the_card_steps_go_through_the_device_workers(qtbot, kiosk_config):
    from ui.autopilot import Autopilot

    clock = ManualClock(WEDNESDAY_10AM)
    shell, frames, _ = bench.open_kiosk(kiosk_config.data_dir, clock)
    reader = shell.kiosk.card
    threads = []

    def on_thread(call):
        def recorded(*args):
            threads.append((call.__name__, threading.current_thread().name))
            return call(*args)
        return recorded

    reader.insert = on_thread(reader.insert)
    reader.verify_and_sign = on_thread(reader.verify_and_sign)
    try:
        to_pin, signed = bench.card_steps(shell, frames, Autopilot(shell, None, clock, kiosk_config.data_dir, None))
        assert to_pin > 0 and signed > 0
        assert [call for call, _ in threads] == ["insert", "verify_and_sign"]
        assert all(name.startswith("kiosk-card") for _, name in threads)
        assert shell.kiosk.flow.screen is Screen.ATTRACT
    finally:
        frames.close()
        shell.close()


def test_the_cold_start_child_reports_its_time(kiosk_config):
    seconds = bench.cold_start(kiosk_config.data_dir)
    assert 0 < seconds < 60
