"""Challenges (single use, expiring, any process may consume) and sessions (any process may serve)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import select

from center.storage.tables import auth_sessions
from center_storage.samples import T0
from kiosk.ports.center import AuthRefusalReason

TTL = timedelta(seconds=120)  # CenterStore's default challenge_ttl


def test_a_challenge_is_consumed_once(store):
    challenge = store.new_challenge(T0)
    assert len(challenge.nonce) == 32 and len(challenge.challenge_id) == 32
    assert challenge.expires_at == T0 + TTL
    assert store.consume_challenge(challenge.challenge_id, T0) == challenge.nonce
    assert store.consume_challenge(challenge.challenge_id, T0) is AuthRefusalReason.CHALLENGE_REPLAYED


def test_another_process_consumes_it(store, second_store):
    challenge = store.new_challenge(T0)
    assert second_store.consume_challenge(challenge.challenge_id, T0 + timedelta(seconds=5)) == challenge.nonce
    assert store.consume_challenge(challenge.challenge_id, T0) is AuthRefusalReason.CHALLENGE_REPLAYED


def test_expired_then_replayed_then_forgotten(store):
    challenge = store.new_challenge(T0)
    assert store.consume_challenge(challenge.challenge_id, T0 + TTL) is AuthRefusalReason.CHALLENGE_EXPIRED
    assert store.consume_challenge(challenge.challenge_id, T0 + TTL) is AuthRefusalReason.CHALLENGE_REPLAYED
    late = store.new_challenge(T0)
    assert store.consume_challenge(late.challenge_id, T0 + 2 * TTL) is AuthRefusalReason.CHALLENGE_UNKNOWN


def test_unknown(store):
    assert store.consume_challenge("00" * 16, T0) is AuthRefusalReason.CHALLENGE_UNKNOWN


def test_one_winner_among_concurrent_consumers(store, second_store):
    challenge = store.new_challenge(T0)
    stores = [store, second_store] * 4
    with ThreadPoolExecutor(len(stores)) as pool:
        answers = list(pool.map(lambda s: s.consume_challenge(challenge.challenge_id, T0), stores))
    assert answers.count(challenge.nonce) == 1
    assert answers.count(AuthRefusalReason.CHALLENGE_REPLAYED) == len(stores) - 1


def test_pruning_forgets_old_challenges(store, engine):
    from center.storage.tables import challenges

    store.new_challenge(T0)
    store.prune(T0 + 2 * TTL)
    with engine.connect() as conn:
        assert conn.execute(select(challenges)).all() == []


def test_a_session_is_served_by_any_process(store, second_store):
    token = store.open_session("R-0001", "K-0001", T0)
    assert second_store.session_ref(token, T0 + timedelta(minutes=5)) == "R-0001"
    session = second_store.session(token, T0)
    assert (session.resident_ref, session.kiosk_id) == ("R-0001", "K-0001")
    second_store.end_session(token)
    assert store.session_ref(token, T0) is None
    assert second_store.session_ref(token, T0) is None


def test_sessions_expire_and_unknown_tokens_get_nothing(store):
    token = store.open_session("R-0001", "K-0001", T0)
    assert store.session_ref(token, T0 + timedelta(seconds=3599)) == "R-0001"
    assert store.session_ref(token, T0 + timedelta(seconds=3600)) is None
    assert store.session_ref("not-a-token", T0) is None
    other = store.open_session("R-0002", "K-0001", T0)
    assert other != token and store.session_ref(other, T0) == "R-0002"


def test_only_the_tokens_hash_is_stored(store, engine):
    token = store.open_session("R-0001", "K-0001", T0)
    with engine.connect() as conn:
        rows = conn.execute(select(auth_sessions)).all()
    assert len(rows) == 1 and all(token not in str(value) for value in rows[0])
