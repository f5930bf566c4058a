"""1,000 headless sessions in one process: sessions per second and RSS growth.

Each session is the common one: card, PIN, 住民票の写し, 1,000 yen, change, print, back to
attract — through the real flow, center, PKI, card emulator, journal and simulated devices.
Target: RSS growth ≤ 10 MB over the run (measured after a warm-up of 50 sessions).

    .venv/bin/python bench/core_sessions.py [--sessions N]
"""
from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

from kiosk import events as ev
from kiosk.bootstrap import build_kiosk
from kiosk.clock import ManualClock
from kiosk.config import load_config
from kiosk.kinds import CertificateKind
from kiosk.pin import Pin
from kiosk.provision import DEMO_REFERENCE_TIME, provision
from kiosk.session_view import Screen

WARM_UP = 50


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_session(kiosk, clock: ManualClock) -> None:
    post = kiosk.runtime.post
    kiosk.card.insert("sato-ichiro")
    post(ev.PinEntered(Pin("4721")))
    kiosk.card.remove()
    post(ev.KindChosen(CertificateKind.JUMINHYO))
    post(ev.OrderConfirmed())
    kiosk.cash.insert(1000)
    while kiosk.flow.screen is Screen.PRINTING:
        clock.advance(0.5)
        post(ev.Tick(clock.now()))
    post(ev.FinishTouched())
    assert kiosk.flow.screen is Screen.ATTRACT, kiosk.flow.view()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = dataclasses.replace(load_config(), data_dir=Path(tmp))
        provision(config)
        clock = ManualClock(DEMO_REFERENCE_TIME)
        kiosk = build_kiosk(config, clock=clock)
        kiosk.start()
        durations = []
        for i in range(args.sessions):
            if i == WARM_UP:
                rss_start = rss_mb()
                started = time.perf_counter()
            t0 = time.perf_counter()
            one_session(kiosk, clock)
            durations.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - started
        rss_end = rss_mb()
        kiosk.close()
    measured = args.sessions - WARM_UP
    print(f"sessions:            {args.sessions} ({WARM_UP} warm-up)")
    print(f"sessions per second: {measured / elapsed:.1f}")
    print(f"median session:      {statistics.median(durations[WARM_UP:]) * 1000:.2f} ms")
    print(f"RSS after warm-up:   {rss_start:.1f} MB")
    print(f"RSS at the end:      {rss_end:.1f} MB")
    print(f"RSS growth:          {rss_end - rss_start:+.1f} MB (target ≤ 10 MB)")


if __name__ == "__main__":
    main()
