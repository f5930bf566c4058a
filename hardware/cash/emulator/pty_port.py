"""The emulated device's end of a serial line: a pseudo-terminal pair whose slave side the host
opens by a stable path, like socat's ``pty,link=PATH``.

Why each piece is here:
- Raw mode on the slave: the tty line discipline would otherwise echo, translate CR/LF and buffer
  lines, i.e. change bytes of a binary protocol.
- The host must open the link with parity NONE: on Linux a pty rejects ``parity=EVEN`` (pyserial
  raises ``termios.error: (22, 'Invalid argument')``), so ID-003's 8E1 cannot be set and parity
  errors cannot be emulated. Byte pacing still uses the real 8E1 byte time.
- A pty has no line speed (1024 bytes cross in microseconds), so the bytes we write are paced
  like the real line: 10 bits per byte at 9600 baud for 8N1 (~1.04 ms), 11 for 8E1 (~1.15 ms);
  ``pace`` scales that (1 = real line, 0 = as fast as possible, for tests). Each reply also waits
  ``latency`` first, as a device takes a few ms to answer (ccTalk allows up to 50 ms).
- We keep our own slave descriptor open: otherwise, whenever the host has the port closed, the
  master reads EIO without end, and a host reopening the port would find a hung-up tty.
- Writes never block: bytes the host does not read in time are dropped, as a UART overrun loses
  them on a real line; a blocked write would freeze the device and its control channel.
"""
from __future__ import annotations

import os
import time
import tty
from pathlib import Path

BAUD = 9600
BYTE_SECONDS_8N1 = 10 / BAUD  # start + 8 data + stop bits
BYTE_SECONDS_8E1 = 11 / BAUD  # start + 8 data + parity + stop bits


class LinkError(Exception):
    """The --link path cannot be used: no such directory, or something not a symbolic link is there."""


class PtyPort:
    def __init__(self, link: Path, byte_seconds: float, pace: float = 1.0, latency: float = 0.010) -> None:
        self.link = link
        self.byte_seconds = byte_seconds * pace
        self.latency = latency
        self._master = -1
        self._slave = -1
        self.device = ""  # /dev/pts/N once open

    def open(self) -> None:
        if not self.link.parent.is_dir():
            raise LinkError(f"{self.link}: no directory {self.link.parent} to make the link in")
        if self.link.exists() and not self.link.is_symlink():
            raise LinkError(f"{self.link}: exists and is not a symbolic link (not replaced)")
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.device = os.ttyname(self._slave)
        # a new link made beside it and renamed over the old one: a host never sees a half-made link
        partial = self.link.with_name(f".{self.link.name}.{os.getpid()}")
        partial.unlink(missing_ok=True)
        os.symlink(self.device, partial)
        os.replace(partial, self.link)

    def fileno(self) -> int:
        return self._master

    def read(self) -> bytes:
        """What the host wrote since the last read (empty when nothing is waiting)."""
        try:
            return os.read(self._master, 4096)
        except (BlockingIOError, InterruptedError):
            return b""

    def send(self, data: bytes, reply: bool = True) -> int:
        """Write ``data`` at line speed, after the reply latency when it is a reply (an echo is
        not: it appears while the host is still sending). Returns the bytes that got through."""
        if reply and self.latency > 0:
            time.sleep(self.latency)
        if self.byte_seconds <= 0:
            return self._write(data)
        sent = 0
        start = time.monotonic()
        for i in range(len(data)):
            delay = start + i * self.byte_seconds - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if self._write(data[i:i + 1]) == 0:
                break
            sent += 1
        return sent

    def _write(self, data: bytes) -> int:
        sent = 0
        while sent < len(data):
            try:
                sent += os.write(self._master, data[sent:])
            except (BlockingIOError, InterruptedError):
                break  # the host's input queue is full: the rest is lost, as in a UART overrun
        return sent

    def close(self) -> None:
        # remove the link only if it is still ours (another emulator may have taken the path since)
        try:
            if self.link.is_symlink() and os.readlink(self.link) == self.device:
                self.link.unlink()
        except OSError:
            pass
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1
