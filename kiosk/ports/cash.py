"""CashUnit port: coin and bill acceptance with escrow, and change dispensing."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, Union

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
    def stack(self) -> int:
        """Move escrow into the cash box (the money is now taken). Returns the yen stacked."""

    @abstractmethod
    def return_held(self) -> Dispensed:
        """Give escrow back to the resident."""

    @abstractmethod
    def dispense(self, amount: int) -> Dispensed: ...

    @abstractmethod
    def health(self) -> DeviceHealth: ...
