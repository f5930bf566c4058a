"""ccTalk frames with the 8-bit checksum: ``[dest][n][src][header][data × n][checksum]``.

n counts the data bytes only; every byte of the frame, checksum included, sums to 0 modulo 256.
Example: simple poll of the coin acceptor ``02 00 01 FE FF``. Sources: ashaduri/qt-cctalk
``cctalk_link_controller.cpp`` (BSD-3); Azkoyen X6 ccTalk manual p.11–13; the liquisearch
"example ccTalk message packet" page. Replies use header 0 (ACK or data), 5 (NAK), 6 (BUSY).

Receiving: the X6 manual (p.12–13) says a slave resets its receiver when more than 50 ms pass
between two bytes of a message, and does not answer a message with a wrong checksum or one left
incomplete. The reader does the same; a frame with a bad checksum is dropped whole, as the length
byte is all a device has to know where the next one starts.
"""
from __future__ import annotations

from dataclasses import dataclass

HOST_ADDRESS = 1
HEADER_ACK, HEADER_NAK, HEADER_BUSY = 0, 5, 6
INTER_BYTE_GAP = 0.050


def checksum(data: bytes) -> int:
    return -sum(data) % 256


def build_frame(dest: int, src: int, header: int, data: bytes = b"") -> bytes:
    body = bytes((dest, len(data), src, header)) + data
    return body + bytes((checksum(body),))


@dataclass(frozen=True)
class Frame:
    dest: int
    src: int
    header: int
    data: bytes


class FrameReader:
    def __init__(self, gap: float = INTER_BYTE_GAP) -> None:
        self._buffer = bytearray()
        self._last = 0.0
        self._gap = gap
        self.dropped = 0  # frames with a bad checksum, for the state report

    def clear(self) -> None:
        self._buffer.clear()

    def feed(self, data: bytes, now: float) -> list[Frame]:
        if self._buffer and now - self._last > self._gap:
            self._buffer.clear()  # the receiver timed out in the middle of a message
        self._last = now
        self._buffer += data
        frames: list[Frame] = []
        while len(self._buffer) >= 2 and len(self._buffer) >= self._buffer[1] + 5:
            size = self._buffer[1] + 5
            raw = bytes(self._buffer[:size])
            del self._buffer[:size]
            if sum(raw) % 256:
                self.dropped += 1
                continue
            frames.append(Frame(raw[0], raw[2], raw[3], raw[4:-1]))
        return frames
