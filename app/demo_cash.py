"""The demo's hands at the cash unit, and the demo on the serial path.

The hands are what a resident or the staff do to the cash unit with their own hands: put in a
note or a coin, jam it, clear it, pull its cable. They are not the kiosk's calls to the unit
(the CashUnit port), so the demo panel reaches the unit only through them and never knows which
adapter is behind:

- the simulated unit is its own hands (it has ``insert``, ``jam``, ``clear`` ...);
- the serial unit's hands are the emulators' control channels, so a coin or a note from the
  panel crosses the real serial line, byte for byte, before the kiosk hears of it.

The choice is made here, in the composition's package: ui/ gets a ``CashHands`` and reads its
``actions``; kiosk/ (the core) never hears of any of this.

``kiosk demo --cash serial`` runs the demo on the serial path: ``serial_demo`` starts the two
emulators (real line timing) under the data directory, points the config's cash unit at them,
and stops them when the demo ends, however it ends.
"""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for annotations only: the emulators and the units are imported when used
    from hardware.cash.emulator.processes import EmulatedCashDevices
    from hardware.cash.simulated import SimulatedCashUnit
    from kiosk.config import KioskConfig
    from kiosk.ports.cash import CashUnit

log = logging.getLogger(__name__)

# what hands can do besides inserting money (``CashHands.actions``)
JAM = "jam"  # the unit jams (notes and coins)
CLEAR = "clear"  # the staff clear every jam
LINK_FAULT = "fail_next_call"  # the simulated unit's next stack/return/payout call fails after its work
PULL_CABLE = "pull_cable"  # the unit's cables come out: nothing crosses the serial lines
PLUG_CABLE = "plug_cable"
EMPTY_FLOAT = "empty_float"  # no change left

EMULATOR_DIR = "cash-emulators"  # under the data directory: the demo's pseudo-terminals and control sockets
# a note or coin the device drew in: the unit reports it (a credit or a refusal) within this long
REPORT_SECONDS = 10.0


class EmulatorsDidNotStart(RuntimeError):
    """A cash emulator of the serial demo did not come up (its log names why)."""


class CashHands:
    """What people do at the cash unit, run on the executor's ``family`` worker (never the GUI thread)."""

    family = "cash"
    actions: frozenset[str] = frozenset()

    def insert(self, yen: int) -> None:
        raise NotImplementedError

    def jam(self) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    def fail_next_call(self) -> None:
        raise NotImplementedError

    def pull_cable(self) -> None:
        raise NotImplementedError

    def plug_cable(self) -> None:
        raise NotImplementedError

    def empty_float(self) -> None:
        raise NotImplementedError


class SimulatedHands(CashHands):
    """The simulated unit is its own hands; on the "cash" worker, as the unit is called one at a time."""

    family = "cash"
    actions = frozenset({JAM, CLEAR, LINK_FAULT, EMPTY_FLOAT})

    def __init__(self, unit: SimulatedCashUnit) -> None:
        self._unit = unit

    def insert(self, yen: int) -> None:
        self._unit.insert(yen)

    def jam(self) -> None:
        self._unit.jam()

    def clear(self) -> None:
        self._unit.clear()

    def fail_next_call(self) -> None:
        self._unit.fail_next_call(after_work=True)

    def empty_float(self) -> None:
        self._unit.empty_float()


class EmulatorHands(CashHands):
    """Hands at the emulated devices, through their control sockets.

    Their own worker ("cash hands"): a resident's hand does not wait for the kiosk's calls to the
    unit, nor they for it. ``insert`` returns once the unit has reported the piece (credited or
    refused) or the device did not draw it in, so presses one after another arrive in order.
    """

    family = "cash hands"
    actions = frozenset({JAM, CLEAR, PULL_CABLE, PLUG_CABLE, EMPTY_FLOAT})

    def __init__(self, devices: EmulatedCashDevices, unit: Any) -> None:
        from hardware.cash.emulator.hands import ReportingHands

        self._devices = devices
        self._reporting = ReportingHands(devices, unit, REPORT_SECONDS)  # unit: the SerialCashUnit

    def insert(self, yen: int) -> None:
        try:
            self._reporting.insert(yen)
        except TimeoutError:
            log.warning("cash hands: the unit did not report the piece within %.0f s", REPORT_SECONDS)

    def jam(self) -> None:
        self._devices.jam()

    def clear(self) -> None:
        self._devices.clear()

    def pull_cable(self) -> None:
        self._devices.pull_cable()

    def plug_cable(self) -> None:
        self._devices.plug_cable()

    def empty_float(self) -> None:
        self._devices.empty_float()


def cash_hands(unit: CashUnit, devices: EmulatedCashDevices | None = None) -> CashHands | None:
    """The hands for ``unit``: the emulators' when it runs on them, the unit itself when it is the
    simulated one; None for a real unit (nobody's hands but the resident's)."""
    from hardware.cash.simulated import SimulatedCashUnit

    if devices is not None:
        return EmulatorHands(devices, unit)
    if isinstance(unit, SimulatedCashUnit):
        return SimulatedHands(unit)
    return None


@contextmanager
def serial_demo(config: KioskConfig, pace: float = 1.0) -> Iterator[tuple[KioskConfig, EmulatedCashDevices]]:
    """The emulated bill validator and ccTalk bus started under the data directory, their hoppers
    holding the configured change float, and ``config`` with ``cash = "serial"`` on them; the
    emulators are stopped when the block ends, by return, exception or Ctrl-C."""
    from hardware.cash.emulator.processes import HOPPERS, EmulatedCashDevices

    work = config.data_dir / EMULATOR_DIR
    work.mkdir(parents=True, exist_ok=True)
    float_counts = {yen: config.change_float.get(yen, 0) for yen in HOPPERS}
    try:
        devices = EmulatedCashDevices(work, float_counts=float_counts, pace=pace)
    except RuntimeError as exc:  # one did not come up: it said why in its log
        raise EmulatorsDidNotStart(str(exc)) from None
    try:
        serial = dataclasses.replace(
            config, adapters=dataclasses.replace(config.adapters, cash="serial"),
            adapter_options={**config.adapter_options, "cash": devices.unit_options()},
        )
        yield serial, devices
    finally:
        devices.stop()
