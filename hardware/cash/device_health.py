"""The health of one device of the serial cash unit, changed from its poll thread and read from any."""
from __future__ import annotations

import threading
from typing import Callable

from kiosk.health import DeviceHealth, DeviceState

OK = DeviceHealth(DeviceState.OK)


class HealthCell:
    """One device's health; ``changed`` is called (outside the lock) whenever it really changes."""

    def __init__(self, name: str, changed: Callable[[], None]) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._health = DeviceHealth(DeviceState.FAULT, f"{name}: not started")
        self._changed = changed
        self.started = False  # has the device reported once (in service or not)?

    def get(self) -> DeviceHealth:
        with self._lock:
            return self._health

    def ok(self) -> None:
        self._set(OK)

    def fault(self, detail: str) -> None:
        self._set(DeviceHealth(DeviceState.FAULT, f"{self.name}: {detail}"))

    def _set(self, health: DeviceHealth) -> None:
        with self._lock:
            first = not self.started
            self.started = True
            if health == self._health and not first:
                return
            self._health = health
        self._changed()


def combined(cells: list[HealthCell]) -> DeviceHealth:
    """The unit's health: OK only when every device is; otherwise every fault, in a fixed order."""
    faults = [c.get() for c in cells if not c.get().ok]
    if not faults:
        return OK
    return DeviceHealth(DeviceState.FAULT, "; ".join(f.detail for f in faults))
