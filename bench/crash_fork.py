"""The harness's end of a fork server (bench/crash_driver.py serve): start a kiosk process, kill
it, wait for it. One server runs one process at a time; the harness keeps one per job."""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

DRIVER = Path(__file__).resolve().parent / "crash_driver.py"


class ForkServer:
    def __init__(self, template: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_CRASH_")}
        # unbuffered binary pipes: select() on the reply pipe then says the truth
        self._proc = subprocess.Popen([sys.executable, str(DRIVER), "serve", str(template)], env=env,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)

    def start(self, **request) -> int:
        self._proc.stdin.write(json.dumps(request).encode() + b"\n")
        return self._reply()["pid"]

    def wait(self, pid: int, kill_after: float | None = None, timeout: float = 120) -> tuple[int, bool]:
        """(status, hung): status as subprocess gives it (-9 after SIGKILL). With ``kill_after`` the
        process gets SIGKILL that many seconds after it started, unless it ended first."""
        fd = self._proc.stdout.fileno()
        started = time.monotonic()
        if kill_after is not None and not select.select([fd], [], [], kill_after)[0]:
            _kill(pid)
        left = timeout - (time.monotonic() - started)
        hung = not select.select([fd], [], [], max(left, 0))[0]
        if hung:
            _kill(pid)
        return self._reply()["status"], hung

    def run(self, **request) -> tuple[int, bool]:
        return self.wait(self.start(**request))

    def close(self) -> None:
        self._proc.stdin.close()
        self._proc.wait(timeout=30)

    def _reply(self) -> dict:
        line = b""
        while not line.endswith(b"\n"):
            chunk = os.read(self._proc.stdout.fileno(), 1)  # byte by byte: nothing read ahead of select
            if not chunk:
                raise RuntimeError("the crash fork server died")
            line += chunk
        return json.loads(line)


def _kill(pid: int) -> None:
    # No answer yet means not yet reaped (the server answers after waitpid): the pid is still ours.
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
