"""An in-memory serial port for the link, bus and device tests (not the protocol emulators).

Each write is passed to ``answer``, whose bytes the next reads return; with ``echo`` the written
bytes come back first, as on a single-wire ccTalk bus. Reads honour ``timeout`` (waiting on a
condition, not sleeping) and ``cancel_read``; ``hang_reads`` makes them block until cancelled,
as a read stuck inside a driver would.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

import serial

Answer = Callable[[bytes], bytes | None]


def replies(*answers: bytes | None) -> Answer:
    """Answer the n-th write with the n-th item (None: stay silent); silent after the last."""
    queue = list(answers)
    return lambda request: queue.pop(0) if queue else None


def table(answers: Mapping[bytes, bytes | None]) -> Answer:
    """Answer each request found in ``answers``; stay silent on any other."""
    return lambda request: answers.get(request)


class ScriptedPort:
    def __init__(
        self,
        answer: Answer | None = None,
        *,
        echo: bool = False,
        timeout: float = 0.05,
        max_chunk: int = 4096,
        hang_reads: bool = False,
    ) -> None:
        self.answer: Answer = answer or (lambda request: None)
        self.echo = echo
        self.timeout = timeout
        self.max_chunk = max_chunk  # at most this many bytes a read: replies arrive in pieces
        self.hang_reads = hang_reads
        self.writes: list[bytes] = []
        self.closed = False
        self.read_hanging = threading.Event()
        self._inbox = bytearray()
        self._cond = threading.Condition()
        self._cancelled = False

    @property
    def in_waiting(self) -> int:
        with self._cond:
            return min(len(self._inbox), self.max_chunk)

    def write(self, data: bytes, /) -> int:
        if self.closed:
            raise serial.PortNotOpenError()
        self.writes.append(bytes(data))
        reply = self.answer(bytes(data))
        with self._cond:
            if self.echo:
                self._inbox += data
            if reply:
                self._inbox += reply
            self._cond.notify_all()
        return len(data)

    def read(self, size: int = 1, /) -> bytes:
        if self.closed:
            raise serial.PortNotOpenError()
        with self._cond:
            if self.hang_reads:
                self.read_hanging.set()
                self._cond.wait_for(lambda: self._cancelled)
            else:
                self._cond.wait_for(lambda: self._inbox or self._cancelled, timeout=self.timeout)
            if self._cancelled:
                self._cancelled = False
                return b""
            out = bytes(self._inbox[:min(size, self.max_chunk)])
            del self._inbox[:len(out)]
            return out

    def inject(self, data: bytes) -> None:
        """Bytes arriving from the device unasked (garbage, a late reply)."""
        with self._cond:
            self._inbox += data
            self._cond.notify_all()

    def reset_input_buffer(self) -> None:
        with self._cond:
            self._inbox.clear()

    def cancel_read(self) -> None:
        with self._cond:
            self._cancelled = True
            self._cond.notify_all()

    def close(self) -> None:
        self.closed = True
        self.cancel_read()

    def open(self) -> None:
        """Opened (again): a fresh port object has no pending cancel and no input."""
        with self._cond:
            self.closed = False
            self._cancelled = False
            self._inbox.clear()


class PortFactory:
    """Stands in for ``serial.Serial``: records each open's settings; ``ports`` are handed out in
    turn (the last one again when they run out); ``failures`` opens fail first."""

    def __init__(self, *ports: ScriptedPort, failures: int = 0) -> None:
        self.ports = list(ports) or [ScriptedPort()]
        self.opened: list[ScriptedPort] = []
        self.settings: list[dict[str, Any]] = []
        self.failures = failures

    def __call__(self, **settings: Any) -> ScriptedPort:
        self.settings.append(settings)
        if self.failures:
            self.failures -= 1
            raise serial.SerialException(f"could not open port {settings['port']}: no such device")
        port = self.ports[min(len(self.opened), len(self.ports) - 1)]
        port.open()
        self.opened.append(port)
        return port
