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
import time
from pathlib import Path
from typing import Any, Mapping

ROOT = Path(__file__).resolve().parents[3]
HOPPERS = {500: 3, 100: 4, 50: 5, 10: 6}  # yen -> ccTalk address
DEFAULT_FLOAT = {500: 20, 100: 50, 50: 20, 10: 50}
CONTROL_TIMEOUT = 15.0
# ID-003 states in which the validator is still busy with the last note: a resident tries again
NOTE_BUSY = frozenset({0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1B})
NOTE_RETRY_SECONDS = 10.0
NOTE_RETRY_PAUSE = 0.02
# what an emulator's insert answers when the device drew the piece in (the unit will report it)
TAKEN_IN = frozenset({"accepting", "rejecting", "credited", "error event"})


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

    # --- what hands do at the devices ---------------------------------------------------------------
    def insert(self, yen: int) -> dict[str, Any]:
        """A resident's note or coin; the emulator's reply (``result``: drawn in or not).

        Like a resident, a note is tried again while the validator is still busy with the last one.
        """
        if yen < 1000:
            return self.coins.control("insert", yen=yen)
        deadline = time.monotonic() + NOTE_RETRY_SECONDS
        while True:
            reply = self.notes.control("insert", yen=yen)
            if reply.get("result") != "refused" or reply.get("status_code") not in NOTE_BUSY:
                return reply  # drawn in, or not at all (inhibited, faulty): the hand takes it back
            if time.monotonic() > deadline:
                return reply
            time.sleep(NOTE_RETRY_PAUSE)

    def jam(self) -> None:
        self.notes.control("jam", where="acceptor")
        self.coins.control("jam", device="all")

    def clear(self) -> None:
        self.notes.control("clear")
        self.coins.control("clear")

    def pull_cable(self) -> None:
        self.notes.control("pull_cable")
        self.coins.control("pull_cable")

    def plug_cable(self) -> None:
        self.notes.control("plug_cable")
        self.coins.control("plug_cable")

    def set_float(self, counts: Mapping[int, int]) -> None:
        for yen in HOPPERS:
            self.coins.control("set_hopper", yen=yen, count=counts.get(yen, 0))

    def empty_float(self) -> None:
        self.set_float({})

    def stop(self) -> None:
        self.notes.stop()
        self.coins.stop()
