"""One serial port, one thread: every exchange on a port runs on the thread that owns it.

pyserial is not thread-safe, and two threads sharing a port swap each other's replies and time
out at random (nv9biller issue 2; pyserial issue 114). So a ``PortOwner`` starts one thread per
port and runs each exchange there, one at a time, each under a deadline: a caller waits at most
that long and then gets ``DeviceSilent`` — a call never hangs, even when a read inside pyserial
does (eSSP issue 7; mecode PR 35). A port that fails is closed and reopened on the next
exchange; while it cannot be opened, callers get ``LinkDown``.
"""
from __future__ import annotations

import logging
import queue
import termios
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, Self, TypeVar

import serial

log = logging.getLogger(__name__)

T = TypeVar("T")
F = TypeVar("F")
F_co = TypeVar("F_co", covariant=True)

READ_SLICE = 0.05  # s a read waits for a byte: ccTalk's inter-byte limit (X6 manual p.12)
WRITE_TIMEOUT = 1.0  # s a write may block; at 9600 baud a frame takes well under 0.3 s


class SerialFault(IOError):
    """A cash device cannot be talked to right now."""


class DeviceSilent(SerialFault):
    """No valid reply within the exchange's deadline.

    ``started`` is False when the exchange never began (the port's thread was still busy with an
    earlier one): nothing was sent, so a command it carried certainly did not happen."""

    def __init__(self, message: str, *, started: bool = True) -> None:
        super().__init__(message)
        self.started = started


class LinkDown(SerialFault):
    """The port cannot be opened, failed mid-exchange, or was closed."""


class ProtocolError(SerialFault):
    """A reply arrived but is not what the request calls for."""


class SerialPortLike(Protocol):
    """The part of ``serial.Serial`` the drivers use (tests pass an in-memory port)."""

    @property
    def in_waiting(self) -> int: ...

    def write(self, data: bytes, /) -> int | None: ...

    def read(self, size: int = 1, /) -> bytes: ...

    def reset_input_buffer(self) -> None: ...

    def close(self) -> None: ...


PortFactory = Callable[..., SerialPortLike]


class FrameSource(Protocol[F_co]):
    def feed(self, chunk: bytes) -> Sequence[F_co]: ...

    def line_idle(self) -> Sequence[F_co]: ...


def read_frames(port: SerialPortLike, decoder: FrameSource[F], timeout: float) -> Iterator[F]:
    """Frames decoded from what the port receives, for at most ``timeout`` seconds.

    The port reads with its own short timeout (``READ_SLICE``), so the deadline is checked at
    least that often; a read that brings nothing tells the decoder the line went quiet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        chunk = port.read(max(1, port.in_waiting))
        yield from decoder.feed(chunk) if chunk else decoder.line_idle()


_PENDING, _RUNNING, _DONE, _ABANDONED = "pending", "running", "done", "abandoned"


class _Job:
    def __init__(self, fn: Callable[[SerialPortLike], Any]) -> None:
        self.fn = fn
        self.state = _PENDING
        self.value: Any = None
        self.error: BaseException | None = None
        self.finished = threading.Event()


class PortOwner:
    """Owns one serial port on one thread of its own, named after the port.

    ``run(fn, deadline)`` runs ``fn(port)`` on that thread and returns its value or raises its
    exception. One exchange at a time, in call order. Past the deadline the caller gets
    ``DeviceSilent``; the abandoned exchange's reads and writes fail from then on, its late
    result is thrown away and the port reopened, since bytes it asked for may still arrive. A
    job still queued at its deadline is never run.
    An ``OSError`` out of the port (pyserial's ``SerialException`` is one) reaches the caller as
    ``LinkDown`` and the port is reopened for the next exchange.
    """

    def __init__(
        self,
        path: str,
        *,
        baudrate: int = 9600,
        bytesize: int = 8,
        parity: str = "N",
        stopbits: float = 1,
        open_port: PortFactory = serial.Serial,
        reopen_interval: float = 0.2,
    ) -> None:
        self.path = path
        self._settings: dict[str, Any] = {
            "port": path, "baudrate": baudrate, "bytesize": bytesize, "parity": parity,
            "stopbits": stopbits, "timeout": READ_SLICE, "write_timeout": WRITE_TIMEOUT,
            "exclusive": True,  # a second program on the port would garble both
        }
        self._open_port = open_port
        self._reopen_interval = reopen_interval
        self._port: SerialPortLike | None = None
        self._last_open_failure: tuple[float, str] | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=f"serial {path}", daemon=True)
        self._thread.start()

    def run(self, fn: Callable[[SerialPortLike], T], deadline: float) -> T:
        job = _Job(fn)
        with self._lock:
            if self._closed:
                raise LinkDown(f"{self.path}: closed")
            self._jobs.put(job)
        if not job.finished.wait(deadline):
            with self._lock:
                state = job.state
                if state != _DONE:
                    job.state = _ABANDONED
                port = self._port
            if state == _PENDING:
                raise DeviceSilent(f"{self.path}: still busy after {deadline:.2f} s", started=False)
            if state == _RUNNING:
                _cancel_read(port)
                raise DeviceSilent(f"{self.path}: no reply within {deadline:.2f} s")
        if job.error is not None:
            raise job.error
        return job.value  # type: ignore[no-any-return]

    def close(self, timeout: float = 1.0) -> None:
        """Stop the thread and close the port; queued exchanges fail with ``LinkDown``."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._jobs.put(None)
            port = self._port
        _cancel_read(port)
        self._thread.join(timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the owner thread ---------------------------------------------------------------------
    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            with self._lock:
                if job.state != _PENDING:
                    continue  # its caller gave up before it started: never send it late
                job.state = _RUNNING
                closing = self._closed
            value, error = (None, LinkDown(f"{self.path}: closed")) if closing else self._attempt(job)
            with self._lock:
                abandoned = job.state == _ABANDONED
                job.value, job.error, job.state = value, error, _DONE
            job.finished.set()
            if abandoned:
                log.warning("%s: an exchange outlived its deadline; reopening the port", self.path)
                self._discard_port()
        self._discard_port()

    def _attempt(self, job: _Job) -> tuple[Any, BaseException | None]:
        try:
            return job.fn(_Guarded(self._opened(), job)), None
        except SerialFault as exc:
            return None, exc
        except (OSError, termios.error) as exc:  # pyserial lets termios.error through on a hang-up (EIO)
            self._discard_port()
            down = LinkDown(f"{self.path}: {exc}")
            down.__cause__ = exc
            return None, down
        except Exception as exc:  # noqa: BLE001 — the caller's own error: handed back, the thread lives on
            return None, exc

    def _opened(self) -> SerialPortLike:
        if self._port is not None:
            return self._port
        now = time.monotonic()
        if self._last_open_failure and now - self._last_open_failure[0] < self._reopen_interval:
            raise LinkDown(f"{self.path}: cannot open: {self._last_open_failure[1]}")
        try:
            port = self._open_port(**self._settings)
        except Exception as exc:  # OSError, ValueError (settings), termios.error (EVEN on a pty)
            self._last_open_failure = (now, str(exc))
            raise LinkDown(f"{self.path}: cannot open: {exc}") from exc
        self._last_open_failure = None
        with self._lock:
            self._port = port
        return port

    def _discard_port(self) -> None:
        with self._lock:
            port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except OSError:
                pass  # the port is already gone: nothing more to release


class _Guarded:
    """The port as one exchange sees it. Once the caller has given up, every further call on it
    fails at once: an abandoned exchange can neither keep reading nor write anything more."""

    def __init__(self, port: SerialPortLike, job: _Job) -> None:
        self._port = port
        self._job = job

    def _check(self) -> SerialPortLike:
        if self._job.state == _ABANDONED:
            raise DeviceSilent("the caller gave up on this exchange")
        return self._port

    @property
    def in_waiting(self) -> int:
        return self._check().in_waiting

    def write(self, data: bytes, /) -> int | None:
        return self._check().write(data)

    def read(self, size: int = 1, /) -> bytes:
        return self._check().read(size)

    def reset_input_buffer(self) -> None:
        self._check().reset_input_buffer()

    def close(self) -> None:
        self._port.close()


def _cancel_read(port: SerialPortLike | None) -> None:
    """Wake a read blocked on ``port`` (pyserial's ``cancel_read`` is meant for another thread)."""
    cancel = getattr(port, "cancel_read", None)
    if callable(cancel):
        try:
            cancel()
        except OSError:
            pass  # the port closed under us: the read has ended anyway
