"""The money journal: an append-only SQLite log of every yen the kiosk takes, gives or owes.

Each append is its own committed transaction (WAL, synchronous=FULL) before the call returns,
so the kiosk only acts on money facts that survive a crash. No code path updates or deletes a
row, and triggers refuse it at the database level too.
"""
from __future__ import annotations

import secrets
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator

from kiosk.clock import Clock
from kiosk.journal.balance import SessionBalance, balance_of
from kiosk.journal.events import EventType, JournalEntryError, JournalEvent, check_entry, scrub_detail

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT,
    at TEXT NOT NULL,
    type TEXT NOT NULL,
    amount INTEGER CHECK (amount IS NULL OR amount >= 0),
    detail TEXT NOT NULL DEFAULT '',
    resident_ref TEXT
);
CREATE INDEX IF NOT EXISTS events_by_session ON events (session_id, seq);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the money journal is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the money journal is append-only'); END;
"""

_COLUMNS = "seq, session_id, at, type, amount, detail, resident_ref"

# Opened and kiosk_started have their own methods; everything else goes through record().
_RECORDABLE = frozenset(EventType) - {EventType.SESSION_OPENED, EventType.KIOSK_STARTED}


class SessionNotOpen(JournalEntryError):
    """A caller bug: the session id was never opened here, or is already closed."""


@dataclass(frozen=True)
class OwedRefund:
    session_id: str
    amount: int
    reason: str
    at: datetime
    resident_ref: str | None

    def describe(self) -> str:
        ref = f" [{self.resident_ref}]" if self.resident_ref else ""
        return f"{self.at.isoformat()} {self.session_id[:8]} owed {self.amount} yen: {self.reason}{ref}"


class MoneyJournal:
    def __init__(self, path: str | Path, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()  # one connection, possibly used from a device worker thread
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, nothing stays open between calls
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode != "wal":
            raise RuntimeError(f"the money journal needs WAL mode, SQLite gave {mode!r}")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "MoneyJournal":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- appends ---------------------------------------------------------------------------
    def kiosk_started(self, kiosk_id: str) -> JournalEvent:
        with self._transaction():
            return self._append(None, EventType.KIOSK_STARTED, None, kiosk_id, None)

    def open_session(self, kiosk_id: str, resident_ref: str | None = None) -> str:
        session_id = secrets.token_hex(16)
        with self._transaction():
            self._append(session_id, EventType.SESSION_OPENED, None, kiosk_id, resident_ref)
        return session_id

    def record(
        self,
        session_id: str,
        event_type: EventType,
        amount: int | None = None,
        detail: str = "",
        resident_ref: str | None = None,
    ) -> JournalEvent:
        """Append one money fact; committed when this returns.

        ``detail`` is scrubbed of anything that could be a PIN or personal data (see events.py).
        ``resident_ref`` defaults to the one the session already carries. Raises
        ``JournalEntryError`` for an amount or ref that does not fit the event type.
        """
        if event_type not in _RECORDABLE:
            raise JournalEntryError(f"{event_type.value} has its own method")
        with self._transaction():
            known_ref = self._open_session_ref(session_id)
            return self._append(session_id, event_type, amount, detail, resident_ref or known_ref)

    def close_session(self, session_id: str, outcome: str, refund_owed: int = 0, refund_reason: str = "") -> None:
        """Record the refund (if any) and the closing in one transaction: both or neither."""
        with self._transaction():
            ref = self._open_session_ref(session_id)
            if refund_owed:
                self._append(session_id, EventType.REFUND_OWED, refund_owed, refund_reason, ref)
            self._append(session_id, EventType.SESSION_CLOSED, None, outcome, ref)

    # --- reads -------------------------------------------------------------------------------
    def events(self, session_id: str | None = None) -> list[JournalEvent]:
        if session_id is None:
            return self._select(f"SELECT {_COLUMNS} FROM events ORDER BY seq")
        return self._select(f"SELECT {_COLUMNS} FROM events WHERE session_id = ? ORDER BY seq", session_id)

    def session_balance(self, session_id: str) -> SessionBalance:
        return balance_of(self.events(session_id))

    def refunds_owed(self) -> list[OwedRefund]:
        """Every refund ever recorded as owed, oldest first (paying them out is not journalled yet)."""
        rows = self._select(
            f"SELECT {_COLUMNS} FROM events WHERE type = ? ORDER BY seq", EventType.REFUND_OWED.value
        )
        return [OwedRefund(e.session_id, e.amount, e.detail, e.at, e.resident_ref) for e in rows]

    def unfinished_sessions(self) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT session_id FROM events WHERE type = ? AND session_id NOT IN "
                "(SELECT session_id FROM events WHERE type = ?) ORDER BY seq",
                (EventType.SESSION_OPENED.value, EventType.SESSION_CLOSED.value),
            ).fetchall()
        return [session_id for (session_id,) in rows]

    # --- internals -----------------------------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            # IMMEDIATE: take the write lock before reading the session state we check against
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _open_session_ref(self, session_id: str) -> str | None:
        """The session's latest resident_ref; raises unless the session is open."""
        types = {
            t for (t,) in self._db.execute(
                "SELECT DISTINCT type FROM events WHERE session_id = ? AND type IN (?, ?)",
                (session_id, EventType.SESSION_OPENED.value, EventType.SESSION_CLOSED.value),
            )
        }
        if types != {EventType.SESSION_OPENED.value}:
            raise SessionNotOpen(f"session {session_id} is not open")
        row = self._db.execute(
            "SELECT resident_ref FROM events WHERE session_id = ? AND resident_ref IS NOT NULL "
            "ORDER BY seq DESC LIMIT 1",
            (session_id,),
        ).fetchone()
        return row[0] if row else None

    def _append(
        self, session_id: str | None, event_type: EventType, amount: int | None, text: str, resident_ref: str | None
    ) -> JournalEvent:
        check_entry(event_type, amount, resident_ref)
        text = scrub_detail(text)
        at = self._clock.now()
        if at.tzinfo is None:
            raise JournalEntryError("the journal clock must give aware datetimes")
        cursor = self._db.execute(
            "INSERT INTO events (session_id, at, type, amount, detail, resident_ref) VALUES (?, ?, ?, ?, ?, ?)",
            (session_id, at.isoformat(), event_type.value, amount, text, resident_ref),
        )
        return JournalEvent(cursor.lastrowid, session_id, at, event_type, amount, text, resident_ref)

    def _select(self, sql: str, *params: object) -> list[JournalEvent]:
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [
            JournalEvent(seq, session_id, datetime.fromisoformat(at), EventType(kind), amount, text, ref)
            for seq, session_id, at, kind, amount, text, ref in rows
        ]
