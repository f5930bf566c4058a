"""A device's poll loop on a thread of its own: what a real cash unit's firmware loop does.

Every exchange already has a deadline (serial_link.PortOwner), so a silent device costs one
deadline per round, never a hang. Whatever a round raises (a silent or unplugged device, a reply
nobody expected, a bug) becomes the device's fault with its reason, and the loop goes on with a
growing pause until the device answers again: a driver that fails never takes the kiosk down.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from hardware.cash.device_health import HealthCell
from hardware.cash.serial_link import DeviceSilent, LinkDown

log = logging.getLogger(__name__)

MAX_PAUSE = 2.0


class RestartDevice(Exception):
    """A round found the device restarted under it (a power-up state): run ``restart`` again."""


class Poller:
    """Runs ``round()`` every ``interval`` seconds; ``restart()`` runs before the first round and
    again after any failure (a device that went silent may have been power-cycled)."""

    def __init__(self, name: str, cells: list[HealthCell], restart: Callable[[], None], round_: Callable[[], None],
                 interval: float) -> None:
        self._name = name
        self._cells = cells  # what a failed round puts out of service
        self._restart = restart
        self._round = round_
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"cash-{name}", daemon=True)
        self.rounds = 0  # completed rounds, for tests and the operator page
        self._rounds_changed = threading.Condition()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def wait_rounds(self, n: int, timeout: float) -> bool:
        """Wait until ``n`` more rounds have completed (tests and start-up use it; never the GUI)."""
        with self._rounds_changed:
            target = self.rounds + n
            return self._rounds_changed.wait_for(lambda: self.rounds >= target, timeout)

    def _run(self) -> None:
        pause = self._interval
        fresh = True
        while not self._stop.is_set():
            try:
                if fresh:
                    self._restart()
                    fresh = False
                self._round()
                pause = self._interval
                with self._rounds_changed:
                    self.rounds += 1
                    self._rounds_changed.notify_all()
            except RestartDevice as exc:
                log.warning("%s: %s", self._name, exc)
                fresh = True
                continue
            except (DeviceSilent, LinkDown) as exc:
                self._failed(str(exc) or type(exc).__name__, logging.WARNING)
                fresh, pause = True, min(MAX_PAUSE, max(pause * 2, 0.05))
            except Exception as exc:  # a driver bug: the device is out of service, the kiosk is not
                log.exception("%s: the poll failed", self._name)
                self._failed(f"driver error ({type(exc).__name__})", logging.ERROR)
                fresh, pause = True, min(MAX_PAUSE, max(pause * 2, 0.05))
            self._stop.wait(pause)

    def _failed(self, reason: str, level: int) -> None:
        if all(c.get().ok for c in self._cells):
            log.log(level, "%s: %s", self._name, reason)
        for cell in self._cells:
            cell.fault(reason)
