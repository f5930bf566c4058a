"""Starting the cash emulators as processes of their own and talking to their control sockets:
for the tests, the benchmark and the demo on the serial path.

``EmulatedCashDevices(work)`` starts ``kiosk cash-emulator id003`` and ``kiosk cash-emulator
cctalk`` (a coin acceptor and one hopper per change coin) on pseudo-terminals in ``work`` and
names what a SerialCashUnit needs to open them (``unit_options``).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any, Mapping

ROOT = Path(__file__).resolve().parents[3]
HOPPERS = {500: 3, 100: 4, 50: 5, 10: 6}  # yen -> ccTalk address
DEFAULT_FLOAT = {500: 20, 100: 50, 50: 20, 10: 50}
CONTROL_TIMEOUT = 15.0


class EmulatorProcess:
    def __init__(self, kind: str, work: Path, *extra: str) -> None:
        self.kind = kind
        self.link = work / f"{kind}.tty"
        self.control_path = work / f"{kind}.sock"
        self.log_path = work / f"{kind}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app", "cash-emulator", kind, "--link", str(self.link), "--control",
                 str(self.control_path), *extra],
                stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, cwd=ROOT, start_new_session=True,
            )
        assert self.process.stdout is not None
        try:
            line = self.process.stdout.readline().decode(errors="replace")
        except BaseException:  # Ctrl-C while it starts: it is in a session of its own, so stop it here
            self.stop()
            raise
        if not line.startswith("ready"):
            self.stop()
            raise RuntimeError(f"cash-emulator {kind} did not start ({line.strip()!r}); see {self.log_path}")

    def control(self, op: str, **args: Any) -> dict[str, Any]:
        """One control request; its reply (RuntimeError when the emulator refuses it)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(CONTROL_TIMEOUT)
            s.connect(str(self.control_path))
            s.sendall((json.dumps({"op": op, **args}) + "\n").encode())
            data = b""
            while not data.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        reply: dict[str, Any] = json.loads(data)
        if not reply.get("ok"):
            raise RuntimeError(f"cash-emulator {self.kind} {op}: {reply.get('error')}")
        return reply

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


class EmulatedCashDevices:
    """The two emulated devices; ``pace`` 1 is the real line speed and timing, 0 as fast as can be."""

    def __init__(self, work: Path, *, float_counts: Mapping[int, int] = DEFAULT_FLOAT, pace: float = 1.0,
                 payout_ms: float = 80.0) -> None:
        hoppers = ",".join(f"{yen}={address}:{float_counts.get(yen, 0)}" for yen, address in HOPPERS.items())
        timing = ("--pace", str(pace), "--latency-ms", "10" if pace else "0")  # pace 0: no reply latency either
        self.notes = EmulatorProcess("id003", work, *timing)
        try:
            self.coins = EmulatorProcess("cctalk", work, *timing, "--hoppers", hoppers, "--payout-ms", str(payout_ms))
        except BaseException:
            self.notes.stop()
            raise

    def unit_options(self) -> dict[str, Any]:
        """[options.cash] for a SerialCashUnit on these devices (a pty takes no parity)."""
        return {"bill_port": str(self.notes.link), "coin_port": str(self.coins.link), "bill_parity": "none",
                "hoppers": sorted(HOPPERS.values())}

    def insert(self, yen: int) -> dict[str, Any]:
        """A resident's note or coin."""
        return (self.notes if yen >= 1000 else self.coins).control("insert", yen=yen)

    def stop(self) -> None:
        self.notes.stop()
        self.coins.stop()
