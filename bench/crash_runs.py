"""One kill of the crash harness (bench/crash.py): play a scenario in a fresh data directory,
kill the kiosk at a boundary or after a delay, restart it twice and compare after each start-up
(bench/crash_books.py).

On the serial cash unit (``serial=True``) every run also gets two cash emulators of its own,
started here before the kiosk and stopped after the last comparison: they live through the kill
and the restarts as real devices live through a crashed PC, and they are the world compared
(bench/crash_serial.py). The fork server still starts every kiosk process: it warms up on the
simulated unit, so it has no serial thread or port of its own when it forks, and each child opens
its ports and starts its poll threads after the fork.
"""
from __future__ import annotations

import dataclasses
import queue
import shutil
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from hardware.cash.emulator.processes import EmulatedCashDevices
from kiosk.config import load_config
from app.provision import copy_provisioned, provision

import crash_serial
from crash_books import Figures, figures
from crash_fork import ForkServer

CHILD_TIMEOUT = 120
TIMING_RUNS = 3  # runs of each scenario timed for the random kills' delays
FIGURES = ("owed_twice", "lost", "refunded_printed", "unfinished")


@dataclass
class Kill:
    scenario: str
    at: int | None = None  # the boundary asked for; None for a random kill
    delay: float | None = None  # seconds after the process started, for a random kill
    boundary: str = ""  # "k name" of the last boundary passed
    died: bool = False
    first: Figures | None = None
    second: Figures | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and all(f is None or f.ok for f in (self.first, self.second))

    def worst(self, name: str) -> int:
        return max((getattr(f, name) for f in (self.first, self.second) if f is not None), default=0)

    def where(self) -> str:
        if self.at is not None:
            return f"boundary {self.boundary or self.at}"
        return f"random +{self.delay:.3f}s (after {self.boundary or 'no boundary'})"

    def line(self) -> str:
        """One line: where, and the figures of the worse comparison (or the first error)."""
        worst = max((f for f in (self.first, self.second) if f is not None),
                    key=lambda f: (not f.ok, f.owed_twice + f.lost, f.refunded_printed), default=None)
        text = f"FAIL {self.scenario} {self.where()}: "
        if worst is not None and not worst.ok:
            return text + worst.describe(books=False)
        return text + (self.errors[0] if self.errors else "ok")

    def details(self) -> list[str]:
        lines = [f"    {label}: {f.describe()}" for label, f in (("restart 1", self.first), ("restart 2", self.second))
                 if f is not None]
        return lines + [f"    error: {e}" for e in self.errors]

    def describe(self) -> str:
        return "\n".join([self.line(), *self.details()])


@dataclass
class Traced:
    path: Path
    boundaries: list[str]
    seconds: float  # a run from start to exit, the fastest of those timed
    baseline: Kill  # the run that was not killed, compared the same way


class Harness:
    """Plays, kills and restarts kiosk processes; one fork server per job (see crash_driver.py)."""

    def __init__(self, work: Path, jobs: int, template: Path | None = None, keep: Path | None = None,
                 serial: bool = False) -> None:
        self.work = work
        self.keep = keep  # where the data directories of failing kills go
        self.serial = serial  # the serial cash unit on emulators of each run's own
        self.template = template or work / "template"
        config = load_config()
        self._float = config.change_float  # the hoppers' coins, as the simulated unit's float
        provision(dataclasses.replace(config, data_dir=self.template))
        self._n = 0
        self._lock = threading.Lock()
        self._devices: dict[Path, tuple[Path, EmulatedCashDevices]] = {}
        self._servers: queue.Queue[ForkServer] = queue.Queue()
        for _ in range(jobs):  # they warm up side by side, until the first request
            self._servers.put(ForkServer(self.template))

    def close(self) -> None:
        while not self._servers.empty():
            self._servers.get().close()

    def trace(self, path: Path, timing_runs: int = TIMING_RUNS) -> Traced:
        run = Kill(path.stem, at=0)
        with self._session(run) as (server, data_dir):
            trace_file = data_dir / "crash.trace"
            seconds = self._play(server, path, data_dir, run, trace=trace_file)
            if run.died:
                run.errors.append("the traced run was killed")
            self._compare(server, data_dir, run)
            boundaries = [line.split(" ", 1)[1] for line in _lines(trace_file)]
        for _ in range(timing_runs - 1):
            # the first run shares the machine with the servers' warm-up: the fastest says how long a run takes
            timed = Kill(path.stem)
            with self._session(timed) as (server, data_dir):
                seconds = min(seconds, self._play(server, path, data_dir, timed, trace=data_dir / "t"))
        return Traced(path, boundaries, seconds, run)

    def kill_at(self, path: Path, k: int, expected: str = "") -> Kill:
        kill = Kill(path.stem, at=k, boundary=f"{k} {expected}".strip())
        with self._session(kill) as (server, data_dir):
            trace_file = data_dir / "crash.trace"
            self._play(server, path, data_dir, kill, trace=trace_file, crash_at=k)
            passed = _lines(trace_file)
            if not kill.died:
                kill.errors.append(f"boundary {k} was not reached: the run finished after {len(passed)} boundaries")
            elif expected and passed and passed[-1] != kill.boundary:
                kill.errors.append(f"died at {passed[-1]!r}, the traced run had {kill.boundary!r} there")
            if kill.died:
                self._compare(server, data_dir, kill)
        return kill

    def kill_after(self, path: Path, delay: float) -> Kill:
        kill = Kill(path.stem, delay=delay)
        with self._session(kill) as (server, data_dir):
            trace_file = data_dir / "crash.trace"
            self._play(server, path, data_dir, kill, trace=trace_file, kill_after=delay)
            passed = _lines(trace_file)
            kill.boundary = passed[-1] if passed else ""
            self._compare(server, data_dir, kill)  # a run that finished first is compared all the same
        return kill

    # --- processes --------------------------------------------------------------------------
    @contextmanager
    def _session(self, kill: Kill):
        """A fork server of our own and a fresh data directory, provisioned from the template; on
        the serial unit, fresh cash emulators too (their directory: ``self._devices[data_dir]``)."""
        with self._lock:
            self._n += 1
            n = self._n
        data_dir = self.work / f"run-{n:05d}"
        copy_provisioned(self.template, data_dir)
        devices = None
        if self.serial:
            cash_dir = self.work / f"cash-{n:05d}"
            devices = crash_serial.start_devices(cash_dir, self._float)
            with self._lock:
                self._devices[data_dir] = (cash_dir, devices)
        server = self._servers.get()
        try:
            yield server, data_dir
        finally:
            self._servers.put(server)
            if devices is not None:
                devices.stop()
                with self._lock:
                    cash_dir, _ = self._devices.pop(data_dir)
                if self.keep is not None and not kill.ok:  # the emulators' logs go with the data directory
                    shutil.copytree(cash_dir, data_dir / "cash-emulators", ignore=shutil.ignore_patterns("*.tty", "*.sock"))
                shutil.rmtree(cash_dir, ignore_errors=True)
            if self.keep is not None and not kill.ok:
                self.keep.mkdir(parents=True, exist_ok=True)
                where = kill.at if kill.at is not None else f"random{n}"
                shutil.move(str(data_dir), self.keep / f"{kill.scenario}-{where}")
            else:
                shutil.rmtree(data_dir, ignore_errors=True)

    def _play(self, server: ForkServer, path: Path, data_dir: Path, kill: Kill, trace: Path, crash_at: int = 0,
              kill_after: float | None = None) -> float:
        out = data_dir.with_suffix(".out")
        started = time.monotonic()
        pid = server.start(cmd="run", scenario=str(path), data_dir=str(data_dir), crash_at=crash_at,
                           trace=str(trace), out=str(out), serial=self._serial_dir(data_dir))
        status, hung = server.wait(pid, kill_after=kill_after, timeout=CHILD_TIMEOUT)
        seconds = time.monotonic() - started
        text = _read(out)
        kill.died = status == -signal.SIGKILL and not hung
        if hung:
            kill.errors.append("the kiosk hung")
        elif not kill.died:
            if status != 0:
                kill.errors.append(f"the kiosk exited {status}: {_last(text)}")
            kill.errors += [line for line in text.splitlines() if line.startswith("FAILED")]
        return seconds

    def _compare(self, server: ForkServer, data_dir: Path, kill: Kill) -> None:
        out = data_dir.with_suffix(".out")
        for attempt in ("first", "second"):
            status, hung = server.run(cmd="restart", data_dir=str(data_dir), out=str(out),
                                      serial=self._serial_dir(data_dir))
            if status != 0 or hung:
                kill.errors.append(f"{attempt} restart failed ({status}): {_last(_read(out))}")
                return
            try:
                setattr(kill, attempt, figures(data_dir, self._world(data_dir)))
            except Exception as exc:  # a journal the comparison cannot read is itself a finding
                kill.errors.append(f"{attempt} comparison failed: {type(exc).__name__}: {exc}")
                return


    def _serial_dir(self, data_dir: Path) -> str:
        """The run's cash emulators' directory ("" on the simulated unit)."""
        with self._lock:
            found = self._devices.get(data_dir)
        return str(found[0]) if found else ""

    def _world(self, data_dir: Path) -> crash_serial.World | None:
        with self._lock:
            found = self._devices.get(data_dir)
        return crash_serial.world(found[1]) if found else None


def _read(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    path.unlink()
    return text


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="ascii").splitlines() if path.exists() else []


def _last(text: str) -> str:
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1] if lines else "(no output)"
