"""A ccTalk bus: the coin acceptor and the hoppers on one serial line.

ccTalk is one bidirectional data wire shared by all (half duplex, multi-drop), so the host reads
back every byte it sends before any reply: we echo each byte as it arrives, whatever it is
(qt-cctalk's "local loopback", KnKay/ccTalkPython ``read_echo``). Then the addressed device
answers; a frame with a bad checksum, left incomplete, or for an address nobody has gets no
answer at all (Azkoyen X6 manual p.13). Replies go to the frame's source address.

Coins are recycled: a coin the acceptor takes is sorted into the hopper of its denomination (one
more coin there to pay out as change), or into the cash box when there is none.

A power cut (control channel) hits the whole bus, as the devices share the supply: the payout
under way, or the next one, stops after ``after_coins`` coins (at the latest when it ends);
every device then powers up: counters 0, inhibits cleared, hoppers disabled, while each hopper's
last paid/unpaid survive (non-volatile, see cctalk_hopper).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Mapping, Sequence

from hardware.cash.emulator.cctalk_acceptor import CASH_BOX_PATH, CoinAcceptor
from hardware.cash.emulator.cctalk_frame import FrameReader, build_frame
from hardware.cash.emulator.cctalk_hopper import Hopper
from hardware.cash.emulator.control import ControlError, choice_arg, int_arg
from hardware.cash.emulator.line import Transmission

ACCEPTOR_ADDRESS = 2
HOPPER_ADDRESSES = range(3, 11)  # ccTalk's payout addresses (qt-cctalk enums)
DEFAULT_COINS = (10, 50, 100, 500)


@dataclass(frozen=True)
class HopperSpec:
    yen: int
    address: int
    count: int


DEFAULT_HOPPERS = (HopperSpec(500, 3, 20), HopperSpec(100, 4, 50), HopperSpec(50, 5, 20), HopperSpec(10, 6, 50))

_OPS = "insert, jam, clear, set_hopper, empty_hopper, reset, power_cut, pull_cable, plug_cable, garbage, state"


class CcTalkBus:
    def __init__(self, coins: Sequence[int] = DEFAULT_COINS, hoppers: Sequence[HopperSpec] = DEFAULT_HOPPERS,
                 pace: float = 1.0, payout_interval: float = 0.08, now: float = 0.0) -> None:
        addresses = [spec.address for spec in hoppers]
        if len(set(addresses)) != len(addresses) or any(a not in HOPPER_ADDRESSES for a in addresses):
            raise ValueError("hopper addresses: different, each from 3 to 10")
        if len({spec.yen for spec in hoppers}) != len(hoppers):
            raise ValueError("one hopper per denomination")
        self.acceptor = CoinAcceptor(coins, self._sort, pace, ACCEPTOR_ADDRESS, now)
        self.hoppers = {spec.yen: Hopper(spec.yen, spec.address, spec.count, payout_interval, pace, now)
                        for spec in hoppers}
        self._devices: dict[int, CoinAcceptor | Hopper] = {ACCEPTOR_ADDRESS: self.acceptor}
        self._devices.update({hopper.address: hopper for hopper in self.hoppers.values()})
        self.cash_box: Counter[int] = Counter()
        self._reader = FrameReader()
        self._cut_after: int | None = None  # an armed power cut: after that many coins of a payout
        self.power_cuts = 0

    def _sort(self, yen: int) -> int:
        hopper = self.hoppers.get(yen)
        if hopper is None:
            self.cash_box[yen] += 1
            return CASH_BOX_PATH
        hopper.count += 1
        return hopper.address - 2

    # --- the line ------------------------------------------------------------------------------
    def received(self, data: bytes, now: float) -> list[Transmission]:
        out = [Transmission(data, echo=True)]  # the shared wire: the host hears itself first
        for frame in self._reader.feed(data, now):
            device = self._devices.get(frame.dest)
            reply = device.handle(frame, now) if device is not None else None
            if reply is not None:
                header, payload = reply
                out.append(Transmission(build_frame(frame.src, frame.dest, header, payload)))
        return out

    def tick(self, now: float) -> None:
        for hopper in self.hoppers.values():
            while hopper.coin_due(now):
                if self._cut_after is not None and hopper.last_paid >= self._cut_after:
                    self._power_cut(now)  # armed for 0 coins: the power goes before the first
                    break
                hopper.pay_coin()
                if self._cut_after is not None and (hopper.last_paid >= self._cut_after or not hopper.dispensing):
                    self._power_cut(now)

    def next_deadline(self) -> float | None:
        due = [hopper.next_coin_at for hopper in self.hoppers.values() if hopper.dispensing]
        return min(due) if due else None

    def line_reset(self) -> None:
        self._reader.clear()

    def _power_cut(self, now: float) -> None:
        self._cut_after = None
        self.power_cuts += 1
        self._reader.clear()
        self.acceptor.power_up(now)
        for hopper in self.hoppers.values():
            hopper.power_up(now)

    # --- the control channel -------------------------------------------------------------------
    def control(self, op: str, request: Mapping[str, object], now: float) -> dict[str, object]:
        self.tick(now)
        reply: dict[str, object] = {}
        if op == "insert":
            reply = self.acceptor.insert(int_arg(request, "yen", low=0), now)
        elif op == "jam":
            device = choice_arg(request, "device", ("all", "acceptor", "hoppers"), "all")
            if device in ("all", "acceptor"):
                self.acceptor.jammed = True
            if device in ("all", "hoppers"):
                for hopper in self.hoppers.values():
                    hopper.jammed = True
        elif op == "clear":
            self.acceptor.jammed = False
            for hopper in self.hoppers.values():
                hopper.jammed = False
        elif op in ("set_hopper", "empty_hopper"):
            hopper = self._hopper(int_arg(request, "yen"))
            hopper.count = int_arg(request, "count", low=0, high=100_000) if op == "set_hopper" else 0
        elif op == "reset":
            device = choice_arg(request, "device", ("all", "acceptor", "hoppers"), "all")
            if device in ("all", "acceptor"):
                self.acceptor.power_up(now)
            if device in ("all", "hoppers"):
                for hopper in self.hoppers.values():
                    hopper.power_up(now)
        elif op == "power_cut":
            reply = self._arm_power_cut(request, now)
        elif op != "state":
            raise ControlError(f"unknown op {op!r}; the ccTalk bus's ops: {_OPS}")
        return {**reply, **self.state()}

    def _hopper(self, yen: int) -> Hopper:
        hopper = self.hoppers.get(yen)
        if hopper is None:
            raise ControlError(f"no hopper for {yen} yen; there are: {', '.join(map(str, self.hoppers))}")
        return hopper

    def _arm_power_cut(self, request: Mapping[str, object], now: float) -> dict[str, object]:
        if request.get("after_coins") is None:
            self._power_cut(now)
            return {"power_cut": "now"}
        after = int_arg(request, "after_coins", low=0, high=255)
        self._cut_after = after
        if any(hopper.dispensing and hopper.last_paid >= after for hopper in self.hoppers.values()):
            self._power_cut(now)
            return {"power_cut": "now"}
        return {"power_cut": "armed"}

    def state(self) -> dict[str, object]:
        return {
            "acceptor": self.acceptor.state(),
            "hoppers": {str(yen): hopper.state() for yen, hopper in self.hoppers.items()},
            "cash_box": {str(yen): n for yen, n in sorted(self.cash_box.items())},
            "power_cut_armed": self._cut_after, "power_cuts": self.power_cuts,
            "bad_frames": self._reader.dropped,
        }
