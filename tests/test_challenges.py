"""Single-use challenges: issue, consume once, expire, forget."""
from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

import pytest

from center.challenges import ChallengeStore
from kiosk.clock import JST, ManualClock
from kiosk.ports.center import AuthRefusalReason as Reason

START = datetime(2026, 11, 16, 10, 0, tzinfo=JST)
TTL = 120


def counting_random():
    """Distinct, predictable 'random' bytes: each call returns a new counter value."""
    calls = count(1)
    return lambda size: next(calls).to_bytes(size, "big")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def store(clock) -> ChallengeStore:
    return ChallengeStore(clock, ttl_seconds=TTL)


def test_a_challenge_has_a_32_byte_nonce_and_expires_after_the_ttl(store):
    challenge = store.issue()
    assert len(challenge.nonce) == 32
    assert challenge.expires_at == START + timedelta(seconds=TTL)


def test_challenges_differ(store):
    first, second = store.issue(), store.issue()
    assert first.challenge_id != second.challenge_id
    assert first.nonce != second.nonce


def test_ids_and_nonces_come_from_the_injected_random_source(clock):
    store = ChallengeStore(clock, random_bytes=counting_random())
    challenge = store.issue()
    assert challenge.challenge_id == (1).to_bytes(16, "big").hex()
    assert challenge.nonce == (2).to_bytes(32, "big")


def test_the_nonce_is_handed_out_once(store, clock):
    challenge = store.issue()
    clock.advance(5)
    assert store.consume(challenge.challenge_id, clock.now()) == challenge.nonce
    assert store.consume(challenge.challenge_id, clock.now()) is Reason.CHALLENGE_REPLAYED


def test_an_id_never_issued_is_unknown(store):
    store.issue()
    assert store.consume("not-an-issued-id", START) is Reason.CHALLENGE_UNKNOWN


def test_a_challenge_is_good_until_just_before_it_expires(store):
    challenge = store.issue()
    just_before = challenge.expires_at - timedelta(microseconds=1)
    assert store.consume(challenge.challenge_id, just_before) == challenge.nonce


def test_an_expired_challenge_is_refused_and_spent(store):
    challenge = store.issue()
    assert store.consume(challenge.challenge_id, challenge.expires_at) is Reason.CHALLENGE_EXPIRED
    assert store.consume(challenge.challenge_id, challenge.expires_at) is Reason.CHALLENGE_REPLAYED


def test_an_expired_challenge_is_remembered_for_one_more_ttl_then_forgotten(store):
    challenge = store.issue()
    late = challenge.expires_at + timedelta(seconds=TTL) - timedelta(microseconds=1)
    assert store.consume(challenge.challenge_id, late) is Reason.CHALLENGE_EXPIRED
    forgotten = challenge.expires_at + timedelta(seconds=TTL)
    assert store.consume(challenge.challenge_id, forgotten) is Reason.CHALLENGE_UNKNOWN


def test_a_replayed_challenge_is_forgotten_after_the_retention_too(store):
    challenge = store.issue()
    assert store.consume(challenge.challenge_id, START) == challenge.nonce
    assert len(store) == 1
    forgotten = challenge.expires_at + timedelta(seconds=TTL)
    assert store.consume(challenge.challenge_id, forgotten) is Reason.CHALLENGE_UNKNOWN
    assert len(store) == 0


def test_memory_stays_bounded_over_thousands_of_sessions(clock):
    store = ChallengeStore(clock, ttl_seconds=TTL)
    for session in range(5000):
        challenge = store.issue()
        if session % 3:  # some residents walk away without answering
            store.consume(challenge.challenge_id, clock.now())
        clock.advance(10)
        # Issued within the last two TTLs (live plus retained) is all that is kept.
        assert len(store) <= 2 * TTL // 10 + 1
    assert len(store) >= TTL // 10


def test_a_repeating_random_source_is_a_fault_not_a_shared_challenge(clock):
    store = ChallengeStore(clock, random_bytes=lambda size: b"\x07" * size)
    store.issue()
    with pytest.raises(RuntimeError):
        store.issue()


@pytest.mark.parametrize("ttl", [0, -1])
def test_the_ttl_must_be_positive(clock, ttl):
    with pytest.raises(ValueError):
        ChallengeStore(clock, ttl_seconds=ttl)
