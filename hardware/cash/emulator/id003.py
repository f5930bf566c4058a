"""A JCM ID-003 bill validator for yen, as its status machine appears on the line.

Protocol facts (status and command bytes, reject and failure codes, the escrow → stack → VEND
VALID → ACK sequence, settings answered by an echo, CURRENCY ASSIGN as 4 bytes per escrow code)
from Kopachris/py-id003 ``src/id003.py`` (BSD-3), lamassu/lamassu-machine ``lib/id003/``,
AlexObukhoff/TerminalClient ``ID003*Constants.h`` and hackwin/JCMBillAcceptorID003.

Our decisions where no public source says (UNVERIFIED against a real yen unit):
- Escrow codes: 0x61 ¥1,000, 0x62 ¥2,000, 0x63 ¥5,000, 0x64 ¥10,000, whatever subset the unit is
  configured to know (``--denominations``); a note outside that subset is unknown to it.
  Inhibit bits of C0 follow the code: byte 0 bit 0 ↔ 0x61, bit 1 ↔ 0x62, bit 2 ↔ 0x63, bit 3 ↔ 0x64.
- CURRENCY ASSIGN (0x8A): per known code ``[code][0x88][value][exponent]``, yen = value × 10^exponent,
  value as small as it can be (¥1,000 = 1, 3; ¥2,000 = 2, 3; ¥5,000 = 5, 3; ¥10,000 = 1, 4).
  Country byte 0x88 is the low byte of ISO 4217's numeric code for JPY (392 = 0x188).
- Transient states (ACCEPTING, STACKING, STACKED, REJECTING, RETURNING, INITIALIZE) last their
  dwell time (scaled by ``pace``; 0 in fast tests) AND are reported to at least one status request
  before the machine moves on, so a host never misses a reject code or a STACKED.
- VEND VALID is repeated on every status request until the host sends ACK (0x50): the safe reading
  of an ID-003 unit whose ACK was lost (real behaviour UNVERIFIED). The note counts as stacked at
  that ACK (or at a RESET that finds it in the stacker).
- RESET (0x40) restores the default settings, of which C3 = 01 (whole acceptor inhibited): after
  INITIALIZE the unit reports DISABLE (0x1A) until the host sends C3 00. A power cycle does the same.
- An operation command that does not fit the state (STACK with no note in escrow, anything during a
  fault) is answered INVALID COMMAND (0x4B), as is an unknown command or a setting of wrong length.
- A note inserted while the unit is not idle and enabled (powering up, inhibited by C3, busy with
  another note, in a fault) is not drawn in: nothing happens on the line.
- Reject codes: 0x79 inhibited (C0 bit or C7 bit 0), 0x76 denomination (not a note this unit knows:
  ¥1, a ¥2,000 when not configured), 0x72 magnetic pattern for a piece of paper (``yen = 0``).
- A fault (jam, stacker full/open, cheated, failure) freezes the note where it is. Cleared with a
  note in the transport, the unit restarts as after a power cut: POWER UP with bill in acceptor
  (0x41) or in stacker (0x42). RESET then gives an acceptor-side note back (counted returned) and
  keeps a stacker-side note (counted stacked). A power cycle clears every fault.
- Interrupt mode (C2 01/02) is echoed but the unit keeps answering polls; it sends no ENQ.
"""
from __future__ import annotations

from enum import IntEnum
from typing import Mapping, Sequence

from hardware.cash.emulator.control import ControlError, choice_arg, int_arg
from hardware.cash.emulator.id003_frame import FrameReader, build_frame
from hardware.cash.emulator.line import Transmission


class Status(IntEnum):
    ENABLE = 0x11
    ACCEPTING = 0x12
    ESCROW = 0x13
    STACKING = 0x14
    VEND_VALID = 0x15
    STACKED = 0x16
    REJECTING = 0x17
    RETURNING = 0x18
    HOLDING = 0x19
    DISABLE = 0x1A
    INITIALIZE = 0x1B
    POWER_UP = 0x40
    POWER_UP_BILL_IN_ACCEPTOR = 0x41
    POWER_UP_BILL_IN_STACKER = 0x42
    STACKER_FULL = 0x43
    STACKER_OPEN = 0x44
    ACCEPTOR_JAM = 0x45
    STACKER_JAM = 0x46
    PAUSE = 0x47
    CHEATED = 0x48
    FAILURE = 0x49
    COMMUNICATION_ERROR = 0x4A
    INVALID_COMMAND = 0x4B


# commands (host → acceptor)
STATUS_REQUEST = 0x11
RESET, STACK_1, STACK_2, RETURN, HOLD, WAIT = 0x40, 0x41, 0x42, 0x43, 0x44, 0x45
ACK = 0x50
VERSION, BOOT_VERSION, CURRENCY_ASSIGN = 0x88, 0x89, 0x8A
SET_INHIBIT = 0xC3  # C3 01 inhibits the whole acceptor, C3 00 enables it
SETTING_LENGTHS = {0xC0: 2, 0xC1: 2, 0xC2: 1, 0xC3: 1, 0xC4: 1, 0xC5: 2, 0xC6: 2, 0xC7: 1}
DEFAULT_SETTINGS = {
    0xC0: b"\x00\x00",  # no denomination inhibited
    0xC1: b"\x00\x00",  # normal security
    0xC2: b"\x00",  # polling mode
    0xC3: b"\x01",  # the whole acceptor inhibited until the host enables it
    0xC4: b"\x00",  # every insertion direction allowed
    0xC5: b"\x00\x00",
    0xC6: b"\x01\x12",  # bar code: ITF, 18 characters (py-id003's default)
    0xC7: b"\x00",
}

ESCROW_CODES = {1000: 0x61, 2000: 0x62, 5000: 0x63, 10000: 0x64}
COUNTRY_JPY = 0x88
REJECT_MAGNETIC, REJECT_DENOMINATION, REJECT_INHIBITED = 0x72, 0x76, 0x79
VERSION_TEXT = b"i(JPN)-EMU ID003-EMULATOR V1.00 konbini-kiosk"
BOOT_VERSION_TEXT = b"EMU BOOT V1.00"

_DWELL = {  # seconds at pace 1, roughly a note's travel; each is also reported at least once
    Status.INITIALIZE: 0.3, Status.ACCEPTING: 0.4, Status.STACKING: 0.5, Status.STACKED: 0.0,
    Status.REJECTING: 0.4, Status.RETURNING: 0.4,
}
_ACCEPTOR_SIDE = {Status.ACCEPTING, Status.ESCROW, Status.HOLDING, Status.RETURNING, Status.REJECTING,
                  Status.POWER_UP_BILL_IN_ACCEPTOR}
_STACKER_SIDE = {Status.STACKING, Status.VEND_VALID, Status.POWER_UP_BILL_IN_STACKER}
_POWER_UPS = {Status.POWER_UP, Status.POWER_UP_BILL_IN_ACCEPTOR, Status.POWER_UP_BILL_IN_STACKER}
_FAULTS = {"stacker_full": Status.STACKER_FULL, "stacker_open": Status.STACKER_OPEN, "cheat": Status.CHEATED}
DEFAULT_FAILURE = 0xA2  # stacker motor failure


def currency_entry(yen: int) -> bytes:
    value, exponent = yen, 0
    while value % 10 == 0 and value > 0:
        value, exponent = value // 10, exponent + 1
    return bytes((ESCROW_CODES[yen], COUNTRY_JPY, value, exponent))


class Id003Validator:
    def __init__(self, denominations: Sequence[int] = (1000, 5000, 10000), pace: float = 1.0, now: float = 0.0) -> None:
        unknown = [yen for yen in denominations if yen not in ESCROW_CODES]
        if unknown or not denominations:
            raise ValueError(f"bill denominations must be among {', '.join(map(str, ESCROW_CODES))}")
        self.denominations = tuple(sorted(set(denominations)))
        self._pace = pace
        self._reader = FrameReader()
        self._settings = dict(DEFAULT_SETTINGS)
        self._phase = Status.POWER_UP
        self._data = b""  # the status's data byte(s): escrow code, reject code
        self._since = now
        self._reported = False
        self._note: int | None = None  # yen of the note in the transport (0: paper)
        self._reject = 0  # for the note being accepted: its reject code, 0 if it goes to escrow
        self._fault: tuple[Status, bytes] | None = None
        self.stacked = {yen: 0 for yen in self.denominations}
        self.returned = 0
        self.rejected = 0

    # --- the line ------------------------------------------------------------------------------
    def received(self, data: bytes, now: float) -> list[Transmission]:
        replies = (self.command(command, body, now) for command, body in self._reader.feed(data, now))
        return [Transmission(reply) for reply in replies if reply is not None]

    def tick(self, now: float) -> None:
        pass  # every move waits for a status request (see the module's decisions)

    def next_deadline(self) -> float | None:
        return None

    def line_reset(self) -> None:
        self._reader.clear()

    def command(self, command: int, data: bytes, now: float) -> bytes | None:
        """One CRC-checked frame from the host → the reply frame (None: no reply)."""
        if command == STATUS_REQUEST and not data:
            return self._status_frame(now)
        if command == ACK:
            if self._phase is Status.VEND_VALID and self._fault is None:
                self._stacked(now)
            return None  # an ACK is never answered
        if command == RESET and not data:
            self._reset(now)
            return build_frame(ACK)
        if command in (STACK_1, STACK_2, RETURN, HOLD) and not data:
            return self._operation(command, now)
        if command == WAIT and not data:
            return build_frame(ACK)
        if command in SETTING_LENGTHS and len(data) == SETTING_LENGTHS[command]:
            self._settings[command] = data
            return build_frame(command, data)
        if command + 0x40 in SETTING_LENGTHS and not data:  # 80–87 read back C0–C7
            return build_frame(command, self._settings[command + 0x40])
        if command == VERSION and not data:
            return build_frame(VERSION, VERSION_TEXT)
        if command == BOOT_VERSION and not data:
            return build_frame(BOOT_VERSION, BOOT_VERSION_TEXT)
        if command == CURRENCY_ASSIGN and not data:
            return build_frame(CURRENCY_ASSIGN, b"".join(currency_entry(yen) for yen in self.denominations))
        return build_frame(Status.INVALID_COMMAND)

    def _status_frame(self, now: float) -> bytes:
        self._advance(now)
        status, data = self.current()
        if status is self._phase or (self._phase is Status.ENABLE and self._fault is None):
            self._reported = True
        return build_frame(status, data)

    def _operation(self, command: int, now: float) -> bytes:
        if self._fault is not None or self._phase not in (Status.ESCROW, Status.HOLDING):
            return build_frame(Status.INVALID_COMMAND)
        if command == HOLD:
            self._enter(Status.HOLDING, now)
        elif command == RETURN:
            self._enter(Status.RETURNING, now)
        else:  # STACK-1 and STACK-2 differ only in when a real unit says VEND VALID
            self._enter(Status.STACKING, now)
        return build_frame(ACK)

    # --- the machine ---------------------------------------------------------------------------
    def current(self) -> tuple[Status, bytes]:
        """What a status request answers now."""
        if self._phase in _POWER_UPS:
            return self._phase, b""
        if self._fault is not None:
            return self._fault
        if self._phase is Status.ENABLE:
            return (Status.DISABLE if self._settings[SET_INHIBIT][0] & 1 else Status.ENABLE), b""
        return self._phase, self._data

    def _enter(self, phase: Status, now: float, data: bytes = b"") -> None:
        self._phase, self._data, self._since, self._reported = phase, data, now, False

    def _idle(self, now: float) -> None:
        self._note = None
        self._enter(Status.ENABLE, now)  # reported as DISABLE while C3 inhibits

    def _advance(self, now: float) -> None:
        dwell = _DWELL.get(self._phase)
        if self._fault is not None or dwell is None or not self._reported or now - self._since < dwell * self._pace:
            return
        if self._phase is Status.ACCEPTING:
            if self._reject:
                self._enter(Status.REJECTING, now, bytes((self._reject,)))
            else:
                assert self._note is not None
                self._enter(Status.ESCROW, now, bytes((ESCROW_CODES[self._note],)))
        elif self._phase is Status.STACKING:
            self._enter(Status.VEND_VALID, now)
        elif self._phase is Status.REJECTING:
            self.rejected += 1
            self._idle(now)
        elif self._phase is Status.RETURNING:
            self.returned += 1
            self._idle(now)
        else:  # INITIALIZE, STACKED
            self._idle(now)

    def _stacked(self, now: float) -> None:
        assert self._note is not None
        self.stacked[self._note] += 1
        self._note = None
        self._enter(Status.STACKED, now)

    def _reset(self, now: float) -> None:
        """Host RESET: a note in the acceptor goes back, one in the stacker is kept."""
        if self._note is not None:
            if self._fault is not None:
                return  # stuck where the fault froze it: nothing can move until it is cleared
            if self._phase in _STACKER_SIDE:
                self.stacked[self._note] += 1
            elif self._phase is Status.REJECTING or self._reject:
                self.rejected += 1
            else:
                self.returned += 1
            self._note = None
        self._settings = dict(DEFAULT_SETTINGS)
        self._enter(Status.INITIALIZE, now)

    # --- the control channel -------------------------------------------------------------------
    def control(self, op: str, request: Mapping[str, object], now: float) -> dict[str, object]:
        self._advance(now)
        if op == "insert":
            return self._insert(int_arg(request, "yen", low=0), now)
        if op == "jam":
            where = choice_arg(request, "where", ("acceptor", "stacker"), "acceptor")
            self._fault = (Status.ACCEPTOR_JAM if where == "acceptor" else Status.STACKER_JAM, b"")
        elif op == "fail":
            self._fault = (Status.FAILURE, bytes((int_arg(request, "code", DEFAULT_FAILURE, 0, 255),)))
        elif op in _FAULTS:
            self._fault = (_FAULTS[op], b"")
        elif op == "clear":
            self._clear(now)
        elif op == "reset":
            self.power_cycle(now)
        elif op != "state":
            raise ControlError(f"unknown op {op!r}; the bill validator's ops: insert, jam, clear, stacker_full, "
                               "stacker_open, cheat, fail, reset, pull_cable, plug_cable, garbage, state")
        return self.state()

    def _insert(self, yen: int, now: float) -> dict[str, object]:
        status, _ = self.current()
        if status is not Status.ENABLE:
            return {"result": "refused", "why": f"the acceptor is {status.name}: the note is not drawn in", **self.state()}
        inhibit_mask = int.from_bytes(self._settings[0xC0], "little")
        if yen == 0:
            reject = REJECT_MAGNETIC
        elif yen not in self.denominations:
            reject = REJECT_DENOMINATION
        elif inhibit_mask >> (ESCROW_CODES[yen] - 0x61) & 1 or self._settings[0xC7][0] & 1:
            reject = REJECT_INHIBITED
        else:
            reject = 0
        self._note, self._reject = yen, reject
        self._enter(Status.ACCEPTING, now)
        return {"result": "rejecting" if reject else "accepting", **self.state()}

    def _clear(self, now: float) -> None:
        if self._fault is None:
            return
        self._fault = None
        if self._note is not None and self._phase not in _POWER_UPS:
            self._power_up_with_note(now)

    def power_cycle(self, now: float) -> None:
        """Power off and on: settings lost, faults gone, a note in the transport stays there."""
        self._fault = None
        self._settings = dict(DEFAULT_SETTINGS)
        self._reader.clear()
        if self._note is None:
            self._enter(Status.POWER_UP, now)
        elif self._phase not in _POWER_UPS:
            self._power_up_with_note(now)

    def _power_up_with_note(self, now: float) -> None:
        in_stacker = self._phase in _STACKER_SIDE
        self._enter(Status.POWER_UP_BILL_IN_STACKER if in_stacker else Status.POWER_UP_BILL_IN_ACCEPTOR, now)

    def state(self) -> dict[str, object]:
        status, data = self.current()
        return {
            "status": status.name, "status_code": int(status), "status_data": data.hex(),
            "escrow_yen": self._note if self._phase in (Status.ESCROW, Status.HOLDING) else None,
            "in_transport_yen": self._note,
            "stacked": {str(yen): n for yen, n in self.stacked.items()},
            "returned": self.returned, "rejected": self.rejected,
            "inhibited": bool(self._settings[SET_INHIBIT][0] & 1),
            "bad_frames": self._reader.dropped,
        }
