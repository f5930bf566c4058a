"""A cash unit in memory, optionally kept in a state file: coins and bills come from a scenario,
the demo panel or the operator screen.

Model: inserted money waits in escrow until the kiosk stacks or returns it. Change comes from a
float of coins and bills per denomination. Stacked coins are recycled into that float (as
coin recyclers in Japanese kiosks do); stacked bills go to the cash box and are never paid
out. A jammed unit refuses money and moves none: returning or dispensing pays nothing, and
escrow that cannot go back is retained so it is never handed to the next resident.

Like a real unit it keeps its escrow, its counters and what each referenced operation did in
non-volatile memory (``state_file``, written atomically before a call returns), so a kiosk that
crashed can ask it what really happened.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Callable, Mapping

from kiosk.crashpoints import crashpoint
from kiosk.health import Availability, DeviceHealth, DeviceState
from kiosk.ports.cash import (
    YEN_DENOMINATIONS, CashCounters, CashCredited, CashEvent, CashHealthChanged, CashOperation,
    CashOperationKind, CashRejected, CashUnit, Dispensed, JAMMED, NOT_ACCEPTED_HERE, NOT_ACCEPTING, NOTHING_DUE,
    top_up_total,
)

SMALLEST_BILL = 1000
DEFAULT_FLOAT = {500: 20, 100: 50, 50: 20, 10: 50}
STATE_FILE = "cash_unit.json"
_KEEP_OPERATIONS = 500  # a ref is asked about only until the next start-up: the recent ones suffice



class CashDeviceError(IOError):
    """The link to the unit failed during a call (injected by the demo panel and the tests)."""


class SimulatedCashUnit(CashUnit):
    @classmethod
    def from_config(cls, config) -> "SimulatedCashUnit":
        return cls(denominations=config.denominations, change_float=config.change_float,
                   state_file=config.data_dir / STATE_FILE)

    def __init__(
        self,
        denominations: tuple[int, ...] = YEN_DENOMINATIONS,
        change_float: Mapping[int, int] = DEFAULT_FLOAT,
        state_file: Path | None = None,
    ) -> None:
        self._denominations = tuple(sorted(denominations))
        self._listener: Callable[[CashEvent], None] = lambda event: None
        self._enabled = False
        self._amount_due = 0
        self._escrow: list[int] = []
        self._float: Counter[int] = Counter()
        self._cash_box: Counter[int] = Counter()
        self._counters: Counter[str] = Counter()
        self._operations: dict[str, list] = {}
        self._jammed = False
        self._fail_next = ""
        self._fail_kind: CashOperationKind | None = None
        self._state_file = Path(state_file) if state_file else None
        if not self._load():
            self._float = Counter({d: n for d, n in change_float.items() if n > 0})
            self._save()

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

    def stack(self, ref: str) -> int:
        self._link(CashOperationKind.STACK)
        if ref in self._operations:  # asked twice: the unit does it once
            return self._operation(ref).done
        stacked = 0 if self._jammed else self.held()
        if not self._jammed:
            for piece in self._escrow:
                (self._cash_box if piece >= SMALLEST_BILL else self._float)[piece] += 1
            self._escrow.clear()
        self._counters["stacked"] += stacked
        self._done(ref, CashOperationKind.STACK, stacked, 0)
        return stacked

    def return_held(self, ref: str) -> Dispensed:
        self._link(CashOperationKind.RETURN)
        if ref in self._operations:
            op = self._operation(ref)
            return Dispensed(op.done, op.unpaid)
        held = self.held()
        if self._jammed:
            # What cannot be given back is retained (the kiosk owes it as a refund) so that it
            # is never handed to the next resident once the jam is cleared.
            self._cash_box.update(self._escrow)
            result = Dispensed(dispensed=0, unpaid=held)
            self._counters["retained"] += held
        else:
            result = Dispensed(dispensed=held, unpaid=0)
            self._counters["returned"] += held
        self._escrow.clear()
        self._done(ref, CashOperationKind.RETURN, result.dispensed, result.unpaid)
        return result

    def dispense(self, amount: int, ref: str) -> Dispensed:
        self._link(CashOperationKind.DISPENSE)
        if ref in self._operations:
            op = self._operation(ref)
            return Dispensed(op.done, op.unpaid)
        left = amount
        if not self._jammed:
            # largest first; optimal here because each yen denomination divides the next
            for denomination in sorted(self._float, reverse=True):
                pieces = min(left // denomination, self._float[denomination])
                self._float[denomination] -= pieces
                left -= pieces * denomination
        self._counters["paid_out"] += amount - left
        self._done(ref, CashOperationKind.DISPENSE, amount - left, left)
        return Dispensed(dispensed=amount - left, unpaid=left)

    def outcome(self, ref: str) -> CashOperation | None:
        return self._operation(ref) if ref in self._operations else None

    def counters(self) -> CashCounters:
        c = self._counters
        return CashCounters(credited=c["credited"], stacked=c["stacked"], returned=c["returned"],
                            paid_out=c["paid_out"], retained=c["retained"], escrow=self.held(),
                            collected=c["collected"], topped_up=c["topped_up"])

    def health(self) -> DeviceHealth:
        if self._jammed:
            return DeviceHealth(DeviceState.FAULT, "jammed")
        return DeviceHealth(DeviceState.OK)

    def collect(self) -> int:
        # the box is taken out by hand, so a jam does not stop it
        taken = sum(d * n for d, n in self._cash_box.items())
        self._cash_box.clear()
        self._counters["collected"] += taken
        self._save()
        return taken

    def top_up(self, counts: Mapping[int, int]) -> int:
        added = top_up_total(counts, YEN_DENOMINATIONS)
        self._float.update({d: n for d, n in counts.items() if n})
        self._counters["topped_up"] += added
        self._save()
        return added

    # --- scenario, demo and operator controls (not part of the port) ---------------------------
    def insert(self, denomination: int) -> CashEvent:
        """A resident puts in one coin or bill; the event also goes to the listener."""
        reason = self._refusal(denomination)
        if reason:
            event: CashEvent = CashRejected(reason)
        else:
            self._escrow.append(denomination)
            self._counters["credited"] += denomination
            self._save()  # the coin is in escrow before anyone is told
            crashpoint("cash:escrowed")
            event = CashCredited(denomination)
        self._listener(event)
        return event

    def jam(self) -> None:
        self._jammed = True
        self._save()
        self._listener(CashHealthChanged(self.health()))

    def clear(self) -> None:
        self._jammed = False
        self._save()
        self._listener(CashHealthChanged(self.health()))

    def fail_next_call(self, after_work: bool = True, kind: CashOperationKind | None = None) -> None:
        """The link fails on the next stack, return or payout (or the next of ``kind``): after it did its work, or before."""
        self._fail_next = "after" if after_work else "before"
        self._fail_kind = kind

    def set_float(self, counts: Mapping[int, int]) -> None:
        self._float = Counter({d: n for d, n in counts.items() if n > 0})
        self._save()

    def empty_float(self) -> None:
        self.set_float({})

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

    # --- non-volatile memory -------------------------------------------------------------------------
    def _done(self, ref: str, kind: CashOperationKind, done: int, unpaid: int) -> None:
        self._operations[ref] = [kind.value, done, unpaid]
        while len(self._operations) > _KEEP_OPERATIONS:
            self._operations.pop(next(iter(self._operations)))
        self._save()
        crashpoint(f"cash:{kind.value}")
        if self._fail_next == "after" and self._fail_kind in (None, kind):
            self._fail_next = ""
            raise CashDeviceError("no answer from the cash unit")

    def _link(self, kind: CashOperationKind) -> None:
        if self._fail_next == "before" and self._fail_kind in (None, kind):
            self._fail_next = ""
            raise CashDeviceError("the cash unit did not take the command")

    def _operation(self, ref: str) -> CashOperation:
        kind, done, unpaid = self._operations[ref]
        return CashOperation(CashOperationKind(kind), done, unpaid)

    def _load(self) -> bool:
        if self._state_file is None or not self._state_file.exists():
            return False
        state = json.loads(self._state_file.read_text(encoding="utf-8"))
        self._escrow = [int(p) for p in state["escrow"]]
        self._float = Counter({int(d): int(n) for d, n in state["float"].items()})
        self._cash_box = Counter({int(d): int(n) for d, n in state["cash_box"].items()})
        self._counters = Counter({k: int(v) for k, v in state["counters"].items()})
        self._operations = {str(k): list(v) for k, v in state["operations"].items()}
        self._jammed = bool(state["jammed"])
        return True

    def _save(self) -> None:
        if self._state_file is None:
            return
        state = {
            "escrow": self._escrow, "float": self._float, "cash_box": self._cash_box,
            "counters": self._counters, "operations": self._operations, "jammed": self._jammed,
        }
        partial = self._state_file.with_suffix(".part")
        with open(partial, "w", encoding="utf-8") as f:
            json.dump(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, self._state_file)
