"""The cash unit on real serial devices: a JCM ID-003 bill validator, a ccTalk coin acceptor and
one ccTalk hopper per change coin, composed into the CashUnit port.

What it does with money:

- Credit only what is in: a note once stacked (VEND VALID), a coin once the acceptor counted it.
  The credit is written to the unit's book (unit_book.py) before the flow hears of it.
- ``held`` (the port's escrow) is what was credited and not yet taken or given back. Notes go
  to the cash box the moment they are stacked, and coins into the hopper of their value (the
  sorter's path), so giving back what is held pays it in coins from the hoppers; what they
  cannot pay is retained and reported unpaid, and the kiosk owes it as a refund.
- Nothing is taken unless the unit is accepting: the validator is inhibited (C3) and the
  acceptor's master inhibit is set whenever the unit is disabled, has what is due, or has a
  faulty device. A note that arrives anyway goes back at escrow; a coin that slips through is
  credited and given back (or owed) like any other.
- Change comes from the hoppers and is read back from their counters (hopper_payout.py).

Threads: one poll thread per serial port (the validator's; the ccTalk bus with the acceptor and
the hoppers), each port owned by one thread (serial_link.PortOwner), every exchange with a
deadline. A silent, unplugged or crashing device becomes a fault with its reason (health(),
device_health() for the operator page), never a hung call: the kiosk stops taking money, the
screen and cancel go on. Threads in this process, not a driver process: every blocking step
already has a deadline, the drivers are pure Python (no native code that could crash the
process), and the book stays one SQLite file with one writer.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any, Callable, Mapping

from hardware.cash.cctalk_bus import CcTalkBus
from hardware.cash.cctalk_coin_acceptor import CoinAcceptor
from hardware.cash.cctalk_hopper import Hopper
from hardware.cash.coin_intake import CoinIntake
from hardware.cash.device_health import HealthCell, combined
from hardware.cash.hopper_payout import HopperPayout
from hardware.cash.id003_link import Id003Link
from hardware.cash.note_intake import NoteIntake
from hardware.cash.poller import Poller
from hardware.cash.serial_link import DeviceSilent, LinkDown, PortOwner
from hardware.cash.unit_book import UnitBook
from kiosk.crashpoints import crashpoint
from kiosk.health import Availability, DeviceHealth
from kiosk.ports.cash import (
    YEN_DENOMINATIONS, CashCounters, CashCredited, CashEvent, CashHealthChanged, CashOperation, CashOperationKind,
    CashUnit, Dispensed, JAMMED, NOT_ACCEPTED_HERE, NOT_ACCEPTING, NOTHING_DUE, top_up_total,
)

log = logging.getLogger(__name__)

BOOK_FILE = "cash_unit.sqlite"
SMALLEST_NOTE = 1000
PARITY = {"even": "E", "none": "N"}


class SerialCashUnit(CashUnit):
    @classmethod
    def availability(cls) -> Availability:
        try:
            import serial  # noqa: F401
        except ImportError:
            return Availability(False, "pyserial is not installed")
        return Availability(True)

    @classmethod
    def staff_view(cls, config: Any) -> "SerialCashUnit":
        """The staff's view (counters, collect, top-up) from the unit's book alone, for staff
        commands while the kiosk may be running: no device is polled or reset, and no port is
        opened (a port opens on a first exchange, which this view never makes)."""
        return cls.from_config(config, poll=False)

    @classmethod
    def from_config(cls, config: Any, *, poll: bool = True) -> "SerialCashUnit":
        options = config.adapter_options.get("cash", {})
        return cls(poll=poll, 
            bill_port=options["bill_port"], coin_port=options["coin_port"],
            bill_parity=options.get("bill_parity", "even"), coin_parity=options.get("coin_parity", "none"),
            coin_address=options.get("coin_address", 2), hoppers=tuple(options.get("hoppers", (3, 4, 5, 6))),
            bus_echo=options.get("bus_echo", True), poll_interval=options.get("poll_interval", 0.1),
            reply_timeout=options.get("reply_timeout", 0.3), seconds_per_coin=options.get("seconds_per_coin", 1.0),
            denominations=config.denominations, book=config.data_dir / BOOK_FILE,
        )

    def __init__(
        self, *, bill_port: str, coin_port: str, book: Path, denominations: tuple[int, ...] = YEN_DENOMINATIONS,
        bill_parity: str = "even", coin_parity: str = "none", coin_address: int = 2,
        hoppers: tuple[int, ...] = (3, 4, 5, 6), bus_echo: bool = True, poll_interval: float = 0.1,
        reply_timeout: float = 0.3, seconds_per_coin: float = 1.0, poll: bool = True,
    ) -> None:
        self._denominations = tuple(sorted(denominations))
        self._book = UnitBook(Path(book))
        self._listener: Callable[[CashEvent], None] = lambda event: None
        self._lock = threading.RLock()
        self._enabled = False
        self._amount_due = 0
        self.emitted = 0  # events told to the listener, for tests and the operator page
        self._emitted = threading.Condition(self._lock)
        self._bill_owner = PortOwner(bill_port, parity=PARITY[bill_parity])
        self._bus_owner = PortOwner(coin_port, parity=PARITY[coin_parity])
        bus = CcTalkBus(self._bus_owner, echo=bus_echo, reply_timeout=max(reply_timeout, 0.1))
        self._notes_health = HealthCell("bill validator", self._health_changed)
        self._coins_health = HealthCell("coin acceptor", self._health_changed)
        self._hoppers_health = HealthCell("hoppers", self._health_changed)
        self._cells = [self._notes_health, self._coins_health, self._hoppers_health]
        self._announced = combined(self._cells)
        self._announcing = threading.Lock()  # one health change at a time: announced in order
        notes = tuple(d for d in self._denominations if d >= SMALLEST_NOTE)
        coins = tuple(d for d in self._denominations if d < SMALLEST_NOTE)
        self._notes = NoteIntake(Id003Link(self._bill_owner, reply_timeout=reply_timeout), self._book, self,
                                 self._notes_health, self._emit, notes)
        self._coins = CoinIntake(CoinAcceptor(bus, coin_address), self._book, self, self._coins_health, self._emit,
                                 coins)
        self._payout = HopperPayout([Hopper(bus, a) for a in hoppers], self._book, self._hoppers_health,
                                    seconds_per_coin=seconds_per_coin)
        self._pay_lock = threading.Lock()  # one payout at a time
        self._pollers = [
            Poller("bill-validator", [self._notes_health], self._notes.restart, self._notes.round, poll_interval),
            Poller("cctalk-bus", [self._coins_health, self._hoppers_health], self._bus_restart, self._bus_round,
                   poll_interval),
        ]
        self._bus_rounds = 0
        for poller in self._pollers if poll else ():
            poller.start()

    def settle(self, timeout: float = 10.0) -> bool:
        """Each device's poll thread has restarted it and done a full round: a note stacked or
        coins counted while the kiosk was down are credited, a payout cut by a crash is settled."""
        deadline = time.monotonic() + timeout
        settled = all(p.wait_rounds(1, max(0.0, deadline - time.monotonic())) for p in self._pollers)
        if not settled:
            log.warning("cash unit: a device did not answer within %.0f s of start-up", timeout)
        return settled

    def close(self) -> None:
        for poller in self._pollers:
            poller.stop()
        self._bill_owner.close()
        self._bus_owner.close()
        self._book.close()

    # --- the bus poller: coins every round, the hoppers' health every few ------------------------
    def _bus_restart(self) -> None:
        self._payout.restart()
        self._coins.restart()
        with self._pay_lock:  # a caller may be asking about the same payout right now
            for ref in self._book.unfinished():  # a payout cut by a crash: settled from the hoppers
                self._finish_from_hoppers(ref)

    def _bus_round(self) -> None:
        self._coins.round()
        self._bus_rounds += 1
        if self._bus_rounds % 5 == 0:
            self._payout.round()

    # --- the port ------------------------------------------------------------------------------------
    @property
    def denominations(self) -> tuple[int, ...]:
        return self._denominations

    def set_listener(self, listener: Callable[[CashEvent], None]) -> None:
        self._listener = listener

    def enable(self, amount_due: int) -> None:
        with self._lock:
            self._enabled, self._amount_due = True, amount_due
        self._apply_gates()

    def disable(self) -> None:
        with self._lock:
            self._enabled = False
        self._apply_gates()

    def held(self) -> int:
        return self._book.figure("held")

    def stack(self, ref: str) -> int:
        with self._lock:
            known = self._book.operation(ref)
            if known is not None:
                return known[0].done
            held = self.held()
            # nothing moves at a device: notes are in the box, coins in their hoppers already
            self._book.once(ref, CashOperationKind.STACK, held, {"held": -held, "stacked": held})
            crashpoint("cash:stack")
            return held

    def return_held(self, ref: str) -> Dispensed:
        with self._pay_lock:
            known = self._known(ref)
            if known is not None:
                return Dispensed(known.done, known.unpaid)
            held = self.held()
            self._book.begin(ref, CashOperationKind.RETURN, held)
            crashpoint("cash:return_begun")
            return self._pay_and_finish(ref, held)

    def dispense(self, amount: int, ref: str) -> Dispensed:
        with self._pay_lock:
            known = self._known(ref)
            if known is not None:
                return Dispensed(known.done, known.unpaid)
            self._book.begin(ref, CashOperationKind.DISPENSE, amount)
            crashpoint("cash:dispense_begun")
            return self._pay_and_finish(ref, amount)

    def outcome(self, ref: str) -> CashOperation | None:
        with self._pay_lock:
            return self._known(ref)

    def counters(self) -> CashCounters:
        return self._book.counters()

    def health(self) -> DeviceHealth:
        """What the listener was last told: a change shows here once it has been announced."""
        return self._announced

    def device_health(self) -> dict[str, DeviceHealth]:
        """Each device's own health, for the operator page."""
        return {cell.name: cell.get() for cell in self._cells}

    def collect(self) -> int:
        with self._lock:
            taken = self._book.figure("cash_box")
            self._book.change(add={"cash_box": -taken, "collected": taken})
            return taken

    def top_up(self, counts: Mapping[int, int]) -> int:
        added = top_up_total(counts, self._payout.coins or tuple(d for d in YEN_DENOMINATIONS if d < SMALLEST_NOTE))
        self._book.change(add={"topped_up": added})  # the hoppers cannot count: the staff's count is booked
        return added

    # --- what the intakes ask (NoteGate) ------------------------------------------------------------------
    def refusal(self, yen: int | None) -> str:
        with self._lock:
            if not combined(self._cells).ok:
                return JAMMED
            if not self._enabled:
                return NOT_ACCEPTING
            if yen is None or yen not in self._denominations:
                return NOT_ACCEPTED_HERE
            if self.held() >= self._amount_due:
                return NOTHING_DUE
            return ""

    def accepting(self) -> bool:
        with self._lock:
            return self._enabled and self.held() < self._amount_due and combined(self._cells).ok

    def credit(self, yen: int, *, note: bool, put: dict[str, int | None]) -> None:
        with self._lock:
            self._book.change(add={"held": yen, "credited": yen, **({"cash_box": yen} if note else {})}, put=put)
        crashpoint("cash:credited")
        self._emit(CashCredited(yen))

    # --- inside ---------------------------------------------------------------------------------------------
    def wait_events(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` events in all have been told to the listener (tests, demo panel)."""
        with self._emitted:
            return self._emitted.wait_for(lambda: self.emitted >= count, timeout)

    def _emit(self, event: CashEvent) -> None:
        self._listener(event)
        with self._emitted:
            self.emitted += 1
            self._emitted.notify_all()

    def _health_changed(self) -> None:
        if not all(cell.started for cell in self._cells):
            return  # still coming up: not in service, and no fault to announce yet
        with self._announcing:
            health = combined(self._cells)
            if health == self._announced:
                return
            # in service: the intakes open before anyone hears it; out of service: heard at once
            # (closing them may wait for a device that no longer answers)
            if health.ok:
                self._apply_gates()
            self._emit(CashHealthChanged(health))
            self._announced = health
            if not health.ok:
                self._apply_gates()

    def _apply_gates(self) -> None:
        """Open or close the intakes now, from the caller's thread (each port's own thread does the I/O)."""
        for gate in (self._notes.apply_gate, self._coins.apply_gate):
            try:
                gate()
            except (DeviceSilent, LinkDown) as exc:
                log.warning("cash unit: could not set an inhibit now (%s); the poll sets it", exc)

    def _known(self, ref: str) -> CashOperation | None:
        found = self._book.operation(ref)
        if found is None:
            return None
        operation, finished, _ = found
        if finished:
            return operation
        return self._finish_from_hoppers(ref)

    def _pay_and_finish(self, ref: str, amount: int) -> Dispensed:
        paid = self._payout.pay(ref, amount)
        return self._finish(ref, amount, paid)

    def _finish_from_hoppers(self, ref: str) -> CashOperation:
        found = self._book.operation(ref)
        assert found is not None
        _, finished, amount = found
        if not finished:
            self._finish(ref, amount, self._payout.settle(ref))
        found = self._book.operation(ref)
        assert found is not None
        return found[0]

    def _finish(self, ref: str, amount: int, paid: int) -> Dispensed:
        found = self._book.operation(ref)
        assert found is not None
        kind = found[0].kind
        unpaid = amount - paid
        if kind is CashOperationKind.RETURN:
            # what could not go back is retained, never handed to the next resident
            add = {"held": -amount, "returned": paid, "retained": unpaid}
        else:
            add = {"paid_out": paid}
        self._book.finish(ref, paid, unpaid, add)
        crashpoint(f"cash:{kind.value}")
        return Dispensed(paid, unpaid)


