"""Single-use challenges for the card to sign, remembered only as long as they matter."""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.clock import Clock
from kiosk.ports.center import AuthRefusalReason, Challenge

NONCE_BYTES = 32
_ID_BYTES = 16


@dataclass
class _Entry:
    nonce: bytes | None  # None once consumed: the id stays known so a replay is recognised
    expires_at: datetime


class ChallengeStore:
    """Issues challenges and hands each nonce out once.

    A challenge is kept one extra TTL after it expires, so a late answer is told
    CHALLENGE_EXPIRED (or CHALLENGE_REPLAYED) rather than CHALLENGE_UNKNOWN; after that it
    is forgotten. Memory is bounded by the challenges issued in two TTLs.
    """

    def __init__(
        self,
        clock: Clock,
        ttl_seconds: float = 120,
        random_bytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_seconds)
        self._random_bytes = random_bytes
        # Insertion order is expiry order (one TTL for all), so pruning looks only at the front.
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        # consume() must be atomic: two callers must never both get the same nonce.
        self._lock = threading.Lock()

    def issue(self) -> Challenge:
        now = self._clock.now()
        with self._lock:
            self._prune(now)
            challenge_id = self._random_bytes(_ID_BYTES).hex()
            if challenge_id in self._entries:
                raise RuntimeError("the random source repeated a challenge id")
            nonce = self._random_bytes(NONCE_BYTES)
            expires_at = now + self._ttl
            self._entries[challenge_id] = _Entry(nonce, expires_at)
        return Challenge(challenge_id=challenge_id, nonce=nonce, expires_at=expires_at)

    def consume(self, challenge_id: str, at: datetime) -> bytes | AuthRefusalReason:
        """The nonce, once; afterwards, or after expiry, the reason it is refused."""
        with self._lock:
            self._prune(at)
            entry = self._entries.get(challenge_id)
            if entry is None:
                return AuthRefusalReason.CHALLENGE_UNKNOWN
            nonce, entry.nonce = entry.nonce, None
            if nonce is None:
                return AuthRefusalReason.CHALLENGE_REPLAYED
            if at >= entry.expires_at:
                return AuthRefusalReason.CHALLENGE_EXPIRED
            return nonce

    def __len__(self) -> int:
        """Challenges still remembered: live, spent, or recently expired."""
        with self._lock:
            return len(self._entries)

    def _prune(self, now: datetime) -> None:
        while self._entries:
            oldest = next(iter(self._entries.values()))
            if now < oldest.expires_at + self._ttl:
                return
            self._entries.popitem(last=False)
