"""The serial cash unit on its emulators, for tests: the two `kiosk cash-emulator` processes
(hardware/cash/emulator/processes.py) at full speed and a SerialCashUnit on their links.

``CashRig.driver`` is the contract's CashDriver: it acts at the emulated devices through their
control channels and returns once the unit has reported the result.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Mapping

from hardware.cash.emulator.processes import DEFAULT_FLOAT, TAKEN_IN, EmulatedCashDevices
from hardware.cash.serial_unit import SerialCashUnit

WAIT = 15.0  # seconds: generous for a loaded CI machine; every wait ends as soon as its condition holds


def wait_for(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class CashRig:
    def __init__(self, work: Path, float_counts: Mapping[int, int] = DEFAULT_FLOAT) -> None:
        self.work = work
        self.devices = EmulatedCashDevices(work, float_counts=float_counts, pace=0, payout_ms=2)
        self.notes, self.coins = self.devices.notes, self.devices.coins
        self.unit: SerialCashUnit | None = None

    def start_unit(self) -> SerialCashUnit:
        options = self.devices.unit_options()
        self.unit = SerialCashUnit(
            bill_port=options["bill_port"], coin_port=options["coin_port"], bill_parity=options["bill_parity"],
            book=self.work / "cash_unit.sqlite", poll_interval=0.02, seconds_per_coin=0.5,
        )
        unit = self.unit
        wait_for(lambda: unit.health().ok, f"the unit's devices to come up ({unit.health().detail})")
        return unit

    def stop_unit(self) -> None:
        if self.unit is not None:
            self.unit.close()
            self.unit = None

    def close(self) -> None:
        self.stop_unit()
        self.devices.stop()

    @property
    def driver(self) -> "SerialDriver":
        assert self.unit is not None
        return SerialDriver(self, self.unit)


class SerialDriver:
    """The contract's CashDriver on the emulators: a resident's hands and the staff's."""

    def __init__(self, rig: CashRig, unit: SerialCashUnit) -> None:
        self._rig = rig
        self._unit = unit

    def insert(self, denomination: int) -> object:
        seen = self._unit.emitted
        if self._rig.devices.insert(denomination).get("result") not in TAKEN_IN:
            return None  # an inhibited validator does not draw the note in: nothing to report
        wait_for(lambda: self._unit.emitted > seen, f"the unit to report the ¥{denomination} inserted")
        return None

    def jam(self) -> None:
        self._rig.devices.jam()
        # a ccTalk acceptor has no jam state to poll: it shows as error events on the next coin
        health = self._unit.device_health
        wait_for(lambda: not health()["bill validator"].ok and not health()["hoppers"].ok,
                 "the validator and the hoppers to report the jam")

    def clear(self) -> None:
        self._rig.devices.clear()
        wait_for(lambda: self._unit.health().ok, "the unit to be back in service")

    def set_float(self, counts: Mapping[int, int]) -> None:
        self._rig.devices.set_float(counts)

    def empty_float(self) -> None:
        self.set_float({})

    def hand_over(self, counts: Mapping[int, int]) -> None:
        """Staff put coins into the hoppers (the unit's top_up books what they counted)."""
        state = self._rig.coins.control("state")["hoppers"]
        for yen, pieces in counts.items():
            self._rig.coins.control("set_hopper", yen=yen, count=state[str(yen)]["count"] + pieces)
