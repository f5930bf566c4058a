"""UI benchmark: cold start, taps and device steps, each timed until its screen is presented.

    .venv/bin/python bench/ui.py [--runs 5] [--taps 40] [--cards 10]

"Presented" means the frame the platform shows, not the moment painting starts. After every turn
of the event loop that painted, the window is read back from the screen (QScreen.grabWindow):
under QT_QPA_PLATFORM=offscreen that is the backing store as last flushed, under Xvfb (xcb) it is
GetImage of the window from the X server, which on Qt's one connection is answered only after
the flush's PutImage. A step is over when its screen is current, no device call is out and no
paint came for QUIET_SECONDS; its time is when the frame then on screen was first read back (so
the read-back itself, about 3 ms offscreen, counts).
The window's own rendering (QWidget.grab) is no reference: on the attract screen it differs from
the flushed frame by one grey level in a few thousand pixels, so only frames read back from the
screen are compared with each other.

Cold start runs a fresh interpreter each time (imports, font, kiosk build, window shown,
``shell.start()`` watching the card reader on its worker, first screen presented), on a
provisioned data directory as a deployed kiosk has; the clock is a fixed weekday morning, so
every run shows the same attract screen. Taps are real clicks on the window:
attract → set card → (back) attract, and kind → order → (add another) kind. Device steps go
through the Qt executor's workers as a real reader's events do: a card set on the simulated
reader (card worker: probe) until the PIN screen, and the PIN confirm tap (card worker: VERIFY
and signature; center worker: authentication) until the remove-card screen.
Targets: cold start ≤ 1.5 s, tap ≤ 50 ms (medians).
Voice (``--voice N``): from a screen change to its first sentence handed to the voice's sink (the
record sink, where a speaker would start playing), in Japanese (Open JTalk) and English
(espeak-ng), with the sentence cached (warm) and not (cold: synthesized on the voice worker).
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
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    sys.path[0] = str(ROOT)  # not bench/: this file would shadow the ui package

QUIET_SECONDS = 0.05  # no paint for this long: the screen has settled
WAKE_MS = 2  # the wait for events wakes at least this often to see the quiet period pass
STEP_TIMEOUT = 30.0
CARD = "sato-ichiro"
PIN = "4721"


def morning():
    """A Wednesday within every municipality's hours, so every screen looks the same on each run."""
    from kiosk.clock import JST

    return datetime(2026, 11, 25, 10, 0, tzinfo=JST)


class PresentedFrames:
    """The frames the platform presents of one window, and when each was first presented."""

    def __init__(self, window) -> None:
        from PySide6.QtCore import QEvent, QObject, QTimer
        from PySide6.QtWidgets import QApplication

        frames = self

        class _PaintWatch(QObject):
            def eventFilter(self, watched, event) -> bool:
                if event.type() == QEvent.Type.Paint:
                    frames._painted = True
                return False

        self.window = window
        self._app = QApplication.instance()
        self._painted = True
        self._watch = _PaintWatch()
        self._app.installEventFilter(self._watch)
        self._wake = QTimer()
        self._wake.setInterval(WAKE_MS)
        self._wake.start()

    def close(self) -> None:
        self._wake.stop()
        self._app.removeEventFilter(self._watch)

    def grab(self):
        """The window as the screen shows it now (a null image before its first flush)."""
        return self.window.screen().grabWindow(self.window.winId()).toImage()

    def time(self, action: Callable[[], object], ready: Callable[[], bool]) -> float:
        """Seconds from ``action()`` until the frame shown once ``ready()`` holds was first presented."""
        before = self.grab()
        start = time.perf_counter()
        action()
        presented = self.presented_at(ready, before)
        if presented is None:
            raise RuntimeError("the step changed nothing on screen")
        return presented - start

    def presented_at(self, ready: Callable[[], bool], before=None) -> float | None:
        """``perf_counter()`` when the settled frame was first presented (None: it is ``before``)."""
        from PySide6.QtCore import QEventLoop

        last, first_seen = before, None
        quiet_since = None
        deadline = time.perf_counter() + STEP_TIMEOUT
        while True:
            self._app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
            now = time.perf_counter()
            if self._painted:
                self._painted = False
                quiet_since = None
                frame = self.grab()
                now = time.perf_counter()  # the frame was on screen by now, not earlier
                if last is None or frame != last:
                    last, first_seen = frame, now
            if not ready():
                quiet_since = None
            elif quiet_since is None:
                quiet_since = now
            elif now - quiet_since >= QUIET_SECONDS:
                return first_seen
            if now > deadline:
                raise TimeoutError(f"the screen did not settle within {STEP_TIMEOUT:.0f} s")


def open_kiosk(data: Path, clock):
    """Build the kiosk as ``kiosk demo`` does, show it and start it (the reader watched on the card
    worker); returns (shell, frames, perf_counter() when its first screen was presented)."""
    from PySide6.QtWidgets import QApplication

    from kiosk.config import load_config
    from kiosk.session_view import Screen
    from ui.shell import KioskShell

    QApplication.instance() or QApplication([])
    shell = KioskShell(dataclasses.replace(load_config(), data_dir=data), clock, tick=False)
    shell.window.show()
    shell.start()
    frames = PresentedFrames(shell.window)
    presented = frames.presented_at(lambda: shell.executor.idle and shell.kiosk.flow.screen is Screen.ATTRACT)
    return shell, frames, presented


def _cold_start_child(data: Path, started: float) -> None:
    from kiosk.clock import ManualClock

    shell, frames, presented = open_kiosk(data, ManualClock(morning()))
    presented_wall = time.time() - (time.perf_counter() - presented)
    print(presented_wall - started)
    frames.close()
    shell.close()


def cold_start(data: Path) -> float:
    start = time.time()
    out = subprocess.run([sys.executable, __file__, "--cold-start-child", str(data), repr(start)],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def touch(shell, name: str) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QPushButton

    QApplication.processEvents()  # parts rebuilt by the last step show at the next turn of the loop
    button = next(b for b in shell.window.findChildren(QPushButton, name) if b.isVisible())
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def on_screen(shell, screen) -> Callable[[], bool]:
    return lambda: shell.executor.idle and shell.kiosk.flow.screen is screen


def tap(shell, frames: PresentedFrames, name: str, then) -> float:
    return frames.time(lambda: touch(shell, name), on_screen(shell, then))


def set_card(shell, name: str = CARD) -> None:
    """On the card worker, as a real reader's insertion event arrives."""
    shell.device("card", lambda: shell.kiosk.card.insert(name))


def card_steps(shell, frames: PresentedFrames, pilot) -> tuple[float, float]:
    """From the attract screen: (card set → PIN screen, PIN confirm → remove-card screen); back to attract."""
    from kiosk.session_view import Screen

    to_pin = frames.time(lambda: set_card(shell), on_screen(shell, Screen.PIN))
    for digit in PIN:
        touch(shell, f"pin_key_{digit}")
    signed = frames.time(lambda: touch(shell, "pin_ok"), on_screen(shell, Screen.REMOVE_CARD))
    shell.device("card", shell.kiosk.card.remove)
    pilot.settle()
    pilot.touch("cancel")
    pilot.touch("cancel_yes")
    pilot.settle()
    pilot.touch("finish")
    pilot.settle()
    return to_pin, signed


def step_times(data: Path, taps: int, cards: int) -> tuple[list[float], list[float], list[float]]:
    """(screen taps, card set → PIN screen, PIN confirm → remove-card screen), in seconds."""
    from kiosk.clock import ManualClock
    from kiosk.session_view import Screen
    from ui.autopilot import Autopilot

    clock = ManualClock(morning())
    shell, frames, _ = open_kiosk(data, clock)
    pilot = Autopilot(shell, None, clock, data, shell.window.grab)
    try:
        times = []
        for _ in range(taps // 4):
            times.append(tap(shell, frames, "start", Screen.SET_CARD))
            times.append(tap(shell, frames, "back", Screen.ATTRACT))
        to_pin, signed = [], []
        for _ in range(cards):
            a, b = card_steps(shell, frames, pilot)
            to_pin.append(a)
            signed.append(b)
        set_card(shell)
        pilot.settle()
        pilot.act("pin", PIN)
        pilot.settle()
        shell.device("card", shell.kiosk.card.remove)
        pilot.settle()
        for _ in range(taps // 4):
            times.append(tap(shell, frames, "kind_juminhyo", Screen.ORDER))
            times.append(tap(shell, frames, "add_kind", Screen.KIND))
        return times, to_pin, signed
    finally:
        frames.close()
        shell.close()


def voice_delays(data: Path, runs: int) -> dict[str, list[float]]:
    """Seconds from a screen change (attract → set card, the flow's own touch event posted) until
    the new screen's guidance is handed to the voice's sink (the record sink: the moment a speaker
    would start playing), per language and cache state. "cold" empties the voice cache before each
    change (the engine's helper process already runs); "first" is the kiosk's very first sentence,
    timed from building the shell (the Japanese engine's process starting, nothing cached)."""
    import shutil

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from kiosk import events as ev
    from kiosk.clock import ManualClock
    from kiosk.config import VoiceSettings, load_config
    from kiosk.session_view import Screen
    from ui.shell import KioskShell

    app = QApplication.instance() or QApplication([])
    config = dataclasses.replace(load_config(), data_dir=data, voice=VoiceSettings(output="record"))
    built = time.perf_counter()
    shell = KioskShell(config, ManualClock(morning()), tick=False)
    guide, sink = shell.voice, shell.voice.sink
    times: dict[str, list[float]] = {}
    wake = QTimer()
    wake.setInterval(WAKE_MS)
    wake.start()

    def spoken(key: str, since: int) -> float:
        deadline = time.perf_counter() + STEP_TIMEOUT
        while True:
            said = [r for r in sink.records[since:] if r.kind == "say" and r.key == key]
            if said and not guide.speaking:
                return said[0].at
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{key} was not said within {STEP_TIMEOUT:.0f} s")
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)

    try:
        times["first"] = [spoken("voice.attract", 0) - built]
        for language in ("ja", "en"):
            for state in ("filling", "warm", "cold"):
                for _ in range(1 if state == "filling" else runs):
                    since = len(sink.records)
                    shell.set_language(language)  # the attract screen speaks again (in Japanese: a no-op)
                    if language != "ja":
                        spoken("voice.attract", since)
                    if state == "cold":
                        for folder in (data / "voice").iterdir():
                            if folder.name != "tones":
                                shutil.rmtree(folder)
                    since = len(sink.records)
                    start = time.perf_counter()
                    shell.post(ev.StartTouched())
                    assert shell.kiosk.flow.screen is Screen.SET_CARD
                    seconds = spoken("voice.set_card", since) - start
                    if state != "filling":  # the first round only fills the cache
                        times.setdefault(f"{language}, {state} cache", []).append(seconds)
                    since = len(sink.records)
                    shell.post(ev.CancelTouched())  # back to attract (in Japanese again)
                    spoken("voice.attract", since)
        return times
    finally:
        wake.stop()
        shell.close()


def _summary(label: str, seconds: list[float], target: str) -> str:
    ms = sorted(s * 1000 for s in seconds)
    return (f"{label} median {statistics.median(ms):.1f} ms (p90 {ms[int(len(ms) * 0.9)]:.1f}, "
            f"max {ms[-1]:.1f}, {len(ms)} runs{target})")


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--cold-start-child":
        _cold_start_child(Path(sys.argv[2]), float(sys.argv[3]))
        return 0
    from kiosk.config import load_config
    from app.provision import copy_provisioned, provision

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--taps", type=int, default=40)
    parser.add_argument("--cards", type=int, default=10)
    parser.add_argument("--voice", type=int, default=10, help="screen changes per language and cache state (0: none)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        base = Path(work) / "provisioned"
        provision(dataclasses.replace(load_config(), data_dir=base))
        starts = []
        for n in range(args.runs):
            data = Path(work) / f"cold-{n}"
            copy_provisioned(base, data)
            starts.append(cold_start(data))
        copy_provisioned(base, Path(work) / "steps")
        taps, to_pin, signed = step_times(Path(work) / "steps", args.taps, args.cards)
        voice = {}
        if args.voice:
            copy_provisioned(base, Path(work) / "voice")
            voice = voice_delays(Path(work) / "voice", args.voice)
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    print(f"platform: {platform or 'default'}; times end when the settled frame was first presented")
    print(_summary("cold start to attract presented:  ", starts, "; target ≤ 1500 ms"))
    print(_summary("tap to next screen presented:     ", taps, "; target ≤ 50 ms"))
    print(_summary("card set to PIN screen (card worker):", to_pin, ""))
    print(_summary("PIN confirm to remove-card (card + center workers):", signed, ""))
    for case, seconds in voice.items():
        print(_summary(f"screen change to its first sentence played ({case}):", seconds, ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
