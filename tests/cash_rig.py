"""The serial cash unit on its emulators, for tests: the two `kiosk cash-emulator` processes
(hardware/cash/emulator/processes.py) at full speed and a SerialCashUnit on their links.

``CashRig.driver`` is the contract's CashDriver: it acts at the emulated devices through their
control channels and returns once the unit has reported the result.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from hardware.cash.emulator.hands import ReportingHands
from hardware.cash.emulator.hands import wait_until as wait_for  # noqa: F401  (the tests' name for it)
from hardware.cash.emulator.processes import DEFAULT_FLOAT, EmulatedCashDevices
from hardware.cash.serial_unit import SerialCashUnit


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


class SerialDriver(ReportingHands):
    """The contract's CashDriver on the emulators: a resident's hands and the staff's."""

    def __init__(self, rig: CashRig, unit: SerialCashUnit) -> None:
        super().__init__(rig.devices, unit)

    def hand_over(self, counts: Mapping[int, int]) -> None:
        """Staff put coins into the hoppers (the unit's top_up books what they counted)."""
        state = self.devices.coins.control("state")["hoppers"]
        for yen, pieces in counts.items():
            self.devices.coins.control("set_hopper", yen=yen, count=state[str(yen)]["count"] + pieces)
