"""bench/grpc_floor.py runs end to end (a real server process over mutual TLS) and prints its ceiling."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_floor_bench_measures_calls_and_prints_the_ceiling(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "grpc_floor.py"), "--channels", "2", "--seconds", "0.5",
         "--rounds", "1", "--cache", str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    calls = re.search(r"round 1: (\d+) calls", done.stdout)
    assert calls and int(calls.group(1)) > 0, done.stdout
    ceiling = re.search(r"floor per session \(6 calls \+ 1 signature\): ([\d.]+) ms CPU; \d+ cores carry at most "
                        r"(\d+) sessions/s", done.stdout.splitlines()[-1])
    assert ceiling and float(ceiling.group(1)) > 0 and int(ceiling.group(2)) > 0, done.stdout
