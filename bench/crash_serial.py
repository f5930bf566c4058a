"""The crash harness on the serial cash unit (``bench/crash.py --cash serial``).

Each kill gets its own two emulators (``kiosk cash-emulator id003`` and ``cctalk``, started by the
harness, hardware/cash/emulator/processes.py). They outlive the kiosk process the harness kills,
as real devices outlive a crashed PC: the restarted kiosk finds them as the dead one left them (a
note in escrow or on its way to the box, a hopper still paying, coins in the acceptor's buffer).

- The harness (its own process) starts them (``start_devices``) and reads the world from them
  (``world``): notes stacked by the validator and coins accepted by the acceptor are what went in;
  coins paid by the hoppers are what came out (change and money given back alike).
- The kiosk process (bench/crash_driver.py) reaches them by their directory (``attach``), builds
  the kiosk with ``cash = "serial"`` on them (``serial_config``), takes the unit's events, which
  arrive on its poll threads, into an inbox that the scenario runner's thread drains (``Inbox``:
  KioskRuntime.post is not thread-safe) and acts through ``SerialHands``.

Faults a hand cannot cause at the devices: ``cash:fail_after_work``, ``cash:fail_before_work`` and
``cash:fail_change_after_work`` make one call of the simulated unit fail around its work. Nothing
at a serial device's end fails exactly the next call, so the scenarios that use them (the
``timing_e_*`` ones) are not run on serial (``UNSUPPORTED``), rather than mapped onto a
different fault and counted as the same test.
"""
from __future__ import annotations

import dataclasses
import queue
from pathlib import Path
from typing import Any, Callable, Mapping

from hardware.cash.emulator.hands import ReportingHands, wait_until
from hardware.cash.emulator.processes import EmulatedCashDevices, EmulatorProcess
from kiosk.config import KioskConfig
from kiosk.ports.cash import CashOperationKind

PACE = 0.0  # the devices as fast as they go: kills land in the kiosk, not in waiting for a 9600 baud line
PAYOUT_MS = 5.0  # a hopper's coin every 5 ms: a payout of a few coins still has a middle to be killed in
# the unit's options on the emulators: a quick poll, so a device report reaches the flow soon
POLL_INTERVAL = 0.02
SECONDS_PER_COIN = 0.5
UNSUPPORTED = frozenset({"cash:fail_after_work", "cash:fail_before_work", "cash:fail_change_after_work"})
NOTES_KIND, COINS_KIND = "id003", "cctalk"  # the emulators: kiosk cash-emulator KIND


@dataclasses.dataclass(frozen=True)
class World:
    """What the cash devices physically did, in yen."""

    put_in: int  # notes stacked + coins accepted
    given_back: int  # coins paid out by the hoppers: change and money returned


# --- the harness's side -----------------------------------------------------------------------------
def start_devices(work: Path, float_counts: Mapping[int, int]) -> EmulatedCashDevices:
    work.mkdir(parents=True, exist_ok=True)
    return EmulatedCashDevices(work, float_counts=float_counts, pace=PACE, payout_ms=PAYOUT_MS)


def world(devices: EmulatedCashDevices) -> World:
    notes = devices.notes.control("state")
    coins = devices.coins.control("state")
    stacked = sum(int(yen) * n for yen, n in notes["stacked"].items())
    accepted = sum(int(yen) * n for yen, n in coins["acceptor"]["accepted"].items())
    paid = sum(int(yen) * h["paid_total"] for yen, h in coins["hoppers"].items())
    return World(put_in=stacked + accepted, given_back=paid)


# --- the kiosk process's side ----------------------------------------------------------------------------
def attach(work: Path) -> EmulatedCashDevices:
    """The emulators running in ``work`` (started by another process), for their control channels.

    EmulatedCashDevices starts its processes when it is made; the kiosk process only talks to
    them, so the two EmulatorProcess objects are made without starting anything (``stop`` is
    never called on them: the harness stops the emulators).
    """
    devices = EmulatedCashDevices.__new__(EmulatedCashDevices)
    for attribute, kind in (("notes", NOTES_KIND), ("coins", COINS_KIND)):
        process = EmulatorProcess.__new__(EmulatorProcess)
        process.kind = kind
        process.link = work / f"{kind}.tty"
        process.control_path = work / f"{kind}.sock"
        process.log_path = work / f"{kind}.log"
        setattr(devices, attribute, process)
    return devices


def serial_config(config: KioskConfig, work: Path) -> KioskConfig:
    options = {**attach(work).unit_options(), "poll_interval": POLL_INTERVAL, "seconds_per_coin": SECONDS_PER_COIN}
    return dataclasses.replace(config, adapters=dataclasses.replace(config.adapters, cash="serial"),
                               adapter_options={**config.adapter_options, "cash": options})


class Inbox:
    """Device events from the unit's poll threads, handed to the flow on the runner's thread."""

    def __init__(self) -> None:
        self._events: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.post: Callable[[Any], None] = lambda event: None

    def wrap(self, post: Callable[[Any], None]) -> Callable[[Any], None]:
        """build_kiosk's ``post_from_devices``: keep the runtime's post, give the unit a queue's."""
        self.post = post
        return self._events.put

    def pump(self) -> int:
        n = 0
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return n
            self.post(event)
            n += 1


def wait_in_service(unit: Any) -> None:
    wait_until(lambda: unit.health().ok, "the serial cash unit to come into service")


def wait_settled(unit: Any, rounds: int = 3, timeout: float = 5.0) -> bool:
    """Until each poll thread has done ``rounds`` full rounds: what the devices held when the kiosk
    started (a note stacked, coins in the acceptor's buffer, a payout running) is credited or settled.
    False when a device does not answer (a round never completes)."""
    return all(unit.settle(timeout) for _ in range(rounds))


class SerialHands(ReportingHands):
    """kiosk.scenario.CashHands at the emulated devices: what a scenario's resident and staff do,
    each returning once the unit has reported it, so the report waits in the inbox when the
    runner next settles."""

    def fail_next_call(self, after_work: bool = True, kind: CashOperationKind | None = None) -> None:
        raise NotImplementedError("no hand at the serial unit's devices makes its next call fail "
                                  "(cash:fail_*); such scenarios run on the simulated unit only")
