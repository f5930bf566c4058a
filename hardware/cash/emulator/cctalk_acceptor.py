"""A ccTalk coin acceptor (address 2 by default) for yen coins.

Commands and their replies from the Azkoyen X6 ccTalk manual (p.20, 35–41, 68), ashaduri/qt-cctalk
``cctalk_enums.h`` / ``cctalk_device.cpp`` (BSD-3) and the Suzo-Happ Flow manual (p.10–13, for
the identification commands shared by every ccTalk device):
254 simple poll, 1 reset, 245 equipment category, 244 product code, 246 manufacturer, 241
software revision, 242 serial number (3 bytes, LSB first), 184 coin id, 231/230 modify/request
inhibit status (2 bytes, bit n = coin n+1, 1 = enabled), 228/227 modify/request master inhibit
(bit 0: 1 = accept), 229 read buffered credit or error codes.

229 answers ``[event counter][A1 B1] … [A5 B5]``, newest event first. A = coin position credited
(1–16) with B its sorter path; A = 0 means B is an error code. The counter is 0 only after power-up
or reset, then counts 1 … 255 and wraps to 1, so a host tells new events by the difference.

Our decisions (UNVERIFIED against a real unit):
- Coin ids ``JP010A``, ``JP050A``, ``JP100A``, ``JP500A`` (country, value, issue A) at positions 1…n
  in ``--coins`` order; other positions answer ``......``.
- Sorter path of a credited coin: its hopper's address − 2 (address 3 → path 1 …): the coin is
  recycled into the hopper that pays that denomination out (Japanese kiosks recycle coins); a
  coin with no hopper goes to the cash box, path 0.
- Error events, first rule that applies: acceptor jammed (control channel) → 14 (credit sensor
  blocked); unknown coin (¥1, ¥5, foreign) → 1 (reject coin); master inhibit → 2 (inhibited coin);
  its position inhibited → 128 + position − 1 (inhibited coin n). The coin goes back every time.
- After power-up or reset every coin is inhibited, the master inhibit is on, and (as the X6 does,
  p.40) the acceptor takes no coin until the host's first 229; with ``pace`` > 0 it also stops
  taking coins when 229 has not come for 1 s × pace (X6 watchdog). Such a coin goes back with no
  event: the acceptor was not validating.
- For 250 ms × pace after a power-up (power cut, control ``reset``; X6: first command ≥ 250 ms
  after power-on), and 130 ms × pace after a reset command (Flow: deaf up to 130 ms), the device
  does not answer at all. At the emulator's start it is already on and answers at once.
- A command it does not know, or with the wrong number of data bytes, is answered NAK.
"""
from __future__ import annotations

from collections import Counter, deque
from typing import Callable, Sequence

from hardware.cash.emulator.cctalk_frame import HEADER_ACK, HEADER_NAK, Frame

# headers
RESET, COMMS_SIMPLE_POLL = 1, 254
EQUIPMENT_CATEGORY, PRODUCT_CODE, MANUFACTURER, SOFTWARE_REVISION, SERIAL_NUMBER = 245, 244, 246, 241, 242
COIN_ID = 184
MODIFY_INHIBITS, REQUEST_INHIBITS = 231, 230
MODIFY_MASTER_INHIBIT, REQUEST_MASTER_INHIBIT = 228, 227
READ_BUFFERED_CREDIT = 229

# error codes (B when A = 0)
REJECT_COIN, INHIBITED_COIN, CREDIT_SENSOR_BLOCKED, INHIBITED_COIN_1 = 1, 2, 14, 128
CASH_BOX_PATH = 0
MAX_POSITIONS = 16

POWER_UP_DEAF = 0.250  # seconds at pace 1
RESET_DEAF = 0.130
WATCHDOG = 1.0

Reply = tuple[int, bytes] | None  # (header, data), or None: no answer at all


def coin_id(yen: int) -> bytes:
    return f"JP{yen:03d}A".encode()


def next_counter(counter: int) -> int:
    """0 → 1 … 255 → 1: 0 means "just reset" and is never reached by counting."""
    return counter % 255 + 1


class CoinAcceptor:
    def __init__(self, coins: Sequence[int], route: Callable[[int], int], pace: float = 1.0,
                 address: int = 2, now: float = 0.0) -> None:
        if not coins or len(coins) > MAX_POSITIONS or len(set(coins)) != len(coins) or min(coins) <= 0:
            raise ValueError(f"coins: 1 to {MAX_POSITIONS} different denominations in yen")
        self.address = address
        self.positions = {position: yen for position, yen in enumerate(coins, start=1)}
        self._route = route  # puts an accepted coin where it goes; returns the sorter path
        self._pace = pace
        self.accepted: Counter[int] = Counter()
        self.given_back = 0  # coins that went back to the customer, with or without an event
        self.jammed = False
        self.power_up(now, deaf=0.0)  # on before the emulator says ready: answering at once

    def power_up(self, now: float, deaf: float = POWER_UP_DEAF) -> None:
        """Power-up or reset: the buffer and counter are gone, everything is inhibited."""
        self.counter = 0
        self.events: deque[tuple[int, int]] = deque(maxlen=5)
        self.inhibits = 0  # bit n = position n+1, 1 = enabled
        self.master = False
        self._polled = False
        self._last_poll = now
        self._deaf_until = now + deaf * self._pace

    # --- the line ------------------------------------------------------------------------------
    def handle(self, frame: Frame, now: float) -> Reply:
        if now < self._deaf_until:
            return None
        header, data = frame.header, frame.data
        if header == READ_BUFFERED_CREDIT and not data:
            self._polled, self._last_poll = True, now
            pairs = list(self.events) + [(0, 0)] * (5 - len(self.events))
            return HEADER_ACK, bytes([self.counter] + [b for pair in pairs for b in pair])
        if header == COMMS_SIMPLE_POLL and not data:
            return HEADER_ACK, b""
        if header == RESET and not data:
            self.power_up(now, RESET_DEAF)
            return HEADER_ACK, b""
        if header == MODIFY_INHIBITS and len(data) == 2:
            self.inhibits = int.from_bytes(data, "little")
            return HEADER_ACK, b""
        if header == REQUEST_INHIBITS and not data:
            return HEADER_ACK, self.inhibits.to_bytes(2, "little")
        if header == MODIFY_MASTER_INHIBIT and len(data) == 1:
            self.master = bool(data[0] & 1)
            return HEADER_ACK, b""
        if header == REQUEST_MASTER_INHIBIT and not data:
            return HEADER_ACK, bytes((int(self.master),))
        if header == COIN_ID and len(data) == 1 and 1 <= data[0] <= MAX_POSITIONS:
            yen = self.positions.get(data[0])
            return HEADER_ACK, coin_id(yen) if yen is not None else b"......"
        identity = {EQUIPMENT_CATEGORY: b"Coin Acceptor", PRODUCT_CODE: b"KIOSK-CA-EMU", MANUFACTURER: b"EMU",
                    SOFTWARE_REVISION: b"1.00", SERIAL_NUMBER: (0x0A1000 + self.address).to_bytes(3, "little")}
        if header in identity and not data:
            return HEADER_ACK, identity[header]
        return HEADER_NAK, b""

    # --- a coin in the slot --------------------------------------------------------------------
    def insert(self, yen: int, now: float) -> dict[str, object]:
        if not self._polled or (self._pace > 0 and now - self._last_poll > WATCHDOG * self._pace):
            self.given_back += 1
            why = "no 229 since power-up or reset" if not self._polled else "229 not polled for over 1 s"
            return {"result": "returned", "why": f"{why}: the acceptor does not take coins", "event": None}
        position = next((p for p, coin in self.positions.items() if coin == yen), None)
        if self.jammed:
            event = (0, CREDIT_SENSOR_BLOCKED)
        elif position is None:
            event = (0, REJECT_COIN)
        elif not self.master:
            event = (0, INHIBITED_COIN)
        elif not self.inhibits >> (position - 1) & 1:
            event = (0, INHIBITED_COIN_1 + position - 1)
        else:
            event = (position, self._route(yen))
            self.accepted[yen] += 1
        if event[0] == 0:
            self.given_back += 1
        self.counter = next_counter(self.counter)
        self.events.appendleft(event)
        return {"result": "credited" if event[0] else "error event", "event": list(event), "counter": self.counter}

    def state(self) -> dict[str, object]:
        return {
            "address": self.address, "counter": self.counter, "master": self.master,
            "enabled_positions": [p for p in self.positions if self.inhibits >> (p - 1) & 1],
            "positions": {str(p): yen for p, yen in self.positions.items()},
            "accepted": {str(yen): self.accepted[yen] for yen in self.positions.values()},
            "given_back": self.given_back, "jammed": self.jammed,
            "events": [list(event) for event in self.events],
        }
