"""The money journal: an append-only SQLite log of every yen the kiosk takes, gives or owes.

Each append is its own committed transaction (WAL, synchronous=FULL) before the call returns,
so the kiosk only acts on money facts that survive a crash. No code path updates or deletes a
row, and triggers refuse it at the database level too.

Storage faults: a file of reserved space lies beside the journal. When a write fails for lack of
space, the reserve is given up and the write tried once more, so the facts of the session in
progress still reach the disk; the failure is then raised as ``JournalWriteError`` and the kiosk
goes out of service. A journal that existed is never silently replaced: a marker file beside it
remembers that it was created, and a missing, empty or damaged journal raises ``JournalDamaged``.
"""
from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, TypeVar

from kiosk.clock import Clock
from kiosk.crashpoints import crashpoint
from kiosk.journal.balance import SessionBalance, balance_of
from kiosk.journal.events import (
    KIOSK_EVENTS, LATE_EVENTS, EventType, JournalEntryError, JournalEvent, check_entry, scrub_detail,
)

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

T = TypeVar("T")
_COLUMNS = "seq, session_id, at, type, amount, detail, resident_ref"

# Opened and the kiosk's own events have their own methods; everything else goes through record().
_RECORDABLE = frozenset(EventType) - {EventType.SESSION_OPENED} - KIOSK_EVENTS
RESERVE_SUFFIX = ".reserve"
CREATED_SUFFIX = ".created"
RESERVE_BYTES = 1 << 20  # about 4,000 rows: far more than one session writes
_SQLITE_MAGIC = b"SQLite format 3\x00"


class SessionNotOpen(JournalEntryError):
    """A caller bug: the session id was never opened here, or is already closed."""


class JournalWriteError(OSError):
    """The disk refused a journal write (full, read-only, I/O error): the kiosk must stop taking money."""


class JournalDamaged(OSError):
    """The journal is missing, empty, truncated or not a journal: never replaced by an empty one."""


def reference_of(seq: int) -> str:
    """The short number a resident and the staff use for a refund: the row's sequence number."""
    return f"{seq:06d}"


def ref_token(seq: int) -> str:
    """How a refund's reference is written inside another row's detail."""
    return f"ref-{seq:06d}"


@dataclass(frozen=True)
class OwedRefund:
    session_id: str
    amount: int
    reason: str
    at: datetime
    resident_ref: str | None
    reference: str = ""  # the short number shown to the resident and printed on the slip

    def describe(self) -> str:
        ref = f" [{self.resident_ref}]" if self.resident_ref else ""
        return f"#{self.reference} {self.at.isoformat()} {self.session_id[:8]} owed {self.amount} yen: {self.reason}{ref}"


class MoneyJournal:
    def __init__(self, path: str | Path, clock: Clock, *, reserve_bytes: int = RESERVE_BYTES) -> None:
        self._clock = clock
        self._path = Path(path)
        self._lock = threading.Lock()  # one connection, possibly used from a device worker thread
        self._injected: Exception | None = None
        self._reserve = self._path.with_name(self._path.name + RESERVE_SUFFIX)
        created = self._path.with_name(self._path.name + CREATED_SUFFIX)
        _check_not_damaged(self._path, created)
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, nothing stays open between calls
            self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode != "wal":
                raise JournalDamaged(f"{path}: the money journal needs WAL mode, SQLite gave {mode!r}")
            self._db.execute("PRAGMA synchronous=FULL")
            if self._db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise JournalDamaged(f"{path}: the journal is damaged (SQLite integrity check failed)")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise JournalDamaged(f"{path}: not a readable journal ({exc})") from None
        if not created.exists():
            created.write_text("this data directory has a money journal; it must never be recreated empty\n")
        self._make_reserve(reserve_bytes)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "MoneyJournal":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- appends ---------------------------------------------------------------------------
    def kiosk_started(self, kiosk_id: str) -> JournalEvent:
        return self.kiosk_event(EventType.KIOSK_STARTED, None, kiosk_id)

    def kiosk_event(self, event_type: EventType, amount: int | None, detail: str = "") -> JournalEvent:
        """A fact of the kiosk or its operator, outside any session (start, cash collected, day closed)."""
        if event_type not in KIOSK_EVENTS:
            raise JournalEntryError(f"{event_type.value} belongs to a session")
        return self._write(lambda: self._append(None, event_type, amount, detail, None))

    def open_session(self, kiosk_id: str, resident_ref: str | None = None) -> str:
        session_id = secrets.token_hex(16)
        self._write(lambda: self._append(session_id, EventType.SESSION_OPENED, None, kiosk_id, resident_ref))
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
        def append() -> JournalEvent:
            known_ref = self._session_ref(session_id, closed_ok=event_type in LATE_EVENTS)
            return self._append(session_id, event_type, amount, detail, resident_ref or known_ref)

        return self._write(append)

    def close_session(self, session_id: str, outcome: str, refund_owed: int = 0, refund_reason: str = "") -> None:
        """Record the refund (if any) and the closing in one transaction: both or neither."""
        def append() -> None:
            ref = self._session_ref(session_id)
            if refund_owed:
                self._append(session_id, EventType.REFUND_OWED, refund_owed, refund_reason, ref)
            self._append(session_id, EventType.SESSION_CLOSED, None, outcome, ref)

        self._write(append)

    # --- reads -------------------------------------------------------------------------------
    def events(self, session_id: str | None = None) -> list[JournalEvent]:
        if session_id is None:
            return self._select(f"SELECT {_COLUMNS} FROM events ORDER BY seq")
        return self._select(f"SELECT {_COLUMNS} FROM events WHERE session_id = ? ORDER BY seq", session_id)

    def session_balance(self, session_id: str) -> SessionBalance:
        return balance_of(self.events(session_id))

    def refunds_owed(self) -> list[OwedRefund]:
        """Every refund ever recorded as owed, oldest first, less what a late answer withdrew."""
        rows = self._select(
            f"SELECT {_COLUMNS} FROM events WHERE type IN (?, ?) ORDER BY seq",
            EventType.REFUND_OWED.value, EventType.REFUND_WITHDRAWN.value,
        )
        withdrawn: dict[str, int] = {}
        for e in rows:
            if e.type is EventType.REFUND_WITHDRAWN:
                token = e.detail.split(" ", 1)[0]
                withdrawn[token] = withdrawn.get(token, 0) + e.amount
        refunds = []
        for e in rows:
            if e.type is EventType.REFUND_OWED:
                amount = e.amount - withdrawn.get(ref_token(e.seq), 0)
                if amount > 0:
                    refunds.append(OwedRefund(e.session_id, amount, e.detail, e.at, e.resident_ref, reference_of(e.seq)))
        return refunds

    def unfinished_sessions(self) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT session_id FROM events WHERE type = ? AND session_id NOT IN "
                "(SELECT session_id FROM events WHERE type = ?) ORDER BY seq",
                (EventType.SESSION_OPENED.value, EventType.SESSION_CLOSED.value),
            ).fetchall()
        return [session_id for (session_id,) in rows]

    # --- internals -----------------------------------------------------------------------------
    # --- storage ---------------------------------------------------------------------------------
    def inject_write_fault(self, error: Exception | None) -> None:
        """Demo panel and tests: every write from now on fails with ``error`` (None: writes work again)."""
        self._injected = error

    def free_bytes(self) -> int:
        return shutil.disk_usage(self._path.parent).free

    def writable(self) -> str | None:
        """None when a write can be made now, else why not (the health check before payment)."""
        if self._injected is not None:
            return f"journal write fails: {type(self._injected).__name__}"
        if not os.access(self._path, os.W_OK) or not os.access(self._path.parent, os.W_OK):
            return "journal is read-only"
        if not self._reserve.exists():
            return "journal's reserved space was used up"
        return None

    def _make_reserve(self, size: int) -> None:
        if size <= 0 or self._reserve.exists():
            return
        try:
            with open(self._reserve, "wb") as f:
                f.write(b"\0" * size)  # real blocks, not a sparse file: the space must be there
                f.flush()
                os.fsync(f.fileno())
        except OSError:
            self._reserve.unlink(missing_ok=True)  # no space for it: writable() will say so

    def _write(self, work: Callable[[], T]) -> T:
        """Run ``work`` in one committed transaction; on a storage error, once more from the reserve."""
        with self._lock:
            try:
                return self._attempt(work)
            except sqlite3.OperationalError as exc:
                if not self._release_reserve():
                    raise JournalWriteError(f"journal write failed: {exc}") from None
                try:  # the same facts once more, into the space we kept for this
                    return self._attempt(work)
                except sqlite3.OperationalError as again:
                    raise JournalWriteError(f"journal write failed: {again}") from None

    def _attempt(self, work: Callable[[], T]) -> T:
        if self._injected is not None:
            raise sqlite3.OperationalError(str(self._injected) or type(self._injected).__name__)
        # IMMEDIATE: take the write lock before reading the session state we check against
        self._db.execute("BEGIN IMMEDIATE")
        try:
            result = work()
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        crashpoint(f"journal:{getattr(result, 'type', EventType.SESSION_CLOSED).value}")
        return result

    def _release_reserve(self) -> bool:
        if self._injected is not None or not self._reserve.exists():
            return False
        self._reserve.unlink()
        return True

    def _session_ref(self, session_id: str, closed_ok: bool = False) -> str | None:
        """The session's latest resident_ref; raises unless the session is open (or closed_ok and closed)."""
        types = {
            t for (t,) in self._db.execute(
                "SELECT DISTINCT type FROM events WHERE session_id = ? AND type IN (?, ?)",
                (session_id, EventType.SESSION_OPENED.value, EventType.SESSION_CLOSED.value),
            )
        }
        if EventType.SESSION_OPENED.value not in types or (EventType.SESSION_CLOSED.value in types and not closed_ok):
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


def _check_not_damaged(path: Path, created: Path) -> None:
    """Refuse a journal that existed and is now gone, empty or not SQLite (before SQLite recreates it)."""
    if not path.exists():
        if created.exists():
            raise JournalDamaged(f"{path}: the journal is missing, though this data directory had one")
        return
    with open(path, "rb") as f:
        head = f.read(len(_SQLITE_MAGIC))
    if not head:
        raise JournalDamaged(f"{path}: the journal is empty (0 bytes)")
    if head != _SQLITE_MAGIC:
        raise JournalDamaged(f"{path}: not a journal (not an SQLite file)")
