"""What an emulated device is to the serving loop: bytes from the host in, bytes to send out,
control requests in, JSON-able answers out. Time is passed in (``now``, monotonic seconds) so the
devices are plain state machines that tests could also drive without a line."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Protocol


@dataclass(frozen=True)
class Transmission:
    """Bytes for the line. An echo goes out at once (it is the host's own signal on a shared
    wire); a reply goes out after the device's reply latency."""

    data: bytes
    echo: bool = False


class LineDevice(Protocol):
    def received(self, data: bytes, now: float) -> list[Transmission]:
        """The host sent ``data``: what goes back on the line, in order."""

    def tick(self, now: float) -> None:
        """Time passed: run what the device does by itself (a hopper paying coins)."""

    def next_deadline(self) -> float | None:
        """When ``tick`` next has work (monotonic seconds), or None."""

    def line_reset(self) -> None:
        """The cable was plugged back: a frame half-received before is gone."""

    def control(self, op: str, request: Mapping[str, object], now: float) -> dict[str, object]:
        """One control-channel request (ControlError for a bad one)."""
