"""``ApduTransport`` over one PC/SC card handle, through pyscard's thin ``smartcard.scard`` layer.

It returns response data + SW1 SW2 as the JPKI layer expects, and handles the two T=0 transport
status words itself: ``61 xx`` (more data: GET RESPONSE, chained) and ``6C xx`` (wrong Le: the
same command again with Le = xx). T=1 readers never send them, but nothing in PC/SC forbids it.
"""
from __future__ import annotations

from smartcard import scard

from hardware.card.apdu import MAX_SHORT_LE, ApduTransport, CardAbsent, Command

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

    def transmit(self, command: bytes) -> bytes:
        raw = self._send(command)
        if raw[-2:-1] == b"\x6c":
            raw = self._send(_with_le(command, raw[-1]))
        data = bytearray()
        for _ in range(_MAX_GET_RESPONSES):
            if raw[-2:-1] != b"\x61":
                return bytes(data) + raw
            data += raw[:-2]
            raw = self._send(Command(command[0] & 0x03, INS_GET_RESPONSE, 0, 0, le=raw[-1] or MAX_SHORT_LE).encode())
        return bytes(data) + raw  # still 61xx: the JPKI layer refuses the status word

    def _send(self, command: bytes) -> bytes:
        code, response = scard.SCardTransmit(self._handle, self._protocol, list(command))
        check("SCardTransmit", code)
        if len(response) < 2:  # not even a status word: the card did not answer (vpcd: it left)
            raise CardAbsent()
        return bytes(response)


def _with_le(command: bytes, le: int) -> bytes:
    """The same command asking for ``le`` bytes (0 = 256); undecodable commands go as they were."""
    decoded = Command.decode(command)
    if decoded is None:
        return command
    return Command(decoded.cla, decoded.ins, decoded.p1, decoded.p2, decoded.data, le or MAX_SHORT_LE).encode()
