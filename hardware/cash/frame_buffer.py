"""What the ID-003 and ccTalk frame decoders share: a buffer fed from the line, searched for frames
by the protocol's own ``_drain``, and emptied a byte at a time when the line goes quiet."""
from __future__ import annotations

from typing import Generic, TypeVar

F = TypeVar("F")


class ResyncingDecoder(Generic[F]):
    def __init__(self) -> None:
        self._buffer = bytearray()

    @property
    def pending(self) -> int:
        """Bytes held for a frame not yet complete."""
        return len(self._buffer)

    def feed(self, chunk: bytes) -> list[F]:
        self._buffer += chunk
        return self._drain()

    def line_idle(self) -> list[F]:
        """Nothing more is coming for now: find what the buffer holds, then empty it."""
        frames: list[F] = []
        while True:
            frames += self._drain()
            if not self._buffer:
                return frames
            del self._buffer[:1]  # the partial frame at the head will never complete

    def _drain(self) -> list[F]:
        """The whole frames at the head of the buffer, removed from it; a partial one stays."""
        raise NotImplementedError
