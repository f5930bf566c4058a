"""Helpers the frame-decoder fuzz tests of both protocols share."""
from __future__ import annotations

from typing import Sequence, TypeVar

from hypothesis import HealthCheck, settings

T = TypeVar("T")

# the issue asks for at least 10,000 garbage, truncated and CRC-error streams: the two decoders'
# tests run 10,500 between them with these
FUZZ = settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROUND_TRIPS = settings(FUZZ, max_examples=500)
MIXED = settings(FUZZ, max_examples=1500)


def chunked(stream: bytes, cuts: list[int]) -> list[bytes]:
    """``stream`` cut at the given points (taken modulo its length + 1), as a line delivers it."""
    points = sorted({c % (len(stream) + 1) for c in cuts})
    return [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)])]


def is_subsequence(wanted: Sequence[T], found: Sequence[T]) -> bool:
    rest = iter(found)
    return all(any(f == w for f in rest) for w in wanted)
