"""A cash unit in memory: coins and bills come from a scenario or the operator screen.

Model: inserted money waits in escrow until the kiosk stacks or returns it. Change comes from a
float of coins and bills per denomination. Stacked coins are recycled into that float (as
coin recyclers in Japanese kiosks do); stacked bills go to the cash box and are never paid
out. A jammed unit refuses money and moves none: returning or dispensing pays nothing.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable, Mapping

from kiosk.health import Availability, DeviceHealth, DeviceState
from kiosk.ports.cash import (
    YEN_DENOMINATIONS, CashCredited, CashEvent, CashHealthChanged, CashRejected, CashUnit, Dispensed,
)

SMALLEST_BILL = 1000
DEFAULT_FLOAT = {500: 20, 100: 50, 50: 20, 10: 50}

# CashRejected reasons
NOT_ACCEPTING = "not_accepting"
NOT_ACCEPTED_HERE = "denomination_not_accepted"
NOTHING_DUE = "nothing_more_due"
JAMMED = "jammed"


class SimulatedCashUnit(CashUnit):
    @classmethod
    def from_config(cls, config) -> "SimulatedCashUnit":
        return cls(denominations=config.denominations, change_float=config.change_float)

    def __init__(
        self,
        denominations: tuple[int, ...] = YEN_DENOMINATIONS,
        change_float: Mapping[int, int] = DEFAULT_FLOAT,
    ) -> None:
        self._denominations = tuple(sorted(denominations))
        self._listener: Callable[[CashEvent], None] = lambda event: None
        self._enabled = False
        self._amount_due = 0
        self._escrow: list[int] = []
        self._float: Counter[int] = Counter()
        self._cash_box: Counter[int] = Counter()
        self._jammed = False
        self.set_float(change_float)

    # --- the port ----------------------------------------------------------------------------
    @classmethod
    def availability(cls) -> Availability:
        return Availability(True)

    @property
    def denominations(self) -> tuple[int, ...]:
        return self._denominations

    def set_listener(self, listener: Callable[[CashEvent], None]) -> None:
        self._listener = listener

    def enable(self, amount_due: int) -> None:
        self._enabled = True
        self._amount_due = amount_due

    def disable(self) -> None:
        self._enabled = False

    def held(self) -> int:
        return sum(self._escrow)

    def stack(self) -> int:
        if self._jammed:
            return 0
        stacked = self.held()
        for piece in self._escrow:
            (self._cash_box if piece >= SMALLEST_BILL else self._float)[piece] += 1
        self._escrow.clear()
        return stacked

    def return_held(self) -> Dispensed:
        if self._jammed:
            # What cannot be given back is retained (the kiosk owes it as a refund) so that it
            # is never handed to the next resident once the jam is cleared.
            retained = self.held()
            self._cash_box.update(self._escrow)
            self._escrow.clear()
            return Dispensed(dispensed=0, unpaid=retained)
        returned = self.held()
        self._escrow.clear()
        return Dispensed(dispensed=returned, unpaid=0)

    def dispense(self, amount: int) -> Dispensed:
        if self._jammed:
            return Dispensed(dispensed=0, unpaid=amount)
        # largest first; optimal here because each yen denomination divides the next
        left = amount
        for denomination in sorted(self._float, reverse=True):
            pieces = min(left // denomination, self._float[denomination])
            self._float[denomination] -= pieces
            left -= pieces * denomination
        return Dispensed(dispensed=amount - left, unpaid=left)

    def health(self) -> DeviceHealth:
        if self._jammed:
            return DeviceHealth(DeviceState.FAULT, "jammed")
        return DeviceHealth(DeviceState.OK)

    # --- scenario and operator controls (not part of the port) ---------------------------------
    def insert(self, denomination: int) -> CashEvent:
        """A resident puts in one coin or bill; the event also goes to the listener."""
        reason = self._refusal(denomination)
        if reason:
            event: CashEvent = CashRejected(reason)
        else:
            self._escrow.append(denomination)
            event = CashCredited(denomination)
        self._listener(event)
        return event

    def jam(self) -> None:
        self._jammed = True
        self._listener(CashHealthChanged(self.health()))

    def clear(self) -> None:
        self._jammed = False
        self._listener(CashHealthChanged(self.health()))

    def set_float(self, counts: Mapping[int, int]) -> None:
        self._float = Counter({d: n for d, n in counts.items() if n > 0})

    def empty_float(self) -> None:
        self._float = Counter()

    def float_counts(self) -> dict[int, int]:
        return {d: n for d, n in sorted(self._float.items()) if n > 0}

    def cash_box(self) -> dict[int, int]:
        return {d: n for d, n in sorted(self._cash_box.items()) if n > 0}

    def _refusal(self, denomination: int) -> str:
        if self._jammed:
            return JAMMED
        if not self._enabled:
            return NOT_ACCEPTING
        if denomination not in self._denominations:
            return NOT_ACCEPTED_HERE
        if self.held() >= self._amount_due:
            return NOTHING_DUE
        return ""
