"""Helpers the frame-decoder fuzz tests of both protocols share."""
from __future__ import annotations

from typing import Sequence, TypeVar

T = TypeVar("T")


def chunked(stream: bytes, cuts: list[int]) -> list[bytes]:
    """``stream`` cut at the given points (taken modulo its length + 1), as a line delivers it."""
    points = sorted({c % (len(stream) + 1) for c in cuts})
    return [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)])]


def is_subsequence(wanted: Sequence[T], found: Sequence[T]) -> bool:
    rest = iter(found)
    return all(any(f == w for f in rest) for w in wanted)
