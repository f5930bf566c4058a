"""ID-003 frames as the acceptor reads and writes them: ``FC LNG CMD [DATA…] CRCL CRCH``.

LNG is the length of the whole frame (5 + data bytes). The CRC is CRC-16/KERMIT (polynomial
0x1021 reflected = 0x8408, initial value 0, no final XOR) over SYNC … last data byte, sent low
byte first. Sources: Kopachris/py-id003 ``src/id003.py`` ("CRC-CCITT Kermit"; its comment says
big-endian but its code sends the low byte first), lamassu/lamassu-machine ``lib/id003/crc.js``,
AlexObukhoff/TerminalClient ID003 protocol. Check value: ``FC 05 11`` → ``27 56``.

The reader resynchronises as a device must on a line with noise: it skips bytes up to a SYNC,
drops a frame whose CRC fails (silently: the host re-polls), then looks for the next SYNC after
the failed one's first byte. A "length" longer than any command a host sends (``max_length``;
the longest, C0/C1/C5/C6, are 7 bytes) marks a stray SYNC, not a frame; and a frame left
incomplete for longer than ``gap`` seconds is dropped, so noise cannot hang the line.
"""
from __future__ import annotations

SYNC = 0xFC
MIN_LENGTH = 5  # SYNC, LNG, CMD, CRCL, CRCH
INTER_BYTE_GAP = 0.050  # our choice: ID-003's own figure is not public; ccTalk uses 50 ms
MAX_HOST_FRAME = 32  # our choice, with room above the 7-byte settings commands


def crc16_kermit(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


def build_frame(command: int, data: bytes = b"") -> bytes:
    body = bytes((SYNC, MIN_LENGTH + len(data), command)) + data
    crc = crc16_kermit(body)
    return body + bytes((crc & 0xFF, crc >> 8))


class FrameReader:
    """Bytes in, whole CRC-checked frames out as (command, data)."""

    def __init__(self, gap: float = INTER_BYTE_GAP, max_length: int = MAX_HOST_FRAME) -> None:
        self._max_length = max_length
        self._buffer = bytearray()
        self._last = 0.0
        self._gap = gap
        self.dropped = 0  # frames with a bad CRC or length, for the state report

    def clear(self) -> None:
        self._buffer.clear()

    def feed(self, data: bytes, now: float) -> list[tuple[int, bytes]]:
        if self._buffer and now - self._last > self._gap:
            self._buffer.clear()  # the rest of that frame never came
        self._last = now
        self._buffer += data
        frames: list[tuple[int, bytes]] = []
        while True:
            start = self._buffer.find(SYNC)
            if start < 0:
                self._buffer.clear()
                return frames
            del self._buffer[:start]
            if len(self._buffer) < 2:
                return frames
            length = self._buffer[1]
            if not MIN_LENGTH <= length <= self._max_length:
                self.dropped += 1
                del self._buffer[:1]
                continue
            if len(self._buffer) < length:
                return frames
            frame = bytes(self._buffer[:length])
            if crc16_kermit(frame[:-2]) != frame[-2] | frame[-1] << 8:
                self.dropped += 1
                del self._buffer[:1]  # maybe that SYNC was noise: look again from the next byte
                continue
            del self._buffer[:length]
            frames.append((frame[2], frame[3:-2]))
