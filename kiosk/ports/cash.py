"""CashUnit port: coin and bill acceptance with escrow, and change dispensing.

Every operation that moves money carries a ``ref`` chosen by the kiosk and journaled before the
call (intent before the act). The unit keeps, durably, what each ref really did and its own
counters, so that after a crash recovery asks the unit instead of guessing (as a ccTalk hopper
keeps its last payout's paid/unpaid counts through a power cut).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum
from typing import Callable, Mapping, Union

from kiosk.health import Availability, DeviceHealth

YEN_DENOMINATIONS = (10, 50, 100, 500, 1000)


@dataclass(frozen=True)
class CashCredited:
    """A coin or bill was validated and now sits in escrow."""

    denomination: int


@dataclass(frozen=True)
class CashRejected:
    """A coin or bill was refused and given straight back (foreign coin, 1 yen, a 5000 yen bill...)."""

    reason: str


# CashRejected reasons every unit gives for the unit's own decisions (a device may add its own)
NOT_ACCEPTING = "not_accepting"
NOT_ACCEPTED_HERE = "denomination_not_accepted"
NOTHING_DUE = "nothing_more_due"
JAMMED = "jammed"  # the unit is out of service


@dataclass(frozen=True)
class CashHealthChanged:
    health: DeviceHealth


CashEvent = Union[CashCredited, CashRejected, CashHealthChanged]


@dataclass(frozen=True)
class Dispensed:
    dispensed: int
    unpaid: int  # what the unit could not pay out: becomes a refund owed

    @property
    def complete(self) -> bool:
        return self.unpaid == 0


class CashOperationKind(Enum):
    STACK = "stack"
    RETURN = "return"
    DISPENSE = "dispense"


@dataclass(frozen=True)
class CashOperation:
    """What one referenced operation really did, as the unit itself recorded it."""

    kind: CashOperationKind
    done: int  # yen stacked, returned or paid out
    unpaid: int = 0  # yen it could not move (returns and payouts)


@dataclass(frozen=True)
class CashCounters:
    """The unit's own cumulative totals, in yen, kept across restarts."""

    credited: int = 0  # taken into escrow
    stacked: int = 0  # escrow moved into the unit for good
    returned: int = 0  # escrow given back
    paid_out: int = 0  # change dispensed
    retained: int = 0  # escrow that could not be given back and was kept (owed by the kiosk)
    escrow: int = 0  # now in escrow
    collected: int = 0  # taken out of the cash box by staff
    topped_up: int = 0  # added to the change float by staff


class CashUnit(ABC):
    @classmethod
    @abstractmethod
    def availability(cls) -> Availability: ...

    @property
    @abstractmethod
    def denominations(self) -> tuple[int, ...]: ...

    @abstractmethod
    def set_listener(self, listener: Callable[[CashEvent], None]) -> None: ...

    @abstractmethod
    def enable(self, amount_due: int) -> None:
        """Start accepting; the unit may refuse a bill that is pointless for this amount."""

    @abstractmethod
    def disable(self) -> None: ...

    @abstractmethod
    def held(self) -> int:
        """Yen in escrow: credited but neither stacked nor returned."""

    @abstractmethod
    def stack(self, ref: str) -> int:
        """Move escrow into the cash box (the money is now taken). Returns the yen stacked."""

    @abstractmethod
    def return_held(self, ref: str) -> Dispensed:
        """Give escrow back to the resident; what cannot go back is retained, never handed on."""

    @abstractmethod
    def dispense(self, amount: int, ref: str) -> Dispensed: ...

    @abstractmethod
    def outcome(self, ref: str) -> CashOperation | None:
        """What the operation with this ref did; None if the unit never started it.

        A unit that cannot tell (a payout cut by a power loss on a unit without counters) raises
        ``OutcomeUnknown``; the kiosk then decides in the resident's favour.
        """

    @abstractmethod
    def counters(self) -> CashCounters: ...

    @abstractmethod
    def health(self) -> DeviceHealth: ...

    # --- staff -------------------------------------------------------------------------------------
    @abstractmethod
    def collect(self) -> int:
        """Staff empty the cash box; returns the yen taken out. Escrow and the change float stay."""

    @abstractmethod
    def top_up(self, counts: Mapping[int, int]) -> int:
        """Staff add pieces to the change float (denomination -> pieces); returns the yen added.

        Raises ``ValueError`` for a denomination the unit cannot pay out or a negative count.
        """

    def settle(self, timeout: float = 10.0) -> bool:
        """Catch up with what the devices did while the kiosk was down (a note stacked, coins
        counted, a payout run), so that ``held`` and ``outcome`` tell it before recovery asks.
        Bounded by ``timeout``; False when a device did not answer in time. A unit whose state
        is all in memory or on file (the simulated one) is always settled."""
        return True

    def float_counts(self) -> dict[int, int] | None:
        """Pieces per denomination in the change float, if the unit can tell (None if it cannot)."""
        return None


class OutcomeUnknown(Exception):
    """The unit cannot say what an interrupted operation did."""


def top_up_total(counts: Mapping[int, int], payable: tuple[int, ...]) -> int:
    """The yen a staff top-up adds; ValueError for a denomination not in ``payable`` or a count
    that is not a whole number of 0 or more (CashUnit.top_up)."""
    for denomination, pieces in counts.items():
        if denomination not in payable:
            raise ValueError(f"{denomination} yen is not a denomination the unit pays out")
        if not isinstance(pieces, int) or isinstance(pieces, bool) or pieces < 0:
            raise ValueError(f"{denomination} yen: the number of pieces must be a whole number, 0 or more")
    return sum(d * n for d, n in counts.items())
