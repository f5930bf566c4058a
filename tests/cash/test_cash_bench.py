"""bench/cash.py runs end to end (both emulators as processes, a SerialCashUnit on their ptys) and
prints its summary line with positive figures."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SUMMARY = re.compile(
    r"note→credit p50 (\d+) ms, coin→credit p50 (\d+) ms, payout 2 coins (\d+) ms "
    r"\(([\d.]+)× the hopper's own time\), polling (\d+) B/s \(bills\) (\d+) B/s \(coins\)$"
)


def test_the_cash_bench_times_notes_coins_a_payout_and_idle_polling() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "cash.py"), "--notes", "2", "--coins", "2", "--payout", "2",
         "--payout-repeats", "2", "--idle", "0.5", "--pace", "0"],
        check=False, capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    last = done.stdout.strip().splitlines()[-1]
    found = SUMMARY.fullmatch(last)
    assert found, done.stdout
    note, coin, payout, times_own, bills, coins = found.groups()
    assert all(int(figure) > 0 for figure in (note, coin, payout, bills, coins)), last
    assert float(times_own) >= 1.0, last  # the host cannot pay faster than the hopper pays
