"""発行番号: unique per municipality and day, never repeated across restarts.

Counters live in a small SQLite table; each number is taken in its own immediate
transaction, so two threads (or two processes) sharing the file never get the same one.
"""
from __future__ import annotations

import sqlite3
import threading
from datetime import datetime
from pathlib import Path

from kiosk.catalog.hours import local

_SCHEMA = """
CREATE TABLE IF NOT EXISTS issue_counters (
    municipality_code TEXT NOT NULL,
    day TEXT NOT NULL,           -- YYYYMMDD in Japan time
    last_number INTEGER NOT NULL,
    PRIMARY KEY (municipality_code, day)
)
"""

_TAKE = """
INSERT INTO issue_counters (municipality_code, day, last_number) VALUES (?, ?, 1)
ON CONFLICT (municipality_code, day) DO UPDATE SET last_number = last_number + 1
RETURNING last_number
"""


class IssueNumbers:
    """``next("990001", at)`` -> "990001-20261125-000123"."""

    def __init__(self, path: Path | str) -> None:
        self._path = str(path)
        self._lock = threading.Lock()
        db = self._connect()
        try:
            db.execute(_SCHEMA)
        finally:
            db.close()

    def _connect(self) -> sqlite3.Connection:
        # autocommit mode: the transaction below is spelled out, not left to the driver
        return sqlite3.connect(self._path, isolation_level=None, timeout=5.0)

    def next(self, municipality_code: str, at: datetime) -> str:
        day = local(at).strftime("%Y%m%d")
        with self._lock:
            db = self._connect()
            try:
                db.execute("BEGIN IMMEDIATE")
                (number,) = db.execute(_TAKE, (municipality_code, day)).fetchone()
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            finally:
                db.close()
        return f"{municipality_code}-{day}-{number:06d}"
