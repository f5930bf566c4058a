"""発行番号: unique and gap-free per municipality and day, under threads and processes."""
from __future__ import annotations

import multiprocessing
import re
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from center.storage import CenterStore
from center.storage.tables import issue_counters
from center_storage.samples import PSEUDONYM_KEY, T0
from center_storage.workers import take_numbers

_FORMAT = re.compile(r"990001-20261125-[0-9]{6}")


def _sequence(numbers: list[str]) -> list[int]:
    return sorted(int(n.rsplit("-", 1)[1]) for n in numbers)


def test_format_and_sequence(store):
    assert store.take_issue_number("990001", T0) == "990001-20261125-000001"
    assert store.take_issue_number("990001", T0) == "990001-20261125-000002"
    assert store.take_issue_number("990002", T0) == "990002-20261125-000001"
    assert store.take_issue_number("990001", T0 + timedelta(days=1)) == "990001-20261126-000001"


def test_the_day_is_japan_time(store):
    late_utc = datetime(2026, 11, 25, 15, 30, tzinfo=timezone.utc)  # 2026-11-26 00:30 in Japan
    assert store.take_issue_number("990001", late_utc) == "990001-20261126-000001"


def test_numbers_survive_a_restart(engine, store, second_store):
    store.take_issue_number("990001", T0)
    engine.dispose()  # the first process's connections go
    assert second_store.take_issue_number("990001", T0) == "990001-20261125-000002"


def test_threads_get_distinct_gap_free_numbers(store):
    threads, per_thread = 8, 25
    with ThreadPoolExecutor(threads) as pool:
        batches = list(pool.map(lambda _: [store.take_issue_number("990001", T0) for _ in range(per_thread)],
                                range(threads)))
    numbers = [n for batch in batches for n in batch]
    assert all(_FORMAT.fullmatch(n) for n in numbers)
    assert _sequence(numbers) == list(range(1, threads * per_thread + 1))


def test_processes_get_distinct_gap_free_numbers(engine, db_url):
    """Three center processes of four threads each, all at once, plus this one."""
    processes, threads, per_thread = 3, 4, 20
    start_at = time.time() + 2.0  # after every process has imported and connected
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        futures = [pool.submit(take_numbers, db_url, "990001", T0.isoformat(), threads, per_thread, start_at)
                   for _ in range(processes)]
        local = CenterStore(engine, pseudonym_key=PSEUDONYM_KEY)
        time.sleep(max(0.0, start_at - time.time()))
        mine = [local.take_issue_number("990001", T0) for _ in range(per_thread)]
        numbers = mine + [n for f in futures for n in f.result(timeout=120)]
    assert _sequence(numbers) == list(range(1, (processes * threads + 1) * per_thread + 1))


def test_a_counter_past_999999_is_refused(store, engine):
    """The CHECK constraint: never a seven-digit number, and the counter stays where it was."""
    store.take_issue_number("990001", T0)
    with engine.begin() as conn:
        conn.execute(update(issue_counters).values(last_number=999_999))
    with pytest.raises(IntegrityError):
        store.take_issue_number("990001", T0)
    with engine.connect() as conn:
        assert conn.execute(select(issue_counters.c.last_number)).scalar_one() == 999_999
