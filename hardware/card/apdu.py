"""ISO 7816-4 short APDUs, the status words the JPKI exchange uses, and the transport they travel on.

Only short APDUs (Lc <= 255, Le <= 256) are modelled: contact CCID readers may not pass extended
lengths, and 256-byte chunks work everywhere: OpenSC (card-jpki.c reads through iso7816.c), jpki/myna
and siketyan/jpki-rs all read certificates in 256-byte chunks.

A command travels as ``bytes``, except VERIFY with a PIN: that one is a ``bytearray`` its sender
wipes once ``transmit`` returns (kiosk/pin.py). So a transport, or a card behind one, reads a
command where it lies and never keeps or copies it whole: ``command_parts`` gives its data as a
view, without the copy ``Command.decode`` makes.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass

SW_OK = 0x9000
SW_TRIES_LEFT = 0x63C0  # | x: x tries left (0 = the failure that used the last try)
SW_WRONG_LENGTH = 0x6700
SW_INCOMPATIBLE_FILE = 0x6981
SW_SECURITY_NOT_SATISFIED = 0x6982
SW_AUTH_METHOD_BLOCKED = 0x6983
SW_REFERENCE_DATA_BLOCKED = 0x6984
SW_NO_CURRENT_EF = 0x6986
SW_WRONG_DATA = 0x6A80
SW_NOT_FOUND = 0x6A82
SW_WRONG_P1P2 = 0x6A86
SW_REFERENCE_DATA_NOT_FOUND = 0x6A88
SW_OFFSET_BEYOND_EOF = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00

MAX_SHORT_LC = 255
MAX_SHORT_LE = 256  # encoded as 00


class CardAbsent(Exception):
    """No card answered: it left the reader, or the reader itself is gone."""


class ApduTransport(ABC):
    @abstractmethod
    def transmit(self, command: bytes | bytearray) -> bytes:
        """Send one command APDU; returns response data followed by SW1 SW2.

        ``command`` may be a buffer its sender wipes after this returns: neither keep it nor copy
        it whole. Raises ``CardAbsent`` when there is no card to answer.
        """


@dataclass(frozen=True)
class Command:
    """A decoded short command APDU. ``le`` is None when no response data is expected (cases 1, 3)."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None

    def encode(self) -> bytes:
        if len(self.data) > MAX_SHORT_LC:
            raise ValueError("command data does not fit a short APDU")
        if self.le is not None and not 1 <= self.le <= MAX_SHORT_LE:
            raise ValueError("Le must be 1..256 for a short APDU")
        apdu = bytes((self.cla, self.ins, self.p1, self.p2))
        if self.data:
            apdu += bytes((len(self.data),)) + self.data
        if self.le is not None:
            apdu += bytes((self.le % MAX_SHORT_LE,))
        return apdu

    @classmethod
    def decode(cls, apdu: bytes | bytearray) -> Command | None:
        """The four ISO cases; None for anything else (too short, Lc disagreeing with the length,
        extended lengths). Copies the data: for a command that may carry a PIN use ``command_parts``."""
        parts = command_parts(apdu)
        if parts is None:
            return None
        data, le = parts
        with data:
            return cls(apdu[0], apdu[1], apdu[2], apdu[3], bytes(data), le)


def command_parts(apdu: bytes | bytearray) -> tuple[memoryview, int | None] | None:
    """A short command's data, as a view into ``apdu`` (no copy: release it after use), and its Le.

    The four ISO cases; None for anything else (too short, Lc disagreeing with the length,
    extended lengths).
    """
    if len(apdu) < 4:
        return None
    body = len(apdu) - 4
    if body <= 1:
        return memoryview(apdu)[4:4], (apdu[4] or MAX_SHORT_LE) if body else None
    lc = apdu[4]
    if lc == 0:  # the extended-length marker
        return None
    if body == 1 + lc:
        return memoryview(apdu)[5:], None
    if body == 2 + lc:
        return memoryview(apdu)[5:-1], apdu[-1] or MAX_SHORT_LE
    return None


@dataclass(frozen=True)
class Response:
    data: bytes
    sw: int

    @classmethod
    def split(cls, raw: bytes) -> Response | None:
        """None when ``raw`` is too short to hold a status word."""
        if len(raw) < 2:
            return None
        return cls(bytes(raw[:-2]), int.from_bytes(raw[-2:], "big"))

    def encode(self) -> bytes:
        return self.data + self.sw.to_bytes(2, "big")


def status(sw: int) -> bytes:
    """A response without data."""
    return sw.to_bytes(2, "big")


@dataclass(frozen=True)
class LoggedApdu:
    """One exchange as the log keeps it: the header and lengths only, never the data,
    because a VERIFY carries the PIN."""

    header: bytes  # CLA INS P1 P2
    lc: int
    sw: int | None  # None when no card answered, or the answer held no status word

    @property
    def ins(self) -> int:
        return self.header[1]


class ApduLog(ApduTransport):
    """Wraps a transport, counts every exchange and keeps the latest ones, for tests and benchmarks."""

    def __init__(self, inner: ApduTransport, keep: int = 1024) -> None:
        self._inner = inner
        self._entries: deque[LoggedApdu] = deque(maxlen=keep)  # bounded: a kiosk runs for days
        self._count = 0

    @property
    def count(self) -> int:
        """APDUs sent since this log was made."""
        return self._count

    @property
    def entries(self) -> tuple[LoggedApdu, ...]:
        return tuple(self._entries)

    def since(self, mark: int) -> tuple[LoggedApdu, ...]:
        """The exchanges after ``count`` was ``mark``, as far as they are still kept."""
        new = self._count - mark
        return tuple(self._entries)[-new:] if new > 0 else ()

    def transmit(self, command: bytes) -> bytes:
        header = bytes(command[:4])
        lc = command[4] if len(command) > 5 else 0
        self._count += 1
        try:
            raw = self._inner.transmit(command)
        except CardAbsent:
            self._entries.append(LoggedApdu(header, lc, None))
            raise
        answer = Response.split(raw)
        self._entries.append(LoggedApdu(header, lc, answer.sw if answer else None))
        return raw
