"""The serial cash unit's own non-volatile memory: one SQLite file, written before anyone is told.

A real cash unit keeps its escrow, its counters and the result of each referenced operation
through a power cut; the devices behind the serial unit keep only part of that (a ccTalk
acceptor its event counter, a hopper its last payout's paid and unpaid, an ID-003 validator the
state of the note it holds). This book keeps the rest, so that after a crash the unit can say
what happened and ask the devices only what they alone know:

- ``held``: yen credited (a note stacked, a coin counted) and not yet taken or given back;
  ``held_notes`` is the part that came as notes (they stay in the cash box whatever happens).
- ``coin_counter``: the acceptor's last event counter the unit has credited up to.
- ``pending_note``: yen of the note the unit told the validator to stack and has not credited.
- operations by ref (finished or not), and the payout steps of each dispense with the hopper's
  event counter before the command, so an interrupted payout is settled from the hopper's
  own counters.

Every change is one transaction (WAL, synchronous=FULL): a kill between two calls loses nothing.
"""
from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from kiosk.ports.cash import CashCounters, CashOperation, CashOperationKind

_SCHEMA = """
CREATE TABLE IF NOT EXISTS figures (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS operations (
    ref TEXT PRIMARY KEY, kind TEXT NOT NULL, amount INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0, unpaid INTEGER NOT NULL DEFAULT 0, finished INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS payout_steps (
    ref TEXT NOT NULL, seq INTEGER NOT NULL, address INTEGER NOT NULL, coin INTEGER NOT NULL,
    pieces INTEGER NOT NULL, counter_before INTEGER NOT NULL,
    paid INTEGER, unpaid INTEGER,
    PRIMARY KEY (ref, seq)
);
"""
_COUNTERS = ("credited", "stacked", "returned", "paid_out", "retained", "collected", "topped_up")
_KEEP_OPERATIONS = 2000


@dataclass(frozen=True)
class PayoutStep:
    ref: str
    seq: int
    address: int
    coin: int  # yen per piece
    pieces: int
    counter_before: int  # the hopper's event counter before the dispense command
    paid: int | None  # pieces, once known
    unpaid: int | None


class UnitBook:
    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    # --- figures ------------------------------------------------------------------------------
    def figure(self, name: str, default: int = 0) -> int:
        with self._lock:
            row = self._db.execute("SELECT value FROM figures WHERE name = ?", (name,)).fetchone()
        return default if row is None else int(row[0])

    def optional(self, name: str) -> int | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM figures WHERE name = ?", (name,)).fetchone()
        return None if row is None else int(row[0])

    def change(self, add: dict[str, int] | None = None, put: dict[str, int | None] | None = None) -> None:
        """In one transaction: add to figures, and set (or, with None, forget) others."""
        with self._lock, self._transaction():
            self._apply(add or {}, put or {})

    def _apply(self, add: dict[str, int], put: dict[str, int | None]) -> None:
        for name, delta in add.items():
            self._db.execute("INSERT INTO figures VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + ?",
                             (name, delta, delta))
        for name, value in put.items():
            if value is None:
                self._db.execute("DELETE FROM figures WHERE name = ?", (name,))
            else:
                self._db.execute("INSERT INTO figures VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = ?",
                                 (name, value, value))

    def counters(self) -> CashCounters:
        values = {name: self.figure(name) for name in _COUNTERS}
        return CashCounters(escrow=self.figure("held"), **values)

    # --- operations ------------------------------------------------------------------------------
    def operation(self, ref: str) -> tuple[CashOperation, bool, int] | None:
        """(what it did so far, finished, amount asked) for a ref, or None if never started."""
        with self._lock:
            row = self._db.execute("SELECT kind, done, unpaid, finished, amount FROM operations WHERE ref = ?",
                                   (ref,)).fetchone()
        if row is None:
            return None
        return CashOperation(CashOperationKind(row[0]), int(row[1]), int(row[2])), bool(row[3]), int(row[4])

    def begin(self, ref: str, kind: CashOperationKind, amount: int) -> None:
        with self._lock, self._transaction():
            self._db.execute("INSERT INTO operations (ref, kind, amount) VALUES (?, ?, ?)", (ref, kind.value, amount))
            self._db.execute(
                "DELETE FROM operations WHERE finished = 1 AND rowid <= (SELECT MAX(rowid) FROM operations) - ?",
                (_KEEP_OPERATIONS,))

    def finish(self, ref: str, done: int, unpaid: int, add: dict[str, int], put: dict[str, int | None] | None = None
               ) -> None:
        """The operation's result and the figures it moved, in one transaction."""
        with self._lock, self._transaction():
            self._db.execute("UPDATE operations SET done = ?, unpaid = ?, finished = 1 WHERE ref = ?",
                             (done, unpaid, ref))
            self._apply(add, put or {})

    def once(self, ref: str, kind: CashOperationKind, done: int, add: dict[str, int]) -> None:
        """An operation that moves nothing at a device (a stack of credited money), done at once."""
        with self._lock, self._transaction():
            self._db.execute("INSERT INTO operations (ref, kind, amount, done, finished) VALUES (?, ?, ?, ?, 1)",
                             (ref, kind.value, done, done))
            self._apply(add, {})

    def unfinished(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT ref FROM operations WHERE finished = 0 ORDER BY rowid")]

    # --- payout steps -------------------------------------------------------------------------------
    def plan_step(self, step: PayoutStep) -> None:
        with self._lock, self._transaction():
            self._db.execute("INSERT INTO payout_steps VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)",
                             (step.ref, step.seq, step.address, step.coin, step.pieces, step.counter_before))

    def settle_step(self, ref: str, seq: int, paid: int, unpaid: int) -> None:
        with self._lock, self._transaction():
            self._db.execute("UPDATE payout_steps SET paid = ?, unpaid = ? WHERE ref = ? AND seq = ?",
                             (paid, unpaid, ref, seq))

    def steps(self, ref: str) -> list[PayoutStep]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM payout_steps WHERE ref = ? ORDER BY seq", (ref,)).fetchall()
        return [PayoutStep(*row) for row in rows]

    def _transaction(self) -> "_Transaction":
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
