"""Crash harness: kill the kiosk at every boundary of a scenario, restart it, and compare the
world (what the cash unit and the printer physically did) with the books (what the journal owes).

    .venv/bin/python bench/crash.py [--kills 60] [--seed 1] [--jobs 2] [--scenario NAME ...] [--cash serial]

For each scenario a traced run (``KIOSK_CRASH_TRACE``) learns its N boundaries (journal commits,
device calls, the cash unit's saves, the printer's job names: see kiosk/crashpoints.py). Then,
for a boundary k, a fresh data directory is provisioned from one template, the kiosk plays the
scenario on it in place with ``KIOSK_CRASH_AT=k`` and must die by SIGKILL there; it is
restarted (start-up runs recovery), compared, restarted again and compared again. Random kills
do the same with the parent sending SIGKILL after a seeded random delay. ``--kills`` is the
total budget: every boundary of every scenario first (a seeded sample when the budget is
smaller), what is left as random kills. Repeats of a periodic boundary (polling a held job) count
as one boundary: see ``distinct``.

The comparison is bench/crash_books.py (its docstring defines each figure). Output: one line per
failing kill (``-v``: its details, and a line for every kill), the figures per scenario, and
last ``kills N, owed twice X yen, lost Y yen, refunded then printed Z, unfinished U``: N counts
the runs that died by SIGKILL (a random kill that came after the run ended is compared all the
same, but is no kill), each figure is the worse of the two comparisons, summed over runs. Exit
status 0 only when every figure, the books check and every restart are clean. ``--keep DIR``
keeps the data directory of every failing kill there.

``--cash serial`` runs the kiosk on the serial cash unit (hardware/cash/serial_unit.py) with
cash emulators of each run's own that outlive the killed kiosk, and compares the books with what
those devices did (bench/crash_serial.py). The serial unit adds its own boundaries (``cash:credited``
between its book and the flow, ``cash:note_pending``/``cash:note_stacking`` around the STACK
command, ``cash:payout_planned``/``sent``/``settled`` around each hopper's dispense, ...).
Scenarios that use a fault no hand can cause at a serial device (``cash:fail_*``) are left out.

To replay one kill by hand, on a fresh copy D of a provisioned data directory:

    KIOSK_DATA_DIR=D KIOSK_CRASH_AT=k .venv/bin/python bench/crash_driver.py run SCENARIO.toml
    KIOSK_DATA_DIR=D .venv/bin/python bench/crash_driver.py restart

and on the serial unit, with emulators started first in a directory E (``crash_driver.py devices
E``, in another terminal), the same two commands with ``KIOSK_CRASH_SERIAL=E``.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crash_runs import FIGURES, Harness, Kill, Traced  # noqa: E402
from crash_serial import UNSUPPORTED  # noqa: E402
from kiosk.scenario import load_scenario  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OWN = Path(__file__).resolve().parent / "crash_scenarios"
SCENARIOS = [ROOT / "tests" / "scenarios" / f"{name}.toml" for name in (
    "happy_juminhyo_self",         # payment, printing
    "happy_overpay_exact_change",  # change
    "money_print_timeout_paused",  # a paused printer: the held job is cancelled and owed
    "money_cancel_returns_cash",   # cancel: escrow goes back
    "money_change_short",          # change the unit cannot pay is owed
    "money_cash_jam",              # escrow retained by a jammed unit is owed
)] + [OWN / "late_print_after_giving_up.toml"]  # a late answer after its session closed
# --scenario all: every scenario that moves money, and the harness's own
ALL = sorted({*SCENARIOS, *OWN.glob("*.toml"), *(
    p for p in (ROOT / "tests" / "scenarios").glob("*.toml") if p.stem.startswith(("happy_", "money_", "timing_")))})
# --- planning -------------------------------------------------------------------------------------
def distinct(boundaries: list[str], reach: int = 2) -> list[int]:
    """The boundaries (1-based) worth a kill each: the first of every run of repeats.

    A boundary is known by its name and the names ``reach`` either side. A periodic stretch (a
    print job polled every half second for five minutes) then gives one kill for its middle, as
    the 300th poll leaves the same world as the 3rd, while its first and last polls, next to
    something else, are kills of their own.
    """
    seen: set[tuple[str, ...]] = set()
    chosen = []
    for i in range(len(boundaries)):
        key = tuple(boundaries[max(0, i - reach): i + reach + 1]) + (str(min(i, reach)),)
        if key not in seen:
            seen.add(key)
            chosen.append(i + 1)
    return chosen


def plan(traced: list[Traced], budget: int, rng: random.Random) -> list[tuple[Traced, int | None, float | None]]:
    """(scenario, boundary k, None) for boundary kills, then (scenario, None, delay) for random ones."""
    candidates = {t.path: distinct(t.boundaries) for t in traced}
    share = {t.path: 0 for t in traced}
    left = budget
    while left and any(share[t.path] < len(candidates[t.path]) for t in traced):
        for t in traced:  # round robin, so a small budget still reaches every scenario
            if left and share[t.path] < len(candidates[t.path]):
                share[t.path] += 1
                left -= 1
    jobs: list[tuple[Traced, int | None, float | None]] = []
    for t in traced:
        ks = candidates[t.path]
        if share[t.path] < len(ks):
            ks = sorted(rng.sample(ks, share[t.path]))
        jobs += [(t, k, None) for k in ks]
    for i in range(left):
        t = traced[i % len(traced)]
        jobs.append((t, None, rng.uniform(0, t.seconds)))
    return jobs


def resolve(names: list[str]) -> list[Path]:
    """Scenario names (a file stem under tests/scenarios or bench/crash_scenarios), paths, or "all"."""
    if not names:
        return SCENARIOS
    paths: list[Path] = []
    for name in names:
        if name == "all":
            paths += ALL
            continue
        candidates = [Path(name), ROOT / "tests" / "scenarios" / f"{name}.toml", OWN / f"{name}.toml"]
        found = next((p for p in candidates if p.suffix == ".toml" and p.is_file()), None)
        if found is None:
            raise SystemExit(f"no scenario {name!r}")
        paths.append(found)
    return list(dict.fromkeys(paths))


# --- reporting ---------------------------------------------------------------------------------------

def summary(kills: list[Kill]) -> dict[str, int]:
    totals = {name: sum(k.worst(name) for k in kills) for name in FIGURES}
    totals["books"] = sum(max(len(f.books) for f in (k.first, k.second) if f) for k in kills if k.first)
    totals["errors"] = sum(len(k.errors) for k in kills)
    return totals


def report(traced: list[Traced], kills: list[Kill], footer: str = "", verbose: bool = False) -> int:
    for kill in kills:
        if not kill.ok:
            print(kill.line())
        elif verbose:
            state = "killed" if kill.died else "finished first"
            print(f"ok   {kill.scenario} {kill.where()} {state}")
        if verbose:
            print("\n".join(kill.details()))
    for t in traced:
        if not t.baseline.ok:
            print(t.baseline.line().replace("boundary 0", "without a kill"))
            print("\n".join(t.baseline.details()))
    for t in traced:
        mine = [k for k in kills if k.scenario == t.path.stem]
        hit = [k for k in mine if k.died]
        s = summary(mine)
        errors = sum(len(k.errors) for k in mine)
        print(f"{t.path.stem}: {len(t.boundaries)} boundaries ({len(distinct(t.boundaries))} distinct), {len(hit)} kills "
              f"({sum(1 for k in hit if k.at is None)} random, {len(mine) - len(hit)} finished first), "
              f"owed twice {s['owed_twice']} yen, lost {s['lost']} yen, refunded then printed {s['refunded_printed']}, "
              f"unfinished {s['unfinished']}, books {s['books']}, errors {errors}")
    if footer:
        print(footer)
    s = summary(kills)  # a random kill that came too late still had its run compared
    errors = sum(len(k.errors) for k in kills) + sum(len(t.baseline.errors) for t in traced)
    baseline_bad = sum(1 for t in traced if not t.baseline.ok)
    print(f"kills {sum(1 for k in kills if k.died)}, owed twice {s['owed_twice']} yen, lost {s['lost']} yen, "
          f"refunded then printed {s['refunded_printed']}, unfinished {s['unfinished']}")
    clean = not any(s[name] for name in (*FIGURES, "books")) and not errors and not baseline_bad
    return 0 if clean else 1


def serial_only(scenarios: list[Path]) -> tuple[list[Path], list[Path]]:
    """(the scenarios that can run on the serial unit, those left out: a fault no hand causes there)."""
    runnable: list[Path] = []
    left_out: list[Path] = []
    for path in scenarios:
        faults = {str(step.value) for step in load_scenario(path).steps if step.action == "fault"}
        (left_out if faults & UNSUPPORTED else runnable).append(path)
    return runnable, left_out


def run(scenarios: list[Path], kills: int, seed: int, jobs: int, work: Path,
        keep: Path | None = None, serial: bool = False) -> tuple[list[Traced], list[Kill]]:
    harness = Harness(work, jobs, keep=keep, serial=serial)
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            traced = list(pool.map(harness.trace, scenarios))
            planned = plan(traced, kills, random.Random(seed))

            def one(job) -> Kill:
                t, k, delay = job
                if k is not None:
                    return harness.kill_at(t.path, k, t.boundaries[k - 1])
                return harness.kill_after(t.path, delay)

            return traced, list(pool.map(one, planned))
    finally:
        harness.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=60, help="total kill budget (default 60)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--scenario", action="append", default=[],
                        help='restrict to this scenario (repeatable); "all" for every scenario that moves money')
    parser.add_argument("-v", "--verbose", action="store_true", help="a line for every kill, not only the failing ones")
    parser.add_argument("--keep", type=Path, help="keep the data directory of every failing kill in this folder")
    parser.add_argument("--cash", choices=("simulated", "serial"), default="simulated",
                        help="the cash unit: simulated (default), or serial on cash emulators of each run's own")
    args = parser.parse_args(argv)
    scenarios = resolve(args.scenario)
    serial = args.cash == "serial"
    if serial:
        scenarios, left_out = serial_only(scenarios)
        if left_out:
            print(f"left out on the serial unit (a cash:fail_* fault no hand causes there): "
                  f"{', '.join(p.stem for p in left_out)}")
        if not scenarios:
            raise SystemExit("no scenario left to run on the serial unit")
    started = time.monotonic()
    # tmpfs when there is one: SIGKILL loses no page cache, so the disk's fsyncs would only cost time
    base = "/dev/shm" if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="kiosk-crash-", dir=base) as tmp:
        traced, kills = run(scenarios, args.kills, args.seed, max(1, args.jobs), Path(tmp), args.keep, serial)
        footer = f"wall {time.monotonic() - started:.1f} s, {args.jobs} jobs, seed {args.seed}, cash {args.cash}"
        return report(traced, kills, footer=footer, verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
