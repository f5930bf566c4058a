"""The serial cash unit's latencies and line load, on its emulators at real line speed.

    .venv/bin/python bench/cash.py [--notes 20] [--coins 40] [--payout 10] [--payout-repeats 5]
                                   [--idle 5] [--poll 0.1] [--pace 1] [--payout-ms 80] [--seed 1]

Starts the two ``kiosk cash-emulator`` processes (hardware/cash/emulator/processes.py) on
pseudo-terminals in a temp dir, at ``--pace 1``: every byte a device sends takes its real time at
9600 baud (1.15 ms for ID-003's 8E1, 1.04 ms for ccTalk's 8N1, after a 10 ms reply latency) and
the devices take their real time (the validator 0.4 s to draw a note to escrow, 0.5 s to stack
it; a hopper one coin every ``--payout-ms``). A SerialCashUnit with its default options (poll
interval 0.1 s unless ``--poll``) opens their links, its book in the temp dir, and is enabled
with more due than the run inserts, so it takes everything. ``--pace 0`` runs the devices as fast
as they can (the smoke test; the device-time ratios are then not meaningful and print n/a).

What each figure measures (every time is time.perf_counter() in this process; the unit's poll
threads are in this process too):

- note: from the escrow report (the moment the unit's ``Id003Link.status()`` returns a status
  request's reply ESCROW, taken by wrapping that method) to the listener receiving CashCredited.
  In between: the unit writes the note down and sends STACK, the validator stacks for 0.5 s and
  reports VEND VALID at the next status request, the unit writes the credit to its book
  (``UnitBook.change``, also wrapped: "journaled"; checked to come before the listener hears it)
  and tells the listener ("shown"). Printed: p50 and p90, its parts (escrow report → VEND VALID
  read, → journaled, → shown) and the ratio to the validator's own stacking time, i.e. how much
  the host's polling adds to what the device takes anyway. Also insert → credit shown, which
  adds the 0.4 s the note takes to reach escrow and the wait for the poll that reports it. Each
  ¥1,000 note is inserted through the control channel once the validator is idle again, after a
  random wait of up to one poll interval, so inserts fall at random points of the poll cycle.
- coin: from the control channel's ``insert`` of a ¥100 coin returning (the emulated acceptor
  has counted the coin into its event buffer by then) to CashCredited at the listener: the wait
  for the next bus round, its READ BUFFERED CREDIT (229) exchange at line speed and the book's
  write. Also printed: the median duration of one 229 exchange as the unit sees it. Inserts are
  spaced by a random wait of up to one poll interval.
- payout: wall time of ``dispense(N × ¥100)`` returning Dispensed(N × ¥100, unpaid 0), median
  over ``--payout-repeats``, and per coin; compared with the hopper's own time (N coins × the
  emulator's ``--payout-ms``, the device's speed, the first coin one interval after the command),
  as a ratio and as the milliseconds the host adds (its book writes, enable, status before, the
  dispense command, status polls until the hopper's counter says done). So that the N coins are
  one hopper's payout, this part runs on a second SerialCashUnit (same emulators, own book)
  configured with the ¥100 hopper only: with all four, N × ¥100 would go out mostly in ¥500s.
- polling: bytes per second crossing each line while the unit is enabled and nothing happens,
  over ``--idle`` seconds, from the emulators' own line counters (``line.bytes_in``: host to
  device; ``line.bytes_out``: device to host). ID-003 is full duplex, so each direction is given
  against its capacity (9600 baud / 11 bits per byte = 872.7 B/s); its total is the sum of both.
  ccTalk is one shared wire: what the host sends comes back to it as echo, so the wire carries
  the host's bytes plus the devices' replies (bytes_out − bytes_in), against 9600 / 10 = 960 B/s.

The last line is the summary: note→credit p50, coin→credit p50, the payout and its ratio to the
hopper's own time, and the idle polling of the bills line (both directions) and the coin bus.
Processes and temp files are removed on exit, on Ctrl-C and on SIGTERM.
"""
from __future__ import annotations

import argparse
import contextlib
import queue
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hardware.cash.cctalk_coin_acceptor import CoinAcceptor
from hardware.cash.emulator.id003 import _DWELL
from hardware.cash.emulator.id003 import Status as EmulatedStatus
from hardware.cash.emulator.processes import (
    HOPPERS,
    EmulatedCashDevices,
    EmulatorProcess,
)
from hardware.cash.id003_link import Id003Link, Id003Status
from hardware.cash.id003_protocol import Status
from hardware.cash.serial_unit import SerialCashUnit
from hardware.cash.unit_book import UnitBook
from kiosk.ports.cash import CashCredited, CashEvent, CashRejected

BAUD = 9600
BITS_8E1, BITS_8N1 = 11, 10  # start + 8 data (+ parity) + stop
NOTE, COIN = 1000, 100
WAIT = 15.0  # seconds for any one step before the bench gives up
BUSY_CODES = {0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1B}  # validator still busy (tests/cash_rig.py)
# the emulated validator's own times at pace 1 (hardware/cash/emulator/id003.py)
ACCEPT_SECONDS = _DWELL[EmulatedStatus.ACCEPTING]
STACK_SECONDS = _DWELL[EmulatedStatus.STACKING]


# --- instruments ---------------------------------------------------------------------------------
class Marks:
    """Moments the unit's own threads pass, recorded by wrapping three methods of the unit's classes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._marks: list[tuple[float, str]] = []
        self.exchanges_229: list[float] = []

    def mark(self, what: str) -> None:
        t = time.perf_counter()
        with self._lock:
            self._marks.append((t, what))

    def first(self, what: str, after: float) -> float:
        with self._lock:
            found = [t for t, w in self._marks if w == what and t >= after]
        if not found:
            raise RuntimeError(f"no {what} seen after the insert")
        return found[0]

    def clear(self) -> None:
        with self._lock:
            self._marks.clear()

    def install(self) -> None:
        status, change, read_buffered = Id003Link.status, UnitBook.change, CoinAcceptor.read_buffered
        marks = self

        def timed_status(link: Id003Link) -> Id003Status:
            reply = status(link)
            if reply.code == Status.ESCROW:
                marks.mark("escrow")
            elif reply.code == Status.VEND_VALID:
                marks.mark("vend_valid")
            return reply

        def timed_change(book: UnitBook, add: dict[str, int] | None = None,
                         put: dict[str, int | None] | None = None) -> None:
            change(book, add, put)
            if add and add.get("credited"):
                marks.mark("journaled")

        def timed_read(acceptor: CoinAcceptor) -> Any:
            start = time.perf_counter()
            reply = read_buffered(acceptor)
            marks.exchanges_229.append(time.perf_counter() - start)
            return reply

        setattr(Id003Link, "status", timed_status)  # noqa: B010  (mypy refuses to reassign a method)
        setattr(UnitBook, "change", timed_change)  # noqa: B010
        setattr(CoinAcceptor, "read_buffered", timed_read)  # noqa: B010


class Listener:
    """The flow's end: every event with the moment it was heard."""

    def __init__(self) -> None:
        self._events: queue.SimpleQueue[tuple[float, CashEvent]] = queue.SimpleQueue()

    def __call__(self, event: CashEvent) -> None:
        self._events.put((time.perf_counter(), event))

    def drain(self) -> None:
        while not self._events.empty():
            self._events.get_nowait()

    def credit(self, yen: int) -> float:
        """The moment the next CashCredited was heard (health changes are skipped; a refusal is an error)."""
        deadline = time.monotonic() + WAIT
        while True:
            try:
                t, event = self._events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(f"no credit of ¥{yen} within {WAIT:.0f} s") from None
            if isinstance(event, CashRejected):
                raise RuntimeError(f"the ¥{yen} was rejected ({event.reason})")  # noqa: TRY004  (not a type error)
            if isinstance(event, CashCredited):
                if event.denomination != yen:
                    raise RuntimeError(f"credited ¥{event.denomination}, inserted ¥{yen}")
                return t


# --- helpers -------------------------------------------------------------------------------------
def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.01)


def p50(values: list[float]) -> float:
    return statistics.median(values)


def p90(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def ratio(measured: float, own: float) -> str:
    return f"{measured / own:.2f}x" if own > 0 else "n/a"


def start_unit(devices: EmulatedCashDevices, book: Path, listener: Listener, poll: float,
               **options: Any) -> SerialCashUnit:
    opts = devices.unit_options()
    unit = SerialCashUnit(bill_port=opts["bill_port"], coin_port=opts["coin_port"], bill_parity=opts["bill_parity"],
                          book=book, poll_interval=poll, **options)
    unit.set_listener(listener)
    try:
        wait_for(lambda: unit.health().ok, "the unit's devices to come up")
    except BaseException:
        unit.close()
        raise
    return unit


@contextlib.contextmanager
def signals_deferred() -> Iterator[list[int]]:
    """SIGINT/SIGTERM held while the emulators start (a half-started pair would be left running),
    then raised as KeyboardInterrupt once both can be stopped."""
    caught: list[int] = []
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum))
                for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield caught
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


# --- the parts -----------------------------------------------------------------------------------
def insert_note(validator: EmulatorProcess) -> float:
    """Like a resident: tries again while the validator is still busy with the last note."""
    deadline = time.monotonic() + WAIT
    while True:
        reply = validator.control("insert", yen=NOTE)
        if reply["result"] == "accepting":
            return time.perf_counter()
        if reply["result"] != "refused" or reply["status_code"] not in BUSY_CODES or time.monotonic() > deadline:
            raise RuntimeError(f"the validator did not take the note: {reply.get('why', reply['result'])}")
        time.sleep(0.005)


def measure_notes(devices: EmulatedCashDevices, listener: Listener, marks: Marks, count: int, poll: float,
                  rng: random.Random) -> dict[str, list[float]]:
    parts: dict[str, list[float]] = {k: [] for k in ("escrow_shown", "escrow_vend", "vend_journal",
                                                     "journal_shown", "insert_shown", "insert_escrow")}
    for _ in range(count):
        wait_for(lambda: devices.notes.control("state")["status"] == "ENABLE", "the validator to be idle")
        time.sleep(rng.uniform(0, poll))
        listener.drain()
        marks.clear()
        before = time.perf_counter()
        inserted = insert_note(devices.notes)
        shown = listener.credit(NOTE)
        escrow = marks.first("escrow", before)
        vend = marks.first("vend_valid", escrow)
        journaled = marks.first("journaled", vend)
        if not journaled <= shown:
            raise RuntimeError("the credit was shown before it was journaled")
        parts["escrow_shown"].append(shown - escrow)
        parts["escrow_vend"].append(vend - escrow)
        parts["vend_journal"].append(journaled - vend)
        parts["journal_shown"].append(shown - journaled)
        parts["insert_shown"].append(shown - inserted)
        parts["insert_escrow"].append(escrow - inserted)
    return parts


def measure_coins(devices: EmulatedCashDevices, listener: Listener, marks: Marks, count: int, poll: float,
                  rng: random.Random) -> list[float]:
    times = []
    for _ in range(count):
        time.sleep(rng.uniform(0, poll))
        listener.drain()
        marks.clear()
        reply = devices.coins.control("insert", yen=COIN)
        inserted = time.perf_counter()
        if reply["result"] != "credited":
            raise RuntimeError(f"the acceptor did not take the coin: {reply}")
        shown = listener.credit(COIN)
        journaled = marks.first("journaled", inserted)
        if not journaled <= shown:
            raise RuntimeError("the credit was shown before it was journaled")
        times.append(shown - inserted)
    return times


def line_counters(devices: EmulatedCashDevices) -> tuple[dict[str, int], dict[str, int]]:
    return devices.notes.control("state")["line"], devices.coins.control("state")["line"]


def measure_idle(devices: EmulatedCashDevices, seconds: float) -> dict[str, float]:
    bills0, coins0 = line_counters(devices)
    start = time.perf_counter()
    time.sleep(seconds)
    bills1, coins1 = line_counters(devices)
    elapsed = time.perf_counter() - start
    coins_in = coins1["bytes_in"] - coins0["bytes_in"]
    coins_out = coins1["bytes_out"] - coins0["bytes_out"]
    return {
        "seconds": elapsed,
        "bills_in": (bills1["bytes_in"] - bills0["bytes_in"]) / elapsed,
        "bills_out": (bills1["bytes_out"] - bills0["bytes_out"]) / elapsed,
        "coins_in": coins_in / elapsed,
        "coins_replies": (coins_out - coins_in) / elapsed,  # bytes_out = the echo of every host byte + replies
    }


def measure_payout(devices: EmulatedCashDevices, unit: SerialCashUnit, coins: int, repeats: int,
                   rng: random.Random, poll: float) -> list[float]:
    devices.coins.control("set_hopper", yen=COIN, count=coins * repeats + 10)
    times = []
    for r in range(repeats):
        time.sleep(rng.uniform(0, poll))
        paid_before = devices.coins.control("state")["hoppers"][str(COIN)]["paid_total"]
        start = time.perf_counter()
        result = unit.dispense(coins * COIN, f"bench-payout-{r}")
        times.append(time.perf_counter() - start)
        if (result.dispensed, result.unpaid) != (coins * COIN, 0):
            raise RuntimeError(f"payout {r}: paid {result.dispensed}, unpaid {result.unpaid}")
        paid = devices.coins.control("state")["hoppers"][str(COIN)]["paid_total"] - paid_before
        if paid != coins:
            raise RuntimeError(f"payout {r}: the hopper paid {paid} coins, not {coins}")
    return times


# --- main ----------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, default=20, help="¥1,000 notes timed (default 20)")
    parser.add_argument("--coins", type=int, default=40, help="¥100 coins timed (default 40)")
    parser.add_argument("--payout", type=int, default=10, help="coins in each payout (default 10)")
    parser.add_argument("--payout-repeats", type=int, default=5, help="payouts timed (default 5)")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of idle polling counted (default 5)")
    parser.add_argument("--poll", type=float, default=0.1, help="the unit's poll interval in s (default 0.1)")
    parser.add_argument("--pace", type=float, default=1.0, help="emulator pace: 1 real timing, 0 fast (default 1)")
    parser.add_argument("--payout-ms", type=float, default=80.0, help="the hoppers' time per coin (default 80)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random waits between inserts")
    args = parser.parse_args()
    if min(args.notes, args.coins, args.payout, args.payout_repeats) < 1 or args.idle <= 0 or args.poll <= 0:
        parser.error("counts must be at least 1, --idle and --poll above 0")
    if not 1 <= args.payout <= 255:
        parser.error("--payout: 1 to 255 coins (one dispense command)")

    rng = random.Random(args.seed)
    marks = Marks()
    marks.install()
    listener = Listener()
    signal.signal(signal.SIGTERM, _interrupt)
    with tempfile.TemporaryDirectory(prefix="bench-cash-") as work_name:
        work = Path(work_name)
        with signals_deferred() as caught:
            # every denomination's hopper full enough: nothing the run inserts or pays can run short
            devices = EmulatedCashDevices(work, float_counts={yen: 200 for yen in HOPPERS}, pace=args.pace,
                                          payout_ms=args.payout_ms)
        unit: SerialCashUnit | None = None
        try:
            if caught:
                raise KeyboardInterrupt(f"signal {caught[0]}")
            started = time.perf_counter()
            unit = start_unit(devices, work / "cash_unit.sqlite", listener, args.poll)
            unit.enable(10**9)
            startup = time.perf_counter() - started
            wait_for(lambda: not devices.notes.control("state")["inhibited"], "the validator to be enabled")
            wait_for(lambda: devices.coins.control("state")["acceptor"]["master"], "the acceptor to be enabled")
            time.sleep(max(0.5, 5 * args.poll))  # a few quiet rounds before counting
            idle = measure_idle(devices, args.idle)
            notes = measure_notes(devices, listener, marks, args.notes, args.poll, rng)
            coins = measure_coins(devices, listener, marks, args.coins, args.poll, rng)
            exchanges_229 = list(marks.exchanges_229)
            unit.close()
            unit = None
            unit = start_unit(devices, work / "payout_unit.sqlite", listener, args.poll, hoppers=(HOPPERS[COIN],))
            payouts = measure_payout(devices, unit, args.payout, args.payout_repeats, rng, args.poll)
        finally:
            if unit is not None:
                unit.close()
            devices.stop()

    report(args, startup, idle, notes, coins, exchanges_229, payouts)
    return 0


def report(args: argparse.Namespace, startup: float, idle: dict[str, float], notes: dict[str, list[float]],
           coins: list[float], exchanges_229: list[float], payouts: list[float]) -> None:
    pace, poll = args.pace, args.poll
    timing = {1: "real 9600-baud line and device timing", 0: "as fast as the emulators go"}.get(pace, "scaled timing")
    print(f"serial cash unit on its emulators: pace {pace:g} ({timing}), "
          f"poll interval {poll * 1e3:.0f} ms, hoppers {args.payout_ms:g} ms a coin; unit up in {ms(startup)}")

    stack = STACK_SECONDS * pace
    e = notes["escrow_shown"]
    print(f"notes (¥1,000 x {args.notes}): escrow report -> credit journaled and shown: p50 {ms(p50(e))}, "
          f"p90 {ms(p90(e))}; {ratio(p50(e), stack)} the validator's own stacking time ({ms(stack)})")
    print(f"  parts (p50): escrow report -> VEND VALID read {ms(p50(notes['escrow_vend']))}, "
          f"-> credit journaled {ms(p50(notes['vend_journal']))}, -> shown {ms(p50(notes['journal_shown']))}")
    i = notes["insert_shown"]
    print(f"  insert -> credit shown: p50 {ms(p50(i))}, p90 {ms(p90(i))} (insert -> escrow report "
          f"p50 {ms(p50(notes['insert_escrow']))}, of which the note's travel to escrow is {ms(ACCEPT_SECONDS * pace)})")

    print(f"coins (¥100 x {args.coins}): insert -> credit journaled and shown: p50 {ms(p50(coins))}, "
          f"p90 {ms(p90(coins))}; one 229 poll exchange p50 {ms(p50(exchanges_229))} "
          f"(the acceptor itself adds nothing: the coin is in its buffer when the insert returns)")

    n = args.payout
    own = n * args.payout_ms / 1000
    pay = p50(payouts)
    print(f"payout of {n} x ¥100 from one hopper (x{args.payout_repeats}): p50 {ms(pay)}, p90 {ms(p90(payouts))}, "
          f"{ms(pay / n)} a coin; the hopper's own time {ms(own)}: {ratio(pay, own)}, the host adds {ms(pay - own)}")

    bill_cap, coin_cap = BAUD / BITS_8E1, BAUD / BITS_8N1
    bills_total = idle["bills_in"] + idle["bills_out"]
    coins_wire = idle["coins_in"] + idle["coins_replies"]
    print(f"idle polling over {idle['seconds']:.1f} s:")
    print(f"  bills (ID-003, 8E1 full duplex, {bill_cap:.1f} B/s each way): host->validator {idle['bills_in']:.1f} B/s "
          f"({idle['bills_in'] / bill_cap:.1%}), validator->host {idle['bills_out']:.1f} B/s "
          f"({idle['bills_out'] / bill_cap:.1%}), both {bills_total:.1f} B/s")
    print(f"  coins (ccTalk, 8N1 one wire, {coin_cap:.0f} B/s): host {idle['coins_in']:.1f} B/s, "
          f"replies {idle['coins_replies']:.1f} B/s, on the wire {coins_wire:.1f} B/s ({coins_wire / coin_cap:.1%}; "
          f"the host also reads its {idle['coins_in']:.1f} B/s back as echo)")

    print(f"note→credit p50 {p50(e) * 1e3:.0f} ms, coin→credit p50 {p50(coins) * 1e3:.0f} ms, "
          f"payout {n} coins {pay * 1e3:.0f} ms ({ratio(pay, own).replace('x', '×')} the hopper's own time), "
          f"polling {bills_total:.0f} B/s (bills) {coins_wire:.0f} B/s (coins)")


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:
        print("interrupted: emulators stopped", file=sys.stderr)
        raise SystemExit(130)
