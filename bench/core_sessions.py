"""1,000 headless sessions in one process: sessions per second, RSS growth, and where the time goes.

Each session is the common one: card, PIN, 住民票の写し, 1,000 yen, change, print, back to
attract — through the real flow, center, PKI, card emulator, journal and simulated devices.
Target: RSS growth ≤ 10 MB over a run (measured after a warm-up of 50 sessions).

Where the time goes: timing wrappers, put on the flow and the ports in this benchmark only,
split each session into the flow's own work (inside ``SessionFlow.handle``, less the journal
writes it makes), the journal writes, rendering, the card (its cryptography), the center
(checking the signature, offers, issuing), the cash unit and the printer; the rest is the
runtime, the simulated devices' own controls and this loop. Each figure is the median over
``--runs`` runs (each on a fresh data directory) of that run's mean per session.

    .venv/bin/python bench/core_sessions.py [--sessions N] [--runs R]
"""
from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

from kiosk import events as ev
from app.bootstrap import build_kiosk
from kiosk.clock import ManualClock
from kiosk.config import load_config
from kiosk.kinds import CertificateKind
from kiosk.pin import Pin
from app.provision import DEMO_REFERENCE_TIME, copy_provisioned, provision
from kiosk.session_view import Screen

WARM_UP = 50

# part: (the Kiosk attribute, the methods timed). Only calls the runtime makes: the simulated
# devices' own controls (card.insert, cash.insert) call back into the flow and would count it twice.
PARTS = {
    "flow": ("flow", ("handle",)),
    "journal": ("journal", ("record", "open_session", "close_session")),
    "renderer": ("renderer", ("render", "render_receipt", "self_test")),
    "card": ("card", ("probe", "verify_and_sign")),
    "center": ("center", ("new_challenge", "authenticate", "offers", "issue", "end")),
    "cash": ("cash", ("enable", "disable", "stack", "return_held", "dispense", "outcome", "health")),
    "printer": ("printer", ("submit", "find_job", "job_status", "cancel", "health")),
}
LABELS = {
    "flow_own": "flow's own work (handle − journal)",
    "journal": "journal writes (inside handle)",
    "renderer": "rendering (reportlab, seal)",
    "card": "card (emulator, RSA signature)",
    "center": "center (verify, offers, issue)",
    "cash": "cash unit calls",
    "printer": "printer calls",
    "other": "everything else",
    "session": "whole session",
}


class Stopwatch:
    """Seconds spent inside each part's methods; a part's calls nested in its own count once."""

    def __init__(self) -> None:
        self.totals = dict.fromkeys(PARTS, 0.0)
        self._depth = dict.fromkeys(PARTS, 0)

    def install(self, kiosk) -> None:
        for part, (attribute, methods) in PARTS.items():
            target = getattr(kiosk, attribute)
            for name in methods:
                # an instance attribute shadows the method: the runtime and the runner call this
                setattr(target, name, self._timed(part, getattr(target, name)))

    def reset(self) -> None:
        self.totals = dict.fromkeys(PARTS, 0.0)

    def _timed(self, part: str, call):
        depth = self._depth

        def timed(*args, **kwargs):
            depth[part] += 1
            start = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                depth[part] -= 1
                if not depth[part]:
                    self.totals[part] += time.perf_counter() - start

        return timed


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


def one_run(source: Path, sessions: int) -> dict:
    """One run on a fresh copy of the demo data: per-session means (ms), rate and RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        copy_provisioned(source, Path(tmp))
        config = dataclasses.replace(load_config(), data_dir=Path(tmp))
        clock = ManualClock(DEMO_REFERENCE_TIME)
        kiosk = build_kiosk(config, clock=clock)
        watch = Stopwatch()
        watch.install(kiosk)
        kiosk.start()
        durations = []
        for i in range(sessions):
            if i == WARM_UP:
                watch.reset()
                rss_start = rss_mb()
                started = time.perf_counter()
            t0 = time.perf_counter()
            one_session(kiosk, clock)
            durations.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - started
        rss_end = rss_mb()
        kiosk.close()
    measured = sessions - WARM_UP
    per = {part: seconds * 1000 / measured for part, seconds in watch.totals.items()}
    ms = {
        "flow_own": per["flow"] - per["journal"],
        **{part: per[part] for part in ("journal", "renderer", "card", "center", "cash", "printer")},
        "session": elapsed * 1000 / measured,
    }
    ms["other"] = ms["session"] - sum(v for k, v in ms.items() if k != "session")
    return {
        "ms": ms, "rate": measured / elapsed, "median_session": statistics.median(durations[WARM_UP:]) * 1000,
        "rss_start": rss_start, "rss_growth": rss_end - rss_start,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.sessions <= WARM_UP:
        parser.error(f"--sessions must be more than the {WARM_UP} warm-up sessions")
    with tempfile.TemporaryDirectory() as source:
        provision(dataclasses.replace(load_config(), data_dir=Path(source)))
        runs = [one_run(Path(source), args.sessions) for _ in range(args.runs)]

    def median(pick) -> float:
        return statistics.median(pick(r) for r in runs)

    session = median(lambda r: r["ms"]["session"])
    print(f"sessions:            {args.sessions} per run ({WARM_UP} warm-up), {args.runs} runs; medians over runs")
    print(f"sessions per second: {median(lambda r: r['rate']):.1f}")
    print(f"median session:      {median(lambda r: r['median_session']):.2f} ms")
    print("time per session (mean of a run, median over runs):")
    for key, label in LABELS.items():
        value = median(lambda r: r["ms"][key])
        print(f"  {label:<36} {value:8.2f} ms  {100 * value / session:5.1f} %")
    own = median(lambda r: r["ms"]["flow_own"])
    handle = median(lambda r: r["ms"]["flow_own"] + r["ms"]["journal"])
    print(f"flow's share:        {100 * own / session:.1f} % own work, "
          f"{100 * handle / session:.1f} % with its journal writes")
    print(f"RSS after warm-up:   {runs[0]['rss_start']:.1f} MB (first run)")
    growth = [r["rss_growth"] for r in runs]
    print(f"RSS growth per run:  {', '.join(f'{g:+.1f}' for g in growth)} MB (target ≤ 10 MB)")


if __name__ == "__main__":
    main()
