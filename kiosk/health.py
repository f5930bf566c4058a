"""What every adapter tells the operator about itself."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class DeviceState(Enum):
    OK = "ok"
    DEGRADED = "degraded"  # working around a fault (e.g. re-connecting); may recover by itself
    FAULT = "fault"  # needs a person


@dataclass(frozen=True)
class DeviceHealth:
    state: DeviceState
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.state is DeviceState.OK


@dataclass(frozen=True)
class Availability:
    """Whether an adapter can run on this machine, and if not, why (shown at start-up)."""

    usable: bool
    reason: str = ""
