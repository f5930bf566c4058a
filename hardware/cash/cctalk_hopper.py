"""A ccTalk payout hopper (address 3…): the requests the CashUnit needs, typed.

A payout's outcome is read from the hopper's own counters (REQUEST HOPPER STATUS), which it
keeps through a power cut (Suzo-Happ Flow manual p.17, 24): so DISPENSE is sent once and never
repeated here; after silence the caller asks ``status()`` against its record of the counter."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from hardware.cash.cctalk_bus import CcTalkBus
from hardware.cash.cctalk_protocol import (
    HOPPER_ENABLE_CODE,
    Header,
    HopperFlags,
    HopperStatus,
    coin_value_yen,
    dispense_payload,
    parse_hopper_flags,
    parse_hopper_status,
)
from hardware.cash.serial_link import ProtocolError

T = TypeVar("T")


class Hopper:
    def __init__(self, bus: CcTalkBus, address: int) -> None:
        self._bus = bus
        self.address = address

    def coin_yen(self) -> int | None:
        """REQUEST HOPPER COIN (171): the yen of the coin it pays, None if not a yen coin."""
        return coin_value_yen(self._bus.request(self.address, Header.REQUEST_HOPPER_COIN))

    def enable(self, on: bool) -> None:
        """ENABLE HOPPER (164): a hopper is disabled after power-up or reset."""
        self._bus.request(self.address, Header.ENABLE_HOPPER, bytes((HOPPER_ENABLE_CODE if on else 0,)))

    def test(self) -> HopperFlags:
        """TEST HOPPER (163)."""
        return _parsed(parse_hopper_flags, self._bus.request(self.address, Header.TEST_HOPPER))

    def status(self) -> HopperStatus:
        """REQUEST HOPPER STATUS (166): event counter, remaining, last paid, last unpaid."""
        return _parsed(parse_hopper_status, self._bus.request(self.address, Header.REQUEST_HOPPER_STATUS))

    def dispense(self, n: int) -> int | None:
        """DISPENSE HOPPER COINS (167), unencrypted mode. Returns the dispense event counter when
        the hopper sends it (Flow), None when it only ACKs (Alberici). Never retried."""
        data = self._bus.request(self.address, Header.DISPENSE_HOPPER_COINS, dispense_payload(n), retry=False)
        if len(data) > 1:
            raise ProtocolError(f"dispense answered {len(data)} bytes")
        return data[0] if data else None

    def emergency_stop(self) -> int:
        """EMERGENCY STOP (172): stops after the coin under way; returns the coins left unpaid."""
        data = self._bus.request(self.address, Header.EMERGENCY_STOP, retry=False)
        if len(data) != 1:
            raise ProtocolError(f"emergency stop answered {len(data)} bytes, not 1")
        return data[0]

    def reset(self) -> None:
        """RESET DEVICE (1): the hopper comes back disabled with its event counter at 0."""
        self._bus.request(self.address, Header.RESET_DEVICE, retry=False)


def _parsed(parse: Callable[[bytes], T], data: bytes) -> T:
    try:
        return parse(data)
    except ValueError as exc:
        raise ProtocolError(str(exc)) from exc
