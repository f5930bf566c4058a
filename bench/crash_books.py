"""The world against the books: what the devices physically did in a data directory, against
what its money journal says is still owed. Used by bench/crash.py after every restart.

The physical ledger (all sums over the whole data directory, in yen):

- put in = the simulated cash unit's ``credited`` counter (``cash_unit.json``); on the serial
  unit (``world`` given, bench/crash_serial.py) the notes its bill validator stacked and the coins
  its coin acceptor accepted, as the emulated devices count them, not as the kiosk does;
- given back = the simulated unit's ``returned`` + ``paid_out`` counters (cash retained after a
  jam is *not* given back: it is owed); on the serial unit the coins its hoppers paid out;
- printed = the fee of every job with a ``<job>.pdf`` in ``printed/``. A job's ``.title`` is
  the kiosk's request id; ``op-<seq>`` names the ``print_started`` row whose amount is the
  document's fee. Any other title (a receipt's ``rq-<n>``) is worth 0.

So the kiosk still owes ``expected = put in - given back - printed``. The journal says it owes
``owed`` = the sum of ``MoneyJournal.refunds_owed()`` (refunds net of those withdrawn or paid).

- owed twice = max(0, owed - expected): refunds for money that was in fact given back or
  printed for;
- lost = max(0, expected - owed): money taken and neither delivered nor owed;
- refunded then printed = printed documents whose fee a refund still pays back, plus held
  documents that could still print. Precisely, for each session S: take the ``.pdf`` jobs of
  S's documents (title ``op-<seq>`` of a ``print_started`` row of S) that S's journal does not
  count as delivered (no ``print_submitted`` *and* ``print_completed`` naming that job id, the
  pair ``balance_of`` counts as printed value); walking them in job order, each whose fee still
  fits in S's refunds owed with a reason mentioning ``print`` or ``interrupted`` counts once
  (and uses up its fee of them). Every ``.pending`` job of a document left after the restart
  counts too: a paused queue resumed later would print it;
- unfinished = sessions with no ``session_closed`` row;
- books = the lines of ``kiosk.journal.check.check_books`` against the unit's counters (the
  serial unit's from its own book, ``cash_unit.sqlite``).
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from hardware.cash.unit_book import UnitBook
from kiosk.clock import SystemClock
from kiosk.journal.check import check_books
from kiosk.journal.events import EventType
from kiosk.journal.journal import MoneyJournal
from kiosk.ports.cash import CashCounters

from crash_serial import World

SERIAL_BOOK = "cash_unit.sqlite"  # hardware/cash/serial_unit.py BOOK_FILE

_REFUND_FOR_PRINT = ("print", "interrupted")


@dataclass
class Figures:
    put_in: int = 0
    given_back: int = 0
    printed: int = 0
    owed: int = 0
    owed_twice: int = 0
    lost: int = 0
    refunded_printed: int = 0
    held: int = 0  # .pending jobs of documents (already counted in refunded_printed)
    unfinished: int = 0
    books: list[str] = field(default_factory=list)

    @property
    def expected(self) -> int:
        return self.put_in - self.given_back - self.printed

    @property
    def ok(self) -> bool:
        return not (self.owed_twice or self.lost or self.refunded_printed or self.unfinished or self.books)

    def describe(self, books: bool = True) -> str:
        text = (f"owed twice {self.owed_twice} yen, lost {self.lost} yen, refunded then printed "
                f"{self.refunded_printed} (held {self.held}), unfinished {self.unfinished}, books {len(self.books)} "
                f"(put in {self.put_in}, given back {self.given_back}, printed {self.printed}: expected owed "
                f"{self.expected}, journal owed {self.owed})")
        return text + "".join(f"\n      books: {line}" for line in self.books if books)


@dataclass(frozen=True)
class _Job:
    job_id: str
    title: str
    state: str  # "printed", "held", "failed" or "" (named only)


def figures(data_dir: Path, world: World | None = None) -> Figures:
    """The comparison after a restart; ``world``: what the serial unit's devices did (None: the
    simulated unit, whose state file is the world)."""
    counters = _counters(data_dir / "cash_unit.json") if world is None else _book_counters(data_dir / SERIAL_BOOK)
    jobs = _jobs(data_dir / "printed")
    journal = MoneyJournal(data_dir / "journal.sqlite", SystemClock())
    try:
        events = journal.events()
        refunds = journal.refunds_owed()
        unfinished = journal.unfinished_sessions()
        books = check_books(journal, counters)
    finally:
        journal.close()
    starts = {f"op-{e.seq}": e for e in events if e.type is EventType.PRINT_STARTED}
    f = Figures(put_in=counters.credited, given_back=counters.returned + counters.paid_out,
                owed=sum(r.amount for r in refunds), unfinished=len(unfinished), books=books)
    if world is not None:
        f.put_in, f.given_back = world.put_in, world.given_back
    f.printed = sum(starts[j.title].amount for j in jobs if j.state == "printed" and j.title in starts)
    f.owed_twice = max(0, f.owed - f.expected)
    f.lost = max(0, f.expected - f.owed)
    f.held = sum(1 for j in jobs if j.state == "held" and j.title in starts)
    f.refunded_printed = _refunded_printed(events, refunds, starts, jobs) + f.held
    return f


def _refunded_printed(events, refunds, starts, jobs) -> int:
    submitted = {(e.session_id, e.job_id) for e in events if e.type is EventType.PRINT_SUBMITTED}
    completed = {(e.session_id, e.job_id) for e in events if e.type is EventType.PRINT_COMPLETED}
    room: dict[str, int] = {}
    for r in refunds:
        if any(word in r.reason for word in _REFUND_FOR_PRINT):
            room[r.session_id] = room.get(r.session_id, 0) + r.amount
    count = 0
    for job in sorted(jobs, key=lambda j: j.job_id):
        start = starts.get(job.title)
        if job.state != "printed" or start is None or not start.amount:
            continue
        key = (start.session_id, job.job_id)
        if key in submitted and key in completed:
            continue  # the journal knows it was delivered
        if room.get(start.session_id, 0) >= start.amount:
            room[start.session_id] -= start.amount
            count += 1
    return count


def _counters(state_file: Path) -> CashCounters:
    # read the unit's memory directly: constructing the adapter could write a fresh state file
    if not state_file.exists():
        return CashCounters()
    state = json.loads(state_file.read_text(encoding="utf-8"))
    counted = {k: int(v) for k, v in state["counters"].items()}
    counted["escrow"] = sum(int(p) for p in state["escrow"])
    return CashCounters(**{f.name: counted.get(f.name, 0) for f in dataclasses.fields(CashCounters)})


def _book_counters(book_file: Path) -> CashCounters:
    if not book_file.exists():
        return CashCounters()
    book = UnitBook(book_file)  # the book alone, not the unit: nothing opens a port or polls
    try:
        return book.counters()
    finally:
        book.close()


def _jobs(printed_dir: Path) -> list[_Job]:
    jobs = []
    for title in sorted(printed_dir.glob("*.title")) if printed_dir.exists() else ():
        job_id = title.name[: -len(".title")]
        state = next((name for suffix, name in ((".pdf", "printed"), (".pending", "held"), (".failed", "failed"))
                      if (printed_dir / f"{job_id}{suffix}").exists()), "")
        jobs.append(_Job(job_id, title.read_text(encoding="utf-8"), state))
    return jobs
