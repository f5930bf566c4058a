"""The kiosk processes the crash harness kills: one scenario, in place, on a data directory.

    KIOSK_DATA_DIR=D crash_driver.py run SCENARIO.toml   # the kiosk: build it (recovery first), play
    KIOSK_DATA_DIR=D crash_driver.py restart             # a start-up and nothing else: that is recovery
    crash_driver.py serve                                # a fork server for bench/crash.py

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
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

from kiosk import crashpoints
from app.bootstrap import build_kiosk
from kiosk.clock import ManualClock
from kiosk.config import load_config
from app.provision import copy_provisioned
from kiosk.scenario import ScenarioRunner, load_scenario
from kiosk.shuffle import ShufflingExecutor

WARM_UP = Path(__file__).resolve().parent.parent / "tests" / "scenarios" / "happy_juminhyo_self.toml"


def run(path: Path, out=sys.stdout) -> int:
    scenario = load_scenario(path)
    config = load_config()
    clock = ManualClock(scenario.start)
    # no seed: every device call runs and answers in order, so the boundaries of two runs match
    executor = ShufflingExecutor(None)
    kiosk = build_kiosk(config, clock=clock, executor=executor)
    try:
        result = ScenarioRunner(kiosk, clock, executor).run(scenario)
    finally:
        kiosk.close()
    print("DONE", file=out, flush=True)
    for failure in result.failures:
        print(f"FAILED {failure}", file=out, flush=True)
    return 0


def restart() -> int:
    build_kiosk(load_config()).close()
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
                code = run(Path(request["scenario"]), out) if request["cmd"] == "run" else restart()
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
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
