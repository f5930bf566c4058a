"""What a second center process does in the multi-process tests (started with the spawn method)."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from center.storage import CenterStore, open_engine
from center_storage.samples import PSEUDONYM_KEY as KEY, document
from kiosk.kinds import CertificateKind
from kiosk.ports.center import Issued


def take_numbers(url: str, code: str, at_iso: str, threads: int, per_thread: int, start_at: float) -> list[str]:
    engine = open_engine(url, pool_size=threads, max_overflow=0)
    try:
        store = CenterStore(engine, pseudonym_key=KEY)
        at = datetime.fromisoformat(at_iso)
        time.sleep(max(0.0, start_at - time.time()))  # every process starts taking together
        with ThreadPoolExecutor(threads) as pool:
            batches = pool.map(lambda _: [store.take_issue_number(code, at) for _ in range(per_thread)], range(threads))
            return [n for batch in batches for n in batch]
    finally:
        engine.dispose()


def issue_same_key(url: str, key: str, at_iso: str, start_at: float) -> tuple[tuple[str, ...], bool]:
    engine = open_engine(url, pool_size=2, max_overflow=0)
    try:
        store = CenterStore(engine, pseudonym_key=KEY)
        at = datetime.fromisoformat(at_iso)
        built = []

        def build(take):
            built.append(True)
            number = take("990001", at)
            time.sleep(0.3)  # long enough for the other processes to arrive while this one holds the claim
            return Issued((document(CertificateKind.JUMINHYO, number, "S-1", at),))

        time.sleep(max(0.0, start_at - time.time()))
        result = store.issue_once(key, build, kiosk_id="K-1", session_id="S-1", resident_ref="R-0001", at=at)
        assert isinstance(result, Issued)
        return tuple(d.issue_number for d in result.documents), bool(built)
    finally:
        engine.dispose()
