"""One thread serves the serial line and the control socket of one emulated device.

One thread, because the device is one state machine: a control request ("insert a coin") and a
frame from the host never run at the same time, so neither needs a lock and every test sees the
same order of events the device saw. Writing a reply blocks the loop for its line time, as the
real line is busy for that long; the hopper's coins come from ``tick`` at their deadlines.

The cable and the line noise are the loop's, not the device's: a pulled cable means nothing the
host sends reaches the device (no echo either: our bus has its host join at the device end) and
nothing the device says reaches the host, while the device keeps its state and its control
channel; garbage is random bytes written on the line as they are.
"""
from __future__ import annotations

import random
import selectors
import signal
import socket
import time
from pathlib import Path
from typing import Callable, Mapping

from hardware.cash.emulator.control import ControlServer, int_arg
from hardware.cash.emulator.line import LineDevice
from hardware.cash.emulator.pty_port import PtyPort

MAX_GARBAGE = 65536


class Emulator:
    def __init__(self, device: LineDevice, port: PtyPort, control_path: Path) -> None:
        self.device = device
        self.port = port
        self.control = ControlServer(control_path, self._control)
        self.plugged = True
        self.bytes_in = 0
        self.bytes_out = 0
        self._stopping = False

    def stop(self) -> None:
        self._stopping = True

    def serve(self, ready: Callable[[], None]) -> None:
        """Open the line and the socket, call ``ready``, serve until ``stop``; then clean up."""
        selector = selectors.DefaultSelector()
        wake_in, wake_out = socket.socketpair()  # a signal wakes the select (signal.set_wakeup_fd)
        wake_in.setblocking(False)
        wake_out.setblocking(False)
        previous_wakeup = signal.set_wakeup_fd(wake_out.fileno())
        try:
            self.port.open()
            self.control.open(selector)
            selector.register(self.port.fileno(), selectors.EVENT_READ, self._line)
            selector.register(wake_in, selectors.EVENT_READ, lambda: wake_in.recv(512))
            ready()
            while not self._stopping:
                now = time.monotonic()
                self.device.tick(now)
                deadline = self.device.next_deadline()
                timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
                for key, _ in selector.select(timeout):
                    key.data()
        finally:
            signal.set_wakeup_fd(previous_wakeup)
            self.control.close()
            self.port.close()
            selector.close()
            wake_in.close()
            wake_out.close()

    def _line(self) -> None:
        data = self.port.read()
        if not data or not self.plugged:
            return  # with the cable out, what the host sends goes nowhere
        self.bytes_in += len(data)
        now = time.monotonic()
        self.device.tick(now)
        for transmission in self.device.received(data, now):
            self.bytes_out += self.port.send(transmission.data, reply=not transmission.echo)

    def _control(self, request: Mapping[str, object]) -> dict[str, object]:
        op = str(request["op"])
        reply: dict[str, object] = {}
        if op == "pull_cable":
            self.plugged = False
        elif op == "plug_cable":
            if not self.plugged:
                self.device.line_reset()
            self.plugged = True
        elif op == "garbage":
            count = int_arg(request, "count", low=0, high=MAX_GARBAGE)
            seed = request.get("seed")
            noise = random.Random(seed if isinstance(seed, int) else None).randbytes(count)
            written = self.port.send(noise, reply=False) if self.plugged else 0
            self.bytes_out += written
            reply["written"] = written
        else:
            return {**self.device.control(op, request, time.monotonic()), "line": self._line_state()}
        return {**reply, **self.device.control("state", request, time.monotonic()), "line": self._line_state()}

    def _line_state(self) -> dict[str, object]:
        return {"plugged": self.plugged, "link": str(self.port.link), "device": self.port.device,
                "bytes_in": self.bytes_in, "bytes_out": self.bytes_out}
