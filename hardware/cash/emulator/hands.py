"""Hands at the emulated devices of a serial cash unit, that wait for the unit to report.

A resident's note or coin, a jam, its clearing: done at the emulators (processes.py), each
returning once the SerialCashUnit has reported what it did, so that a test, a scenario or the
benchmark finds the report waiting for it. Every wait is bounded: TimeoutError after ``timeout``.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Mapping

from hardware.cash.emulator.processes import TAKEN_IN, EmulatedCashDevices

REPORT_SECONDS = 15.0  # generous for a loaded machine; every wait ends as soon as its condition holds


def wait_until(condition: Callable[[], bool], what: str, timeout: float = REPORT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.005)


class ReportingHands:
    """``unit``: the SerialCashUnit on ``devices`` (its ``emitted``, ``wait_events``, ``health``
    and ``device_health`` say when it has seen what the hands did)."""

    def __init__(self, devices: EmulatedCashDevices, unit: Any, timeout: float = REPORT_SECONDS) -> None:
        self.devices = devices
        self.unit = unit
        self.timeout = timeout

    def insert(self, yen: int) -> dict[str, Any]:
        """The emulator's reply; a piece not drawn in (an inhibited device) reaches nobody."""
        seen = self.unit.emitted
        reply = self.devices.insert(yen)
        if reply.get("result") in TAKEN_IN and not self.unit.wait_events(seen + 1, self.timeout):
            raise TimeoutError(f"the unit did not report the ¥{yen} drawn in")
        return reply

    def jam(self) -> None:
        self.devices.jam()
        # a ccTalk acceptor has no jam state to poll: it shows as error events on the next coin
        health = self.unit.device_health
        wait_until(lambda: not health()["bill validator"].ok and not health()["hoppers"].ok,
                   "the validator and the hoppers to report the jam", self.timeout)
        wait_until(lambda: not self.unit.health().ok, "the unit to announce the jam", self.timeout)

    def clear(self) -> None:
        self.devices.clear()
        wait_until(lambda: self.unit.health().ok, "the unit back in service", self.timeout)

    def set_float(self, counts: Mapping[int, int]) -> None:
        self.devices.set_float(counts)

    def empty_float(self) -> None:
        self.devices.empty_float()
