"""JCM ID-003 bill validator protocol: frames, codes and reply parsers. Pure functions, no I/O.

Frame, both directions: ``FC LNG CMD [DATA…] CRCL CRCH``. LNG is the length of the whole frame
(5 + data bytes); the CRC is CRC-16/KERMIT over SYNC…last data byte, sent low byte first
(Kopachris/py-id003 ``src/id003.py``; lamassu-machine ``lib/id003/crc.js``; AlexObukhoff/
TerminalClient ``ID003Constants.h``). The line is 9600 baud, 8 data bits, EVEN parity, 1 stop bit.

Decision — denominations are read, never assumed: no public source confirms the escrow codes or
the country code a JPY validator uses (py-id003 and hackwin/JCMBillAcceptorID003 list only USD).
So the driver never hard-codes them: at start-up it asks CURRENCY ASSIGN (8A), which answers
escrow code → country, value, power of ten, and maps escrow codes to yen from that table, as
lamassu-machine (``id003rs232.js``) and TerminalClient (``ID003CashAcceptor::loadParTable``) do.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from hardware.cash.frame_buffer import ResyncingDecoder

SYNC = 0xFC
ENQ = 0x05  # interrupt mode only (C2 01): the validator asks to be polled; we always poll
HEADER_BYTES = 5  # SYNC, LNG, CMD, CRCL, CRCH
MAX_FRAME = 255  # LNG is one byte

BAUDRATE = 9600
BYTESIZE = 8
PARITY = "E"  # a Linux pty refuses EVEN (termios error 22): emulator tests pass "N"
STOPBITS = 1


class Command(IntEnum):
    """Host → validator."""

    STATUS_REQUEST = 0x11
    RESET = 0x40
    STACK_1 = 0x41  # VEND VALID once the bill passes the stacker lever
    STACK_2 = 0x42  # VEND VALID once the bill is fully stored
    RETURN = 0x43
    HOLD = 0x44
    WAIT = 0x45
    ACK = 0x50  # the host's ACK of VEND VALID; also the validator's ACK of an operation command
    SET_DENOMINATION_INHIBIT = 0xC0
    SET_SECURITY = 0xC1
    SET_COMMUNICATION_MODE = 0xC2
    SET_INHIBIT = 0xC3
    SET_DIRECTION = 0xC4
    VERSION_REQUEST = 0x88
    CURRENCY_ASSIGN = 0x8A


class Status(IntEnum):
    """The first byte of a reply to STATUS REQUEST (py-id003, TerminalClient, lamassu-machine)."""

    ENABLE = 0x11  # idling, accepting allowed
    ACCEPTING = 0x12
    ESCROW = 0x13  # data: 1-byte escrow code
    STACKING = 0x14
    VEND_VALID = 0x15  # the host must ACK
    STACKED = 0x16
    REJECTING = 0x17  # data: 1-byte reject code
    RETURNING = 0x18
    HOLDING = 0x19
    DISABLE = 0x1A  # inhibited
    INITIALIZE = 0x1B
    POWER_UP = 0x40
    POWER_UP_BILL_IN_ACCEPTOR = 0x41
    POWER_UP_BILL_IN_STACKER = 0x42
    STACKER_FULL = 0x43
    STACKER_OPEN = 0x44
    ACCEPTOR_JAM = 0x45
    STACKER_JAM = 0x46
    PAUSE = 0x47  # a second bill was inserted
    CHEATED = 0x48
    FAILURE = 0x49  # data: 1-byte failure code
    COMMUNICATION_ERROR = 0x4A
    INVALID_COMMAND = 0x4B


# Data of REJECTING, for the log (py-id003, TerminalClient, lamassu-machine).
REJECT_REASONS: dict[int, str] = {
    0x71: "insertion", 0x72: "magnetic", 0x73: "remaining in head", 0x74: "compensation",
    0x75: "conveying", 0x76: "denomination", 0x77: "photo pattern 1", 0x78: "photo level",
    0x79: "inhibited", 0x7A: "unknown", 0x7B: "operation", 0x7C: "bill in transport",
    0x7D: "length", 0x7E: "photo pattern 2", 0x7F: "true bill", 0x98: "multiple bills",
    0x9B: "ticket upside down",
}  # fmt: skip

# Data of FAILURE, for the log (py-id003, TerminalClient).
FAILURES: dict[int, str] = {
    0xA2: "stacker motor", 0xA5: "transport speed", 0xA6: "transport motor",
    0xA7: "aligning motor", 0xAB: "cash box not ready", 0xAC: "optical sensor",
    0xAD: "magnetic sensor", 0xAF: "head removed", 0xB0: "boot ROM", 0xB1: "external ROM",
    0xB2: "ROM", 0xB3: "external ROM write",
}  # fmt: skip


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _crc_table()


def crc16_kermit(data: bytes) -> int:
    """CRC-16/KERMIT: polynomial 0x1021 reflected (0x8408), initial value 0, no final XOR."""
    crc = 0
    for byte in data:
        crc = (crc >> 8) ^ _CRC_TABLE[(crc ^ byte) & 0xFF]
    return crc


@dataclass(frozen=True)
class Frame:
    command: int  # a Command host → validator, a Status (or an echoed command) validator → host
    data: bytes = b""


def encode(command: int, data: bytes = b"") -> bytes:
    if not 0 <= command <= 0xFF:
        raise ValueError(f"command {command} is not a byte")
    length = HEADER_BYTES + len(data)
    if length > MAX_FRAME:
        raise ValueError(f"{len(data)} data bytes do not fit one frame")
    body = bytes((SYNC, length, command)) + data
    return body + crc16_kermit(body).to_bytes(2, "little")


class FrameDecoder(ResyncingDecoder[Frame]):
    """Frames out of a byte stream, whatever the stream holds.

    Bytes before a SYNC are skipped. A frame with an impossible length or a bad CRC is dropped and
    the search resumes at the next SYNC after its first byte, so a real frame that a false start
    overlapped is still found. A partial frame waits for the next ``feed``; ``line_idle`` says the
    line went quiet, so a partial frame is a false start (or truncated) and the rest is rescanned.
    Never raises; holds at most one partial frame (< ``max_length`` bytes) between calls.
    """

    def __init__(self, max_length: int = MAX_FRAME) -> None:
        super().__init__()
        self._max_length = max(HEADER_BYTES, min(max_length, MAX_FRAME))

    def _drain(self) -> list[Frame]:
        frames: list[Frame] = []
        buffer = self._buffer
        while True:
            start = buffer.find(SYNC)
            if start < 0:
                buffer.clear()
                return frames
            del buffer[:start]
            if len(buffer) < 2:
                return frames
            length = buffer[1]
            if length < HEADER_BYTES or length > self._max_length:
                del buffer[:1]
                continue
            if len(buffer) < length:
                return frames  # wait for the rest
            candidate = bytes(buffer[:length])
            if crc16_kermit(candidate[:-2]) == int.from_bytes(candidate[-2:], "little"):
                frames.append(Frame(candidate[2], candidate[3:-2]))
                del buffer[:length]
            else:
                del buffer[:1]


def parse_currency_table(data: bytes) -> dict[int, int]:
    """The data of the CURRENCY ASSIGN (8A) reply → {escrow code: yen}.

    Four bytes an entry: escrow code, country code, value, power of ten (lamassu-machine,
    TerminalClient). Entries of value 0 are unassigned codes and are skipped. The country code is
    not checked: the JPY one is not publicly known (see the module docstring).
    """
    if len(data) % 4:
        raise ValueError(f"a currency table is 4 bytes an entry, not {len(data)} bytes")
    table: dict[int, int] = {}
    for offset in range(0, len(data), 4):
        code, _country, value, exponent = data[offset:offset + 4]
        if value == 0:
            continue
        if exponent > 9:
            raise ValueError(f"escrow code {code:#04x}: value {value}e{exponent} is not a bill")
        table[code] = value * 10**exponent
    return table


FIRST_DENOMINATION_CODE = 0x61  # bit 0 of the C0 mask; bit n ↔ escrow code 0x61 + n
DENOMINATION_BITS = 16


def denomination_inhibit_mask(escrow_codes_enabled: set[int]) -> bytes:
    """The 2 data bytes of ENABLE/INHIBIT DENOMINATION (C0): a bit of 1 INHIBITS its code.

    Byte 0 bit 0 ↔ escrow code 0x61 … bit 7 ↔ 0x68; byte 1 bit 0 ↔ 0x69 … bit 7 ↔ 0x70
    (py-id003, TerminalClient). Every code not listed is inhibited.
    """
    mask = (1 << DENOMINATION_BITS) - 1
    for code in escrow_codes_enabled:
        bit = code - FIRST_DENOMINATION_CODE
        if not 0 <= bit < DENOMINATION_BITS:
            raise ValueError(f"escrow code {code:#04x} has no bit in the denomination mask")
        mask &= ~(1 << bit)
    return mask.to_bytes(2, "little")
