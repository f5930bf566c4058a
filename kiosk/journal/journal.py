"""The money journal: an append-only SQLite log of every yen the kiosk takes, gives or owes.

Each append is its own committed transaction (WAL, synchronous=FULL) before the call returns,
so the kiosk only acts on money facts that survive a crash. No code path updates or deletes a
row, and triggers refuse it at the database level too.

Storage faults: a file of reserved space lies beside the journal. When a write fails for lack of
space, the reserve is given up and the write tried once more, so the facts of the session in
progress still reach the disk; the failure is then raised as ``JournalOnReserve`` (a
``JournalWriteError`` whose row *was* written) and the kiosk goes out of service. Other storage
errors (read-only, I/O) leave the reserve alone: freeing space cannot help them. A journal
that existed is never silently replaced: a marker file beside it remembers that it was created,
and a missing, empty or damaged journal raises ``JournalDamaged``.
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
from kiosk.journal.balance import SessionBalance, balance_of, yen
from kiosk.journal.events import (
    IDENTIFIER, KIOSK_EVENTS, LATE_EVENTS, EventType, JournalEntryError, JournalEvent, check_entry, scrub_detail,
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


class JournalOnReserve(JournalWriteError):
    """The disk is full; this write still reached it, into the reserved space (``written``).

    Raised all the same: the kiosk must stop taking money and give back what it holds, and the
    freed space is what lets the rest of the session in progress (the return, the closing) be journaled.
    """

    def __init__(self, message: str, written: object) -> None:
        super().__init__(message)
        self.written = written


class JournalDamaged(OSError):
    """The journal is missing, empty, truncated or not a journal: never replaced by an empty one."""


class RefundNotPayable(ValueError):
    """Staff asked to settle a refund that is unknown, already paid or withdrawn: nothing was written."""


def reference_of(seq: int) -> str:
    """The short number a resident and the staff use for a refund: the row's sequence number."""
    return f"{seq:06d}"


_LETTERS_ONLY = str.maketrans("0123456789", "ghijklmnop")


def emergency_return_ref(session_id: str) -> str:
    """The cash unit's reference for giving escrow back when the journal can no longer be written.

    Letters only, so that recovery can write it in a row's detail unredacted.
    """
    return f"em-{session_id[:16].translate(_LETTERS_ONLY)}"


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


@dataclass(frozen=True)
class PaidRefund:
    reference: str
    session_id: str
    amount: int
    operator: str  # the operator token journaled with it, e.g. ``op-staff1``
    at: datetime

    def describe(self) -> str:
        return f"#{self.reference} {self.at.isoformat()} {self.session_id[:8]} paid {self.amount} yen by {self.operator}"


def parse_reference(text: str) -> int:
    """A refund reference as staff type it (``000123``, ``123``, ``#000123``, ``ref-000123``) -> its row seq."""
    digits = text.strip().removeprefix("#").removeprefix("ref-")
    if not digits.isascii() or not digits.isdigit() or int(digits) <= 0:
        raise RefundNotPayable("a refund reference is the number on the slip, e.g. 000123")
    return int(digits)


def operator_token(name: str) -> str:
    """The operator's id as journaled: one short token, ``op-`` first, that scrubbing keeps whole."""
    token = name if name.startswith("op-") else f"op-{name}"
    if token == "op-" or not IDENTIFIER.fullmatch(token) or scrub_detail(token) != token:
        # never echoed: it might be a name typed by mistake
        raise JournalEntryError("an operator id is one short token of letters, digits and '-', e.g. staff1")
    return token


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
        except sqlite3.DatabaseError as exc:
            raise JournalDamaged(f"{path}: not a readable journal ({exc})") from None
        try:
            mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode != "wal":
                raise JournalDamaged(f"{path}: the money journal needs WAL mode, SQLite gave {mode!r}")
            self._db.execute("PRAGMA synchronous=FULL")
            if self._db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise JournalDamaged(f"{path}: the journal is damaged (SQLite integrity check failed)")
            self._db.executescript(_SCHEMA)
        except (sqlite3.DatabaseError, JournalDamaged) as exc:
            self._db.close()  # a damaged file is left exactly as found, with no connection held on it
            if isinstance(exc, JournalDamaged):
                raise
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

    def withdraw_excess(self, session_id: str, note: str) -> int:
        """Withdraw refunds beyond what the session took and did not deliver, oldest first: the
        devices delivered what they were recorded as owed for (a return that gave back more than
        its own coins, a late answer, a late print). Returns the yen withdrawn."""
        excess = -self.session_balance(session_id).undelivered
        withdrawn = 0
        for refund in (r for r in self.refunds_owed() if r.session_id == session_id):
            if excess <= 0:
                break
            take = min(excess, refund.amount)
            self.record(session_id, EventType.REFUND_WITHDRAWN, take, f"{ref_token(int(refund.reference))} {note}")
            excess -= take
            withdrawn += take
        return withdrawn

    def refunds_owed(self) -> list[OwedRefund]:
        """Every refund still owed, oldest first: recorded as owed, less what was withdrawn or paid."""
        rows = self._refund_rows()
        settled = _settled_by_token(rows)
        refunds = []
        for e in rows:
            if e.type is EventType.REFUND_OWED:
                amount = yen(e) - settled.get(ref_token(e.seq), 0)
                if amount > 0:
                    refunds.append(OwedRefund(_session_of(e), amount, e.detail, e.at, e.resident_ref, reference_of(e.seq)))
        return refunds

    def refunds_paid(self) -> list[PaidRefund]:
        """Every refund staff settled by hand, oldest first (for reports)."""
        paid = []
        for e in self._select(f"SELECT {_COLUMNS} FROM events WHERE type = ? ORDER BY seq", EventType.REFUND_PAID.value):
            token, _, operator = e.detail.partition(" ")  # detail: ``ref-<seq> <operator>``
            paid.append(PaidRefund(token.removeprefix("ref-"), _session_of(e), yen(e), operator or "-", e.at))
        return paid

    def mark_refund_paid(self, reference: str, operator: str) -> JournalEvent:
        """Staff paid refund ``reference`` by hand: journal what was still owed on it, in its session.

        Checked and written in one transaction, so two tills cannot both pay it. Raises
        ``RefundNotPayable`` for an unknown reference, or one already paid or withdrawn.
        """
        seq = parse_reference(reference)
        who = operator_token(operator)

        def append() -> JournalEvent:
            row = self._db.execute(
                "SELECT session_id, amount FROM events WHERE seq = ? AND type = ?", (seq, EventType.REFUND_OWED.value)
            ).fetchone()
            if row is None:
                raise RefundNotPayable(f"refund {reference_of(seq)}: no such refund in the journal")
            session_id, owed = row
            token = ref_token(seq)
            withdrawn = self._sum_for_token(EventType.REFUND_WITHDRAWN, token)
            paid = self._sum_for_token(EventType.REFUND_PAID, token)
            left = owed - withdrawn - paid
            if left <= 0:
                why = "already paid" if paid else "withdrawn: the kiosk delivered after all, nothing is owed"
                raise RefundNotPayable(f"refund {reference_of(seq)}: {why}")
            ref = self._session_ref(session_id, closed_ok=True)
            return self._append(session_id, EventType.REFUND_PAID, left, f"{token} {who}", ref)

        return self._write(append)

    def unfinished_owed(self) -> list[tuple[str, int]]:
        """(session id, yen) that start-up recovery will owe for each session with no session_closed."""
        owed = []
        for session_id in self.unfinished_sessions():
            undelivered = self.session_balance(session_id).undelivered
            if undelivered > 0:
                owed.append((session_id, undelivered))
        return owed

    def unfinished_sessions(self) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT session_id FROM events WHERE type = ? AND session_id NOT IN "
                "(SELECT session_id FROM events WHERE type = ?) ORDER BY seq",
                (EventType.SESSION_OPENED.value, EventType.SESSION_CLOSED.value),
            ).fetchall()
        return [session_id for (session_id,) in rows]

    # --- internals -----------------------------------------------------------------------------
    def _refund_rows(self) -> list[JournalEvent]:
        return self._select(
            f"SELECT {_COLUMNS} FROM events WHERE type IN (?, ?, ?) ORDER BY seq",
            EventType.REFUND_OWED.value, EventType.REFUND_WITHDRAWN.value, EventType.REFUND_PAID.value,
        )

    def _sum_for_token(self, event_type: EventType, token: str) -> int:
        """Yen of the ``event_type`` rows about refund ``token`` (their detail's first word)."""
        row = self._db.execute(
            "SELECT COALESCE(SUM(amount), 0) FROM events WHERE type = ? AND (detail = ? OR detail LIKE ?)",
            (event_type.value, token, f"{token} %"),
        ).fetchone()
        total: int = row[0]  # COALESCE: never NULL
        return total

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
        """Run ``work`` in one committed transaction; when the disk is full, once more from the reserve."""
        with self._lock:
            try:
                return self._attempt(work)
            except _STORAGE_ERRORS as exc:
                if isinstance(exc, sqlite3.IntegrityError):
                    raise  # a refused row (append-only, a CHECK): a caller bug, not the disk
                if not _out_of_space(exc) or not self._release_reserve():
                    raise JournalWriteError(f"journal write failed: {exc}") from None
                try:  # the same facts once more, into the space we kept for this
                    written = self._attempt(work)
                except _STORAGE_ERRORS as again:
                    raise JournalWriteError(f"journal write failed: {again}") from None
                # The fact is on disk, but the disk is full: the caller must stop taking money now,
                # while the freed space still holds what the session in progress has left to write.
                raise JournalOnReserve(f"journal write failed: {exc} (written into the reserved space)", written)

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
        try:
            self._reserve.unlink()
        except OSError:  # the disk refuses even that (read-only, I/O error): no space to gain
            return False
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
        seq = cursor.lastrowid
        assert seq is not None  # an INSERT always sets it
        return JournalEvent(seq, session_id, at, event_type, amount, text, resident_ref)

    def _select(self, sql: str, *params: object) -> list[JournalEvent]:
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [
            JournalEvent(seq, session_id, datetime.fromisoformat(at), EventType(kind), amount, text, ref)
            for seq, session_id, at, kind, amount, text, ref in rows
        ]


def _settled_by_token(rows: list[JournalEvent]) -> dict[str, int]:
    """Yen withdrawn or paid per refund token (``ref-<seq>``, the first word of those rows' detail)."""
    settled: dict[str, int] = {}
    for e in rows:
        if e.type in (EventType.REFUND_WITHDRAWN, EventType.REFUND_PAID):
            token = e.detail.split(" ", 1)[0]
            settled[token] = settled.get(token, 0) + yen(e)
    return settled


def _session_of(event: JournalEvent) -> str:
    """The session of a refund row: only ``kiosk_started`` and the other kiosk events have none."""
    assert event.session_id is not None, f"#{event.seq} {event.type.value} has no session"
    return event.session_id


def open_existing(path: str | Path, clock: Clock) -> "MoneyJournal | None":
    """The journal at ``path`` for reading and settling, or None if this data directory never had one.

    Never creates one: a journal that existed and is gone raises ``JournalDamaged``.
    """
    path = Path(path)
    if not path.exists():
        _check_not_damaged(path, path.with_name(path.name + CREATED_SUFFIX))
        return None
    return MoneyJournal(path, clock)


# What a failing disk looks like from SQLite: full, read-only, I/O error (OperationalError), or a
# page it can no longer read back (DatabaseError). IntegrityError is a refused row, never the disk.
_STORAGE_ERRORS = (sqlite3.OperationalError, sqlite3.DatabaseError)


def _out_of_space(exc: Exception) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_FULL


def _check_not_damaged(path: Path, created: Path) -> None:
    """Refuse a journal that existed and is now gone, empty or not SQLite (before SQLite recreates it)."""
    if not path.exists():
        if created.exists():
            raise JournalDamaged(f"{path}: the journal is missing, though this data directory had one")
        return
    with open(path, "rb") as f:
        head = f.read(len(_SQLITE_MAGIC))
    if not head:
        if not created.exists():
            return  # a first start died between creating the file and its first page: it never held a row
        raise JournalDamaged(f"{path}: the journal is empty (0 bytes)")
    if head != _SQLITE_MAGIC:
        raise JournalDamaged(f"{path}: not a journal (not an SQLite file)")
