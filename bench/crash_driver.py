"""The kiosk processes the crash harness kills: one scenario, in place, on a data directory.

    KIOSK_DATA_DIR=D crash_driver.py run SCENARIO.toml   # the kiosk: build it (recovery first), play
    KIOSK_DATA_DIR=D crash_driver.py restart             # a start-up and nothing else: that is recovery
    crash_driver.py serve                                # a fork server for bench/crash.py
    crash_driver.py devices E                            # cash emulators in E, until Ctrl-C

With ``KIOSK_CRASH_SERIAL=E`` (``serial`` in a fork server's request) ``run`` and ``restart`` build
the kiosk with the serial cash unit on the emulators running in directory E (bench/crash_serial.py;
``devices E`` starts a pair by hand for a reproduction). Its events arrive on its poll threads and
wait in an inbox that the runner's thread drains; a restart waits until the unit has settled
what the devices held (a note stacked, coins in the acceptor's buffer) and the flow has heard it.

``run`` and ``restart`` are the reproduction commands (add ``KIOSK_CRASH_AT=k``). Unlike
``kiosk scenario``, ``run`` works on the data directory itself, not on a copy: the directory is
what the harness inspects.

``serve`` exists for speed: importing the kiosk and building it the first time costs about
0.4 s, a warm build 5 ms. The server imports everything and plays one scenario on a scratch
directory, then forks a fresh process per request (a JSON line on stdin: ``cmd`` run or restart,
``data_dir``, ``scenario``, ``crash_at``, ``trace``, ``out``). It answers ``{"pid": n}`` at
once, so the harness can SIGKILL that process itself, and ``{"status": n}`` when it has ended
(negative: killed by that signal). Each forked process is a new process like any other: it
shares no open file or database with the server and ends with ``os._exit``.
"""
from __future__ import annotations

import json
import os
import signal
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from kiosk import crashpoints
from app.bootstrap import build_kiosk
from kiosk.clock import ManualClock
from kiosk.config import load_config
from app.provision import copy_provisioned
from kiosk.scenario import ScenarioRunner, load_scenario
from kiosk.shuffle import ShufflingExecutor

import crash_serial

WARM_UP = Path(__file__).resolve().parent.parent / "tests" / "scenarios" / "happy_juminhyo_self.toml"


SERIAL = "KIOSK_CRASH_SERIAL"  # the directory of the cash emulators, for a kiosk on the serial unit
QUIET_SECONDS = 0.3  # a restart on the serial unit: this long without a device event, and it is over


def run(path: Path, out=sys.stdout, serial: str | None = None) -> int:
    scenario = load_scenario(path)
    config = load_config()
    clock = ManualClock(scenario.start)
    # no seed: every device call runs and answers in order, so the boundaries of two runs match
    executor = ShufflingExecutor(None)
    serial = serial if serial is not None else os.environ.get(SERIAL)
    if serial:
        work = Path(serial)
        inbox = crash_serial.Inbox()
        kiosk = build_kiosk(crash_serial.serial_config(config, work), clock=clock, executor=executor,
                            post_from_devices=inbox.wrap)
        try:
            crash_serial.wait_in_service(kiosk.cash)
            runner = ScenarioRunner(kiosk, clock, executor, hands=crash_serial.SerialHands(
                crash_serial.attach(work), kiosk.cash), pump=inbox.pump)
            result = runner.run(scenario)
        finally:
            kiosk.close()
    else:
        kiosk = build_kiosk(config, clock=clock, executor=executor)
        try:
            result = ScenarioRunner(kiosk, clock, executor).run(scenario)
        finally:
            kiosk.close()
    print("DONE", file=out, flush=True)
    for failure in result.failures:
        print(f"FAILED {failure}", file=out, flush=True)
    return 0


def restart(serial: str | None = None) -> int:
    serial = serial if serial is not None else os.environ.get(SERIAL)
    if not serial:
        build_kiosk(load_config()).close()
        return 0
    # the serial unit settles some of what the dead kiosk left on its poll threads, after recovery
    # (a note stacked, coins in the acceptor's buffer): the kiosk runs until the flow has heard it all
    inbox = crash_serial.Inbox()
    executor = ShufflingExecutor(None)
    kiosk = build_kiosk(crash_serial.serial_config(load_config(), Path(serial)), executor=executor,
                        post_from_devices=inbox.wrap)
    try:
        crash_serial.wait_settled(kiosk.cash)
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < QUIET_SECONDS:
            if inbox.pump():
                quiet_since = time.monotonic()
            executor.drain()
            time.sleep(0.01)
    finally:
        kiosk.close()
    return 0


def devices(work: Path) -> int:
    """Cash emulators in ``work`` for a reproduction by hand, until Ctrl-C or SIGTERM."""
    started = crash_serial.start_devices(work, load_config().change_float)
    print(f"cash emulators in {work}: {SERIAL}={work}", flush=True)
    stop = {signal.SIGINT, signal.SIGTERM}
    try:
        # blocked only now: the emulators would inherit the mask, and ignore the SIGTERM that stops them
        signal.pthread_sigmask(signal.SIG_BLOCK, stop)
        signal.sigwait(stop)
    finally:
        started.stop()
    return 0


# --- the fork server ------------------------------------------------------------------------------
def serve(template: Path) -> int:
    _warm_up(template)
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    for line in iter(requests.readline, b""):
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)  # never returns
        replies.write(json.dumps({"pid": pid}).encode() + b"\n")
        replies.flush()
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        replies.write(json.dumps({"status": code}).encode() + b"\n")
        replies.flush()
    return 0


def _warm_up(template: Path) -> None:
    """Play one scenario here, so the lazy imports and caches are in place before any fork."""
    scratch = Path(tempfile.mkdtemp(prefix="kiosk-crash-warm-", dir=template.parent))
    try:
        copy_provisioned(template, scratch)
        os.environ["KIOSK_DATA_DIR"] = str(scratch)
        with open(os.devnull, "w") as sink:
            run(WARM_UP, sink)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _child(request: dict) -> None:
    code = 1
    try:
        os.environ["KIOSK_DATA_DIR"] = request["data_dir"]
        crashpoints.arm(int(request.get("crash_at") or 0), request.get("trace"))
        with open(request["out"], "w", encoding="utf-8") as out:
            # stdout is the server's reply pipe: nothing of the kiosk may land there
            os.dup2(out.fileno(), 1)
            os.dup2(out.fileno(), 2)
            try:
                serial = request.get("serial") or ""
                code = run(Path(request["scenario"]), out, serial) if request["cmd"] == "run" else restart(serial)
            except BaseException:
                traceback.print_exc(file=out)
                out.flush()
    finally:
        os._exit(code)  # not the server's clean-up, nor a flush of its buffers


def main(argv: list[str]) -> int:
    if argv[:1] == ["run"] and len(argv) == 2:
        return run(Path(argv[1]))
    if argv == ["restart"]:
        return restart()
    if argv[:1] == ["serve"] and len(argv) == 2:
        return serve(Path(argv[1]))
    if argv[:1] == ["devices"] and len(argv) == 2:
        return devices(Path(argv[1]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
