"""Change through ccTalk hoppers, one per coin, read back from the hoppers' own counters.

A payout is planned largest coin first. Each step is written down with the hopper's event
counter before the dispense command (header 167, never retried: a repeat would pay twice), and
settled from the hopper's status (header 166: event counter, coins remaining, last payout paid
and unpaid). The event counter rises once per dispense command, so after a crash the step's
outcome is read, not guessed (Suzo-Happ Flow manual: the counter proves a command arrived; paid
and unpaid survive a power loss):

- counter = before + 1 and nothing remaining: the hopper's paid and unpaid are the step's;
- counter = 0 (the hopper powered up since) and paid + unpaid = the step's pieces: the same;
- counter = before: the command never arrived, nothing was paid;
- anything else, or a silent hopper: unknown (OutcomeUnknown), and the kiosk decides in the
  resident's favour.

A hopper that comes up short (empty, jammed) leaves the rest to the smaller coins; what none
can pay is reported unpaid, and the kiosk owes it with a reference.
"""
from __future__ import annotations

import logging
import time

from hardware.cash.cctalk_hopper import Hopper
from hardware.cash.device_health import HealthCell
from hardware.cash.serial_link import DeviceSilent
from hardware.cash.unit_book import PayoutStep, UnitBook
from kiosk.crashpoints import crashpoint
from kiosk.ports.cash import OutcomeUnknown

log = logging.getLogger(__name__)

MAX_PIECES = 255  # one dispense command's count is one byte


class HopperPayout:
    def __init__(self, hoppers: list[Hopper], book: UnitBook, health: HealthCell, *, seconds_per_coin: float = 1.0,
                 poll: float = 0.02) -> None:
        self._hoppers = {h.address: h for h in hoppers}
        self._book = book
        self._health = health
        self._seconds_per_coin = seconds_per_coin
        self._poll = poll
        self._coins: dict[int, int] = {}  # hopper address -> yen per coin, as each hopper names its coin

    @property
    def coins(self) -> tuple[int, ...]:
        return tuple(sorted(set(self._coins.values())))

    # --- the bus poller --------------------------------------------------------------------------
    def restart(self) -> None:
        coins = {}
        for address, hopper in self._hoppers.items():
            yen = hopper.coin_yen()
            if yen is None:
                raise ValueError(f"the hopper at address {address} names no yen coin")
            coins[address] = yen
        self._coins = coins
        self.round()

    def round(self) -> None:
        faults = []
        for address, hopper in sorted(self._hoppers.items()):
            flags = hopper.test()
            if flags.jammed:
                faults.append(f"¥{self._coins.get(address, 0)} hopper jammed")
            elif flags.fraud:
                faults.append(f"¥{self._coins.get(address, 0)} hopper: its exit sensor is blocked")
        if faults:
            self._health.fault(", ".join(faults))
        else:
            self._health.ok()

    # --- paying ---------------------------------------------------------------------------------------
    def pay(self, ref: str, amount: int) -> int:
        """Pay ``amount`` (the operation ``ref`` is already begun in the book); returns the yen paid.
        Raises DeviceSilent/LinkDown if a step's outcome cannot be read: the operation stays
        unfinished and ``settle`` finds out later."""
        left = amount
        seq = len(self._book.steps(ref))
        for address, coin in sorted(self._coins.items(), key=lambda item: -item[1]):
            hopper = self._hoppers[address]
            while left >= coin:
                pieces = min(left // coin, MAX_PIECES)
                before = hopper.status().counter
                self._book.plan_step(PayoutStep(ref, seq, address, coin, pieces, before, None, None))
                crashpoint("cash:payout_planned")
                hopper.enable(True)
                try:
                    hopper.dispense(pieces)
                except DeviceSilent:
                    pass  # the command may have arrived: the hopper's counter will say
                crashpoint("cash:payout_sent")
                paid, unpaid = self._wait(hopper, before, pieces)
                self._book.settle_step(ref, seq, paid, unpaid)
                crashpoint("cash:payout_settled")
                seq += 1
                left -= paid * coin
                if unpaid:
                    log.warning("¥%d hopper paid %d of %d coins", coin, paid, pieces)
                    break  # empty or jammed: the smaller coins take the rest
        return amount - left

    def settle(self, ref: str) -> int:
        """The yen an interrupted payout really paid, from its steps and the hoppers' counters."""
        paid = 0
        for step in self._book.steps(ref):
            if step.paid is None:
                hopper = self._hoppers.get(step.address)
                if hopper is None:
                    raise OutcomeUnknown(f"payout {ref}: hopper {step.address} is no longer configured")
                pieces_paid, unpaid = self._read_step(hopper, step)
                self._book.settle_step(ref, step.seq, pieces_paid, unpaid)
                paid += pieces_paid * step.coin
            else:
                paid += step.paid * step.coin
        return paid

    def _wait(self, hopper: Hopper, before: int, pieces: int) -> tuple[int, int]:
        deadline = time.monotonic() + 1.0 + pieces * self._seconds_per_coin
        while True:
            status = hopper.status()
            if status.counter == _next(before) and status.remaining == 0:
                return status.paid, status.unpaid
            if status.counter == 0 and status.remaining == 0 and status.paid + status.unpaid == pieces:
                return status.paid, status.unpaid  # powered up during the payout: its memory says
            if time.monotonic() > deadline:
                if status.counter == before:
                    return 0, pieces  # the command never arrived
                raise DeviceSilent(f"hopper {hopper.address}: the payout did not finish in time")
            time.sleep(self._poll)

    def _read_step(self, hopper: Hopper, step: PayoutStep) -> tuple[int, int]:
        try:
            status = hopper.status()
        except (DeviceSilent, OSError) as exc:
            raise OutcomeUnknown(f"payout {step.ref}: hopper {step.address} does not answer ({exc})") from None
        if status.remaining:
            return self._wait(hopper, step.counter_before, step.pieces)
        if status.counter == _next(step.counter_before) or (
                status.counter == 0 and status.paid + status.unpaid == step.pieces):
            return status.paid, status.unpaid
        if status.counter == step.counter_before:
            return 0, step.pieces
        raise OutcomeUnknown(f"payout {step.ref}: hopper {step.address} counter {status.counter}, "
                             f"was {step.counter_before} before the command")


def _next(counter: int) -> int:
    """The event counter after one more command: 1..255, wrapping to 1 (0 only after a reset)."""
    return counter % 255 + 1
