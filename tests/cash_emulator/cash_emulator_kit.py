"""The cash emulators as real processes (``python -m app cash-emulator …``), a control-socket client,
and tiny ID-003 and ccTalk hosts written here from the protocol descriptions — deliberately not
from hardware/cash/, so these tests check the emulators against a third reading of the protocols.

Neither ``__init__.py`` nor ``conftest.py`` here, like tests/center: test modules import from this
file by its (unique) module name.

Every wait has a deadline; none is a fixed sleep that decides an outcome. Checks of silence send
a good frame after the bad one: the device answers in order, so the first reply that comes is the
good frame's, or there would have been one before it.
"""
from __future__ import annotations

import json
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import serial

ROOT = Path(__file__).resolve().parents[2]
START_DEADLINE = 10.0
T = TypeVar("T")


def wait_for(condition: Callable[[], T], deadline: float = 3.0, what: str = "condition") -> T:
    """Poll ``condition`` until it returns something truthy, or fail after ``deadline`` seconds."""
    end = time.monotonic() + deadline
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what} (last: {value!r})")
        time.sleep(0.005)


class Control:
    """One connection to the emulator's control socket: a JSON line out, a JSON line back."""

    def __init__(self, path: Path) -> None:
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(5.0)
        self._sock.connect(str(path))
        self._file = self._sock.makefile("rwb")

    def __call__(self, op: str, **fields: object) -> dict:
        reply = self.raw(json.dumps({"op": op, **fields}).encode())
        assert reply["ok"], reply
        return reply

    def raw(self, line: bytes) -> dict:
        self._file.write(line + b"\n")
        self._file.flush()
        return json.loads(self._file.readline())

    def close(self) -> None:
        self._file.close()
        self._sock.close()


@dataclass
class Running:
    process: subprocess.Popen
    link: Path
    control_path: Path
    control: Control

    def port(self, timeout: float = 1.0) -> serial.Serial:
        # parity NONE: a Linux pty refuses EVEN (termios error 22), see pty_port.py
        return serial.Serial(str(self.link), 9600, parity=serial.PARITY_NONE, timeout=timeout)


def emulator_command(kind: str, link: Path, control: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "app", "cash-emulator", kind, "--link", str(link), "--control", str(control), *extra]


@contextmanager
def emulator(kind: str, *extra: str, fast: bool = True) -> Iterator[Running]:
    # a short directory: a Unix socket path must fit in 108 bytes, pytest's tmp_path may not
    directory = Path(tempfile.mkdtemp(prefix="cash-", dir="/tmp"))
    link, control_path = directory / "line", directory / "control"
    timing = ["--pace", "0", "--latency-ms", "0"] if fast else []
    process = subprocess.Popen(emulator_command(kind, link, control_path, *timing, *extra), cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    control = None
    try:
        ready = read_line(process, START_DEADLINE)
        assert ready == f"ready {link} {control_path}", (ready, process.stderr.read() if process.poll() is not None else "")
        control = Control(control_path)
        yield Running(process, link, control_path, control)
    finally:
        if control is not None:
            control.close()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()
        shutil.rmtree(directory, ignore_errors=True)


def read_line(process: subprocess.Popen, deadline: float) -> str:
    ready, _, _ = select.select([process.stdout], [], [], deadline)
    if not ready:
        process.kill()
        raise AssertionError(f"no ready line within {deadline} s")
    return process.stdout.readline().strip()


def read_exactly(port: serial.Serial, count: int, deadline: float = 2.0) -> bytes:
    data = bytearray()
    end = time.monotonic() + deadline
    while len(data) < count and time.monotonic() < end:
        data += port.read(count - len(data))
    return bytes(data)


def nothing_more(port: serial.Serial, quiet: float = 0.3) -> bool:
    """True if no byte arrives within ``quiet`` s (only for checks that the device says nothing)."""
    port.timeout = quiet
    try:
        return port.read(1) == b""
    finally:
        port.timeout = 1.0


# --- ID-003, from the protocol description: FC LNG CMD DATA CRCL CRCH, CRC-16/KERMIT ---------------
def kermit(data: bytes) -> int:
    crc = 0
    for byte in data:
        for bit in range(8):
            mix = (crc ^ (byte >> bit)) & 1
            crc >>= 1
            if mix:
                crc ^= 0x8408
    return crc


def id003_frame(command: int, data: bytes = b"") -> bytes:
    head = bytes([0xFC, len(data) + 5, command]) + data
    return head + kermit(head).to_bytes(2, "little")


class Id003Host:
    def __init__(self, port: serial.Serial) -> None:
        self.port = port

    def read_frame(self, deadline: float = 2.0) -> tuple[int, bytes] | None:
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            sync = self.port.read(1)
            if sync == b"\xfc":
                break
        else:
            return None
        length = read_exactly(self.port, 1)
        assert length, "SYNC without length"
        rest = read_exactly(self.port, length[0] - 2)
        frame = sync + length + rest
        assert len(frame) == length[0], frame.hex()
        assert kermit(frame[:-2]) == int.from_bytes(frame[-2:], "little"), f"bad CRC from the emulator: {frame.hex()}"
        return frame[2], frame[3:-2]

    def request(self, command: int, data: bytes = b"") -> tuple[int, bytes] | None:
        self.port.write(id003_frame(command, data))
        return self.read_frame()

    def status(self) -> tuple[int, bytes]:
        reply = self.request(0x11)
        assert reply is not None, "no answer to a status request"
        return reply

    def status_until(self, code: int, limit: int = 50) -> list[tuple[int, bytes]]:
        """Status requests until ``code`` is answered; every answer on the way, in order."""
        seen = []
        for _ in range(limit):
            seen.append(self.status())
            if seen[-1][0] == code:
                return seen
        raise AssertionError(f"status {code:#x} never came: {[(hex(c), d.hex()) for c, d in seen]}")

    def start(self) -> None:
        """POWER UP → RESET → INITIALIZE → DISABLE → C3 00 → ENABLE."""
        assert self.status() == (0x40, b"")
        assert self.request(0x40) == (0x50, b"")
        self.status_until(0x1A)
        assert self.request(0xC3, b"\x00") == (0xC3, b"\x00")
        assert self.status() == (0x11, b"")


# --- ccTalk, from the protocol description: [dest][n][src][header][data][checksum], sum 0 mod 256 --
def cctalk_frame(dest: int, header: int, data: bytes = b"", src: int = 1) -> bytes:
    body = bytes([dest, len(data), src, header]) + data
    return body + bytes([(256 - sum(body) % 256) % 256])


class CcTalkHost:
    def __init__(self, port: serial.Serial) -> None:
        self.port = port

    def send(self, raw: bytes) -> None:
        """Write and take back the echo of the shared wire (it must be exactly what we sent)."""
        self.port.write(raw)
        echo = read_exactly(self.port, len(raw))
        assert echo == raw, f"echo {echo.hex()} of {raw.hex()}"

    def read_reply(self, deadline: float = 2.0) -> tuple[int, int, bytes] | None:
        """(source address, header, data) of the next reply to the host, or None."""
        self.port.timeout = deadline
        try:
            head = read_exactly(self.port, 2, deadline)
        finally:
            self.port.timeout = 1.0
        if len(head) < 2:
            return None
        rest = read_exactly(self.port, head[1] + 3)
        frame = head + rest
        assert len(frame) == head[1] + 5 and sum(frame) % 256 == 0, f"bad reply {frame.hex()}"
        assert frame[0] == 1, f"reply not to the host: {frame.hex()}"
        return frame[2], frame[3], frame[4:-1]

    def request(self, dest: int, header: int, data: bytes = b"") -> tuple[int, bytes]:
        self.send(cctalk_frame(dest, header, data))
        reply = self.read_reply()
        assert reply is not None, f"no reply from {dest} to header {header}"
        src, reply_header, reply_data = reply
        assert src == dest
        return reply_header, reply_data

    def ack(self, dest: int, header: int, data: bytes = b"") -> bytes:
        reply_header, reply_data = self.request(dest, header, data)
        assert reply_header == 0, f"header {header} to {dest}: reply header {reply_header}"
        return reply_data

    def credit(self) -> tuple[int, list[tuple[int, int]]]:
        data = self.ack(2, 229)
        assert len(data) == 11
        return data[0], [(data[i], data[i + 1]) for i in range(1, 11, 2)]

    def open_acceptor(self) -> None:
        """First 229, every coin enabled, master inhibit off."""
        self.credit()
        self.ack(2, 231, b"\xff\xff")
        self.ack(2, 228, b"\x01")
