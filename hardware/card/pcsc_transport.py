"""``ApduTransport`` over one PC/SC card handle, through pyscard's thin ``smartcard.scard`` layer.

It returns response data + SW1 SW2 as the JPKI layer expects, and handles the two T=0 transport
status words itself: ``61 xx`` (more data: GET RESPONSE, chained) and ``6C xx`` (wrong Le: the
same command again with Le = xx). T=1 readers never send them, but nothing in PC/SC forbids it.

A VERIFY command arrives as a bytearray its sender wipes after ``transmit`` (kiosk/pin.py). How
far that reaches here, because pyscard's ``SCardTransmit`` takes nothing but a ``list`` of ints:

- The list we build for it is overwritten with zeros once the call returns. It holds references
  to CPython's shared small ints, not the bytes themselves, but their order spells the PIN.
- pyscard copies the list into a C buffer it mallocs and, after the call, frees without clearing
  (its SWIG typemap for BYTELIST); libpcsclite copies the command again into its message to
  pcscd, and pcscd, the reader driver and the kernel's socket and USB buffers hold more copies.
  None of these is reachable from Python: the PIN stays in freed memory of this process (until
  reused) and in pcscd's, a separate process. Only a pyscard that takes a writable buffer and
  clears its copy, or a PIN pad reader (VERIFY built inside the reader), would close this.
"""
from __future__ import annotations

from smartcard import scard

from hardware.card.apdu import MAX_SHORT_LE, ApduTransport, CardAbsent, Command, command_parts

INS_GET_RESPONSE = 0xC0
_MAX_GET_RESPONSES = 64  # 16 KB of chained data: far beyond any JPKI answer, and no endless loop

# Errors after which the exchange is lost because the card, its reader or pcscd went away (or
# the card fell silent): to the kiosk the card is gone, and the watcher reports what really left.
LOST = frozenset({
    scard.SCARD_W_REMOVED_CARD,
    scard.SCARD_E_NO_SMARTCARD,
    scard.SCARD_W_UNPOWERED_CARD,
    scard.SCARD_W_UNRESPONSIVE_CARD,
    scard.SCARD_E_NOT_TRANSACTED,
    scard.SCARD_E_READER_UNAVAILABLE,
    scard.SCARD_E_UNKNOWN_READER,
    scard.SCARD_E_NO_SERVICE,
    scard.SCARD_E_SERVICE_STOPPED,
    scard.SCARD_E_INVALID_HANDLE,
    scard.SCARD_F_COMM_ERROR,
})


class PcscError(Exception):
    """A PC/SC call failed in a way that says nothing about the card leaving."""

    def __init__(self, call: str, code: int) -> None:
        self.code = code
        super().__init__(f"{call}: PC/SC error {code & 0xFFFFFFFF:08X}")


def check(call: str, code: int) -> None:
    """Raise for a failed PC/SC call: ``CardAbsent`` if the card or the service went away."""
    if code == scard.SCARD_S_SUCCESS:
        return
    if code in LOST:
        raise CardAbsent()
    raise PcscError(call, code)


class PcscTransport(ApduTransport):
    def __init__(self, handle: int, protocol: int) -> None:
        self._handle = handle
        self._protocol = protocol

    def transmit(self, command: bytes | bytearray) -> bytes:
        raw = self._send(command)
        if raw[-2:-1] == b"\x6c":
            again = _with_le(command, raw[-1])
            try:
                raw = self._send(again)
            finally:
                _wipe(again)
        data = bytearray()
        for _ in range(_MAX_GET_RESPONSES):
            if raw[-2:-1] != b"\x61":
                return bytes(data) + raw
            data += raw[:-2]
            raw = self._send(Command(command[0] & 0x03, INS_GET_RESPONSE, 0, 0, le=raw[-1] or MAX_SHORT_LE).encode())
        return bytes(data) + raw  # still 61xx: the JPKI layer refuses the status word

    def _send(self, command: bytes | bytearray) -> bytes:
        as_ints = list(command)  # the only form pyscard takes
        try:
            code, response = scard.SCardTransmit(self._handle, self._protocol, as_ints)
        finally:
            _wipe(as_ints)
        check("SCardTransmit", code)
        if len(response) < 2:  # not even a status word: the card did not answer (vpcd: it left)
            raise CardAbsent()
        return bytes(response)


def _with_le(command: bytes | bytearray, le: int) -> bytearray:
    """The same command asking for ``le`` bytes (0 = 256), in a new buffer the caller wipes;
    an undecodable command goes as it was. Built in place: ``Command.decode`` would copy the data."""
    parts = command_parts(command)
    if parts is None:
        return bytearray(command)
    data, _ = parts
    with data:
        body = 1 + len(data) if len(data) else 0
        again = bytearray(4 + body + 1)
        again[: 4 + body] = memoryview(command)[: 4 + body]
    again[-1] = le % MAX_SHORT_LE
    return again


def _wipe(buffer: bytearray | list[int]) -> None:
    for i in range(len(buffer)):
        buffer[i] = 0
