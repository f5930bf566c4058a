"""issue_once: a retry and a concurrent duplicate give the stored result; a failure keeps nothing."""
from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import timedelta

import pytest

from center.storage import CenterStore, decode_documents, encode_documents, request_key
from center_storage.samples import BODIES, PSEUDONYM_KEY, T0, document, line
from center_storage.workers import issue_same_key
from kiosk.clock import JST
from kiosk.eligibility import Refusal, RefusalReason
from kiosk.kinds import CertificateKind
from kiosk.ports.center import Issued, IssueRefused

KIOSK, SESSION, RESIDENT = "K-0001", "S-000001", "R-0001"
LINES = (line(CertificateKind.JUMINHYO, copies=2), line(CertificateKind.KOSEKI_ZENBU, code="990002"))


class Builder:
    """A build that numbers one document per line and counts its calls."""

    def __init__(self, pause: float = 0.0, fail: Exception | None = None, refuse: bool = False) -> None:
        self.calls = 0
        self._pause, self._fail, self._refuse = pause, fail, refuse
        self._lock = threading.Lock()

    def __call__(self, take):
        with self._lock:
            self.calls += 1
        documents = tuple(
            document(l.kind, take(l.municipality_code, T0), SESSION, T0, copies=l.copies) for l in LINES
        )
        time.sleep(self._pause)
        if self._fail is not None:
            raise self._fail
        if self._refuse:
            return IssueRefused(Refusal(RefusalReason.BAD_OPTIONS, "refused after numbering"))
        return Issued(documents)


def _issue(store: CenterStore, key: str, build) -> object:
    return store.issue_once(key, build, kiosk_id=KIOSK, session_id=SESSION, resident_ref=RESIDENT, at=T0)


def test_the_key_is_canonical():
    key = request_key(KIOSK, SESSION, LINES)
    assert key == request_key(KIOSK, SESSION, list(LINES)) and len(key) == 64
    assert key != request_key(KIOSK, "S-000002", LINES)
    assert key != request_key("K-0002", SESSION, LINES)
    assert key != request_key(KIOSK, SESSION, (LINES[0].with_copies(3), LINES[1]))
    assert key != request_key(KIOSK, SESSION, LINES[::-1])


def test_documents_round_trip_exactly():
    docs = tuple(document(kind, f"990001-20261125-{i:06d}", SESSION, T0) for i, kind in enumerate(BODIES, 1))
    decoded = decode_documents(encode_documents(docs))
    assert decoded == docs
    assert [d.issued_at.tzinfo for d in decoded] == [JST] * len(docs)  # the zone itself, not just +09:00
    assert [type(d.body) for d in decoded] == [type(d.body) for d in docs]


def test_a_retry_gets_the_same_documents(store):
    key = request_key(KIOSK, SESSION, LINES)
    build = Builder()
    first = _issue(store, key, build)
    assert isinstance(first, Issued)
    assert [d.issue_number for d in first.documents] == ["990001-20261125-000001", "990002-20261125-000001"]
    again = _issue(store, key, Builder())
    assert again == first and build.calls == 1
    assert store.take_issue_number("990001", T0) == "990001-20261125-000002"  # no number was taken twice


def test_another_process_after_a_restart_gets_the_same_documents(engine, store, second_store):
    key = request_key(KIOSK, SESSION, LINES)
    first = _issue(store, key, Builder())
    engine.dispose()  # the process that issued is gone
    later = Builder()
    assert _issue(second_store, key, later) == first and later.calls == 0


def test_concurrent_duplicates_make_one_issuance(store, second_store):
    key = request_key(KIOSK, SESSION, LINES)
    build = Builder(pause=0.3)  # holds its claim while the others arrive
    stores = [store, second_store] * 3
    with ThreadPoolExecutor(len(stores)) as pool:
        results = list(pool.map(lambda s: _issue(s, key, build), stores))
    assert build.calls == 1
    assert all(r == results[0] for r in results) and isinstance(results[0], Issued)
    assert len(store.records()) == len(LINES)  # one issued row per document, not per call


def test_concurrent_duplicates_from_processes_make_one_issuance(engine, db_url):
    key = request_key(KIOSK, "S-1", LINES)
    start_at = time.time() + 2.0
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(3, mp_context=context) as pool:
        futures = [pool.submit(issue_same_key, db_url, key, T0.isoformat(), start_at) for _ in range(3)]
        outcomes = [f.result(timeout=120) for f in futures]
    assert {numbers for numbers, _ in outcomes} == {("990001-20261125-000001",)}
    assert sum(built for _, built in outcomes) == 1
    assert CenterStore(engine, pseudonym_key=PSEUDONYM_KEY).take_issue_number("990001", T0).endswith("-000002")


def test_a_failure_in_build_gives_the_numbers_back(store):
    key = request_key(KIOSK, SESSION, LINES)
    with pytest.raises(RuntimeError, match="renderer exploded"):
        _issue(store, key, Builder(fail=RuntimeError("renderer exploded")))
    assert store.records() == ()
    build = Builder()
    result = _issue(store, key, build)  # nothing was stored under the key: built anew, same numbers
    assert build.calls == 1
    assert [d.issue_number for d in result.documents] == ["990001-20261125-000001", "990002-20261125-000001"]


def test_a_refusal_keeps_nothing(store):
    key = request_key(KIOSK, SESSION, LINES)
    refused = _issue(store, key, Builder(refuse=True))
    assert isinstance(refused, IssueRefused)
    assert store.take_issue_number("990001", T0) == "990001-20261125-000001"
    assert store.records() == ()
    assert isinstance(_issue(store, key, Builder()), Issued)


def test_issued_rows_are_recorded_with_the_issuance(store):
    result = _issue(store, request_key(KIOSK, SESSION, LINES), Builder())
    rows = store.records()
    assert [(r.issue_number, r.outcome.value, r.kind, r.copies) for r in rows] == sorted(
        (d.issue_number, "issued", d.kind.value, d.copies) for d in result.documents)
    assert {(r.kiosk_id, r.session_id, r.recorded_at, r.resident_pseudonym) for r in rows} == {
        (KIOSK, SESSION, T0, store.pseudonym(RESIDENT))}


def test_old_results_are_pruned(store):
    key = request_key(KIOSK, SESSION, LINES)
    _issue(store, key, Builder())
    store.prune(T0 + timedelta(days=2))
    build = Builder()
    _issue(store, key, build)
    assert build.calls == 1  # past the retention a request is new
