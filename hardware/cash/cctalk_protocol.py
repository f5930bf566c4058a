"""ccTalk protocol (8-bit checksum): frames, headers and reply parsers. Pure functions, no I/O.

Frame: ``[dest][n data bytes][src][header][data…][checksum]``, every byte of it summing to 0
mod 256 (ashaduri/qt-cctalk; Azkoyen X6 ccTalk manual p.11). Replies carry header 0; 5 is NAK
and 6 is BUSY. Addresses: 1 the host, 2 the coin acceptor, 3…10 the hoppers. 9600 baud 8N1 on a
single half-duplex wire, so the host reads back its own bytes before the reply (qt-cctalk
"local loopback"; KnKay/ccTalkPython ``read_echo``).

Decision — unencrypted payout only: Suzo-Happ Flow hoppers also offer encrypted and
serial-number dispense modes (Flow manual p.18, 21), but no public source confirms the cipher,
so we speak the unencrypted mode only (DISPENSE = 8 zero bytes + N). A hopper set to another
mode is expected to refuse it (a Flow NAKs a dispense sent without its cipher key, p.19), which
reaches the caller as a NAK, a fault to report, never a guess at the cipher.

Decision — the event counter is the caller's to keep: ``new_events`` compares a READ BUFFERED
CREDIT reply with the last counter seen. The CashUnit above keeps that counter durably, so after
a kiosk restart it passes the saved counter in and events that happened while the kiosk was
down are credited exactly once. ``None`` (no saved counter: first start ever) credits nothing
that is already in the buffer, as qt-cctalk does at host start-up.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

from hardware.cash.frame_buffer import ResyncingDecoder

HOST = 1
COIN_ACCEPTOR = 2
FIRST_HOPPER = 3
LAST_HOPPER = 10

MIN_FRAME = 5  # dest, n, src, header, checksum
MAX_DATA = 255

BAUDRATE = 9600
BYTESIZE = 8
PARITY = "N"
STOPBITS = 1


class Header(IntEnum):
    REPLY = 0
    RESET_DEVICE = 1
    NAK = 5
    BUSY = 6
    SIMPLE_POLL = 254
    REQUEST_EQUIPMENT_CATEGORY = 245
    REQUEST_PRODUCT_CODE = 244
    REQUEST_MANUFACTURER_ID = 246
    REQUEST_SERIAL_NUMBER = 242
    REQUEST_SOFTWARE_REVISION = 241
    PERFORM_SELF_CHECK = 232
    MODIFY_INHIBIT_STATUS = 231
    REQUEST_INHIBIT_STATUS = 230
    READ_BUFFERED_CREDIT = 229
    MODIFY_MASTER_INHIBIT = 228
    REQUEST_MASTER_INHIBIT = 227
    REQUEST_COIN_ID = 184
    EMERGENCY_STOP = 172
    REQUEST_HOPPER_COIN = 171
    DISPENSE_HOPPER_COINS = 167
    REQUEST_HOPPER_STATUS = 166
    ENABLE_HOPPER = 164
    TEST_HOPPER = 163


# Requests a lost reply may repeat without changing what the device does: reads, and settings
# that set a state rather than step it. Reset and dispense are not here: the caller decides.
SAFE_TO_REPEAT = frozenset({
    Header.SIMPLE_POLL, Header.REQUEST_EQUIPMENT_CATEGORY, Header.REQUEST_PRODUCT_CODE,
    Header.REQUEST_MANUFACTURER_ID, Header.REQUEST_SERIAL_NUMBER, Header.REQUEST_SOFTWARE_REVISION,
    Header.PERFORM_SELF_CHECK, Header.MODIFY_INHIBIT_STATUS, Header.REQUEST_INHIBIT_STATUS,
    Header.READ_BUFFERED_CREDIT, Header.MODIFY_MASTER_INHIBIT, Header.REQUEST_MASTER_INHIBIT,
    Header.REQUEST_COIN_ID, Header.REQUEST_HOPPER_COIN, Header.REQUEST_HOPPER_STATUS,
    Header.ENABLE_HOPPER, Header.TEST_HOPPER,
})  # fmt: skip


def checksum(data: bytes) -> int:
    """The byte that makes ``data`` plus itself sum to 0 mod 256."""
    return -sum(data) & 0xFF


@dataclass(frozen=True)
class Frame:
    dest: int
    src: int
    header: int
    data: bytes = b""


def encode(dest: int, header: int, data: bytes = b"", src: int = HOST) -> bytes:
    for name, value in (("dest", dest), ("header", header), ("src", src)):
        if not 0 <= value <= 0xFF:
            raise ValueError(f"{name} {value} is not a byte")
    if len(data) > MAX_DATA:
        raise ValueError(f"{len(data)} data bytes do not fit one frame")
    body = bytes((dest, len(data), src, header)) + data
    return body + bytes((checksum(body),))


class FrameDecoder(ResyncingDecoder[Frame]):
    """Frames out of a byte stream, whatever the stream holds.

    ccTalk has no sync byte: a frame is found by its length byte and checksum. One that fails the
    checksum is dropped a byte at a time, so the search resumes at the next byte. A partial frame
    waits for the next ``feed``. ``line_idle`` says the line went quiet — a ccTalk receiver
    resets after 50 ms without a byte (X6 manual p.12) — so a partial frame is dropped and the
    rest rescanned. An 8-bit checksum lets garbage pass now and then (1 in 256): the bus checks
    address, source and header too, and garbage glued to a frame without a gap can hide it.
    Never raises; holds at most one partial frame (< 260 bytes) between calls.
    """

    def _drain(self) -> list[Frame]:
        frames: list[Frame] = []
        buffer = self._buffer
        while len(buffer) >= 2:
            length = buffer[1] + MIN_FRAME
            if len(buffer) < length:
                break
            if sum(buffer[:length]) & 0xFF == 0:
                dest, count, src, header = buffer[:4]
                frames.append(Frame(dest, src, header, bytes(buffer[4:4 + count])))
                del buffer[:length]
            else:
                del buffer[:1]
        return frames


# --- coin acceptor --------------------------------------------------------------------------

BUFFERED_EVENTS = 5
COUNTER_SPAN = 255  # the event counter runs 1…255, then 1 again; 0 only after power-up or reset


@dataclass(frozen=True)
class BufferedCredit:
    """A READ BUFFERED CREDIT (229) reply: the event counter and the last 5 events, newest first.

    An event (A, B): A = 1…16 is a coin credited from that position, B its sorter path; A = 0
    makes B an error code (qt-cctalk ``CcCoinAcceptorEventCode``)."""

    counter: int
    events: tuple[tuple[int, int], ...]


def parse_buffered_credit(data: bytes) -> BufferedCredit:
    if len(data) != 1 + 2 * BUFFERED_EVENTS:
        raise ValueError(f"a buffered credit reply is 11 bytes, not {len(data)}")
    pairs = tuple((data[i], data[i + 1]) for i in range(1, len(data), 2))
    return BufferedCredit(data[0], pairs)


@dataclass(frozen=True)
class NewEvents:
    events: tuple[tuple[int, int], ...]  # oldest first, only the ones not seen before
    lost: int  # events that happened but were pushed out of the 5-event buffer between polls
    device_reset: bool  # the counter restarted: events before the reset may be lost unseen

    @property
    def missed(self) -> bool:
        """Coins may have been counted that no event here reports: owe or investigate."""
        return self.lost > 0 or self.device_reset


def _steps(last: int, counter: int) -> int:
    """Events from counter ``last`` to ``counter`` going forward (1…255 wraps to 1)."""
    if last == 0:
        return counter  # 0 is left by the first event and never comes back without a reset
    return (counter - last) % COUNTER_SPAN


def new_events(last_counter: int | None, reply: BufferedCredit) -> NewEvents:
    """The events of ``reply`` not seen at ``last_counter``.

    A counter below the last one is a wrap only when the step forward is within the buffer
    (≤ 5 events); a larger step backwards, or 0, means the device was reset. The counter alone
    cannot tell every reset: we rely on the acceptor taking no coin after a reset until it has
    been asked 229 once (X6 manual p.40), so a reset shows as 0 at the next poll. Were coins
    taken first, a reset could read as a few steps forward (older events unflagged), or near the
    wrap (last 251…255) as a wrap, reporting buffer entries from before the reset unless the
    device cleared them. Reading every backward step as a reset instead would flag each routine
    wrap as a loss and drop its oldest events.
    """
    counter = reply.counter
    if last_counter is not None and not 0 <= last_counter <= 255:
        raise ValueError(f"event counter {last_counter} is not a byte")
    if last_counter is None or counter == last_counter:
        return NewEvents((), 0, False)
    reset = counter == 0 or (
        last_counter != 0 and counter < last_counter and _steps(last_counter, counter) > BUFFERED_EVENTS
    )
    steps = counter if reset else _steps(last_counter, counter)
    seen = min(steps, BUFFERED_EVENTS, len(reply.events))
    return NewEvents(tuple(reversed(reply.events[:seen])), steps - seen, reset)


def coin_inhibit_mask(enabled_positions: set[int]) -> bytes:
    """The 2 data bytes of MODIFY INHIBIT STATUS (231): bit n ↔ coin position n + 1, 1 = ENABLED
    (X6 manual p.35–37)."""
    mask = 0
    for position in enabled_positions:
        if not 1 <= position <= 16:
            raise ValueError(f"coin position {position} is not 1…16")
        mask |= 1 << (position - 1)
    return mask.to_bytes(2, "little")


_COIN_ID = re.compile(r"JP([0-9]{3})[A-Z]?")


def coin_value_yen(coin_id: bytes | str) -> int | None:
    """Yen of a coin id from REQUEST COIN ID (184, 6 chars) or REQUEST HOPPER COIN (171, 8 chars):
    country "JP", a 3-digit value, an issue letter, padded with spaces or NULs ("JP100A").
    None for an empty position ("......"), another currency, or anything else."""
    if isinstance(coin_id, bytes):
        try:
            coin_id = coin_id.decode("ascii")
        except UnicodeDecodeError:
            return None
    match = _COIN_ID.fullmatch(coin_id.strip(" \x00"))
    if not match or int(match.group(1)) == 0:
        return None
    return int(match.group(1))


# --- hoppers --------------------------------------------------------------------------------

HOPPER_ENABLE_CODE = 0xA5  # ENABLE HOPPER (164): A5 enables, anything else disables (Flow p.16)


def dispense_payload(count: int) -> bytes:
    """Data of DISPENSE HOPPER COINS (167), unencrypted mode: 8 zero bytes, then N
    (Suzo-Happ Flow manual p.21; Kosta-Git/ccTalk ``PayoutDevice.kt``)."""
    if not 1 <= count <= 255:
        raise ValueError(f"cannot dispense {count} coins in one command (1…255)")
    return bytes(8) + bytes((count,))


@dataclass(frozen=True)
class HopperStatus:
    """REQUEST HOPPER STATUS (166): the dispense event counter, coins still to pay out of the
    current payout, and the paid / unpaid counts of the last payout — kept through a power cut
    (Flow manual p.17, 24; Alberici hopper manual)."""

    counter: int
    remaining: int
    paid: int
    unpaid: int


def parse_hopper_status(data: bytes) -> HopperStatus:
    if len(data) != 4:
        raise ValueError(f"a hopper status reply is 4 bytes, not {len(data)}")
    return HopperStatus(*data)


@dataclass(frozen=True)
class HopperFlags:
    """TEST HOPPER (163): byte 1's bits (Flow manual p.16; Kosta-Git/ccTalk
    ``PayoutStatusFlag.kt``); bytes 2–3, where a hopper sends them, kept raw."""

    flags: int
    extra: bytes = b""

    def _bit(self, n: int) -> bool:
        return bool(self.flags >> n & 1)

    @property
    def max_current(self) -> bool:
        return self._bit(0)

    @property
    def payout_timeout(self) -> bool:
        return self._bit(1)

    @property
    def motor_reversed(self) -> bool:
        return self._bit(2)

    @property
    def opto_blocked_idle(self) -> bool:
        return self._bit(3)

    @property
    def opto_short_idle(self) -> bool:
        return self._bit(4)

    @property
    def opto_blocked_payout(self) -> bool:
        return self._bit(5)

    @property
    def power_up(self) -> bool:
        return self._bit(6)

    @property
    def payout_disabled(self) -> bool:
        return self._bit(7)

    @property
    def jammed(self) -> bool:
        """The motor stalled or reversed on a jam, or the exit stayed blocked while paying."""
        return self.max_current or self.motor_reversed or self.opto_blocked_payout

    @property
    def empty_or_timeout(self) -> bool:
        """No coin came out in time: the hopper is empty (or jammed beyond its sensors)."""
        return self.payout_timeout

    @property
    def fraud(self) -> bool:
        """The exit sensor was blocked or shorted while idle: someone is at the coin path."""
        return self.opto_blocked_idle or self.opto_short_idle

    @property
    def needs_enable(self) -> bool:
        """Payout is disabled, as after power-up or reset: ENABLE HOPPER before dispensing."""
        return self.payout_disabled


def parse_hopper_flags(data: bytes) -> HopperFlags:
    if not 1 <= len(data) <= 3:
        raise ValueError(f"a test hopper reply is 1 to 3 bytes, not {len(data)}")
    return HopperFlags(data[0], bytes(data[1:]))
