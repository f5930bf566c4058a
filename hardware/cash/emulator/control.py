"""The control channel: a Unix stream socket taking JSON lines, one request per line, one reply
line each: ``{"op": "insert", "yen": 1000}`` → ``{"ok": true, ...}`` or
``{"ok": false, "error": "..."}``.

Tests and the demo panel use it to do what a person does to the device (insert money, jam it,
pull its cable). A Unix socket, not TCP: only this machine's users can reach it, and its path is
as easy to hand around as the serial link's. Several clients may be connected at once; each is
served in turn by the emulator's one loop, so a request never races the serial line.
"""
from __future__ import annotations

import json
import os
import selectors
import socket
import stat
import traceback
from pathlib import Path
from typing import Callable, Mapping

MAX_SOCKET_PATH = 107  # sun_path holds 108 bytes with the final NUL (unix(7))
MAX_LINE = 64 * 1024  # a request is a few dozen bytes; anything this long is not one
_SEND_TIMEOUT = 1.0  # a client that stops reading its replies is dropped, not waited for

Handler = Callable[[Mapping[str, object]], dict[str, object]]


class ControlError(ValueError):
    """A request the device cannot do as asked: answered ``{"ok": false, "error": str(exc)}``."""


class ControlPathError(Exception):
    """The --control path cannot be used: too long, no such directory, or taken."""


def int_arg(request: Mapping[str, object], name: str, default: int | None = None,
            low: int | None = None, high: int | None = None) -> int:
    value = request.get(name, default)
    if value is None:
        raise ControlError(f"{name!r} is missing (a whole number)")
    if not isinstance(value, int) or isinstance(value, bool):
        raise ControlError(f"{name!r} must be a whole number, not {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ControlError(f"{name!r} must be from {low} to {high}, not {value}")
    return value


def choice_arg(request: Mapping[str, object], name: str, choices: tuple[str, ...], default: str) -> str:
    value = request.get(name, default)
    if value not in choices:
        raise ControlError(f"{name!r} must be one of {', '.join(choices)}, not {value!r}")
    return str(value)


def answer(line: bytes, handle: Handler) -> dict[str, object]:
    """One request line → its reply; never raises for anything the client sent."""
    try:
        request = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        return {"ok": False, "error": f"not a JSON line: {exc}"}
    if not isinstance(request, dict) or not isinstance(request.get("op"), str):
        return {"ok": False, "error": 'a request is a JSON object with "op": a string'}
    try:
        return {"ok": True, **handle(request)}
    except ControlError as exc:
        return {"ok": False, "error": str(exc)}
    except Exception as exc:  # a bug of ours: said on stderr and to the client, the device keeps running
        traceback.print_exc()
        return {"ok": False, "error": f"emulator error: {type(exc).__name__}: {exc}"}


class ControlServer:
    def __init__(self, path: Path, handle: Handler) -> None:
        self.path = path
        self._handle = handle
        self._listener: socket.socket | None = None
        self._clients: dict[socket.socket, bytearray] = {}
        self._selector: selectors.BaseSelector | None = None
        self._inode = -1  # the socket file we made, so that close removes only ours

    def open(self, selector: selectors.BaseSelector) -> None:
        if len(os.fsencode(self.path)) > MAX_SOCKET_PATH:
            raise ControlPathError(f"{self.path}: longer than the {MAX_SOCKET_PATH} bytes a Unix socket path may have")
        if not self.path.parent.is_dir():
            raise ControlPathError(f"{self.path}: no directory {self.path.parent} to make the socket in")
        self._remove_stale()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.path))
        listener.listen(8)
        self._inode = os.lstat(self.path).st_ino
        listener.setblocking(False)
        self._listener, self._selector = listener, selector
        selector.register(listener, selectors.EVENT_READ, self._accept)

    def _remove_stale(self) -> None:
        """A socket file left by an emulator that was killed is replaced; a live one is not."""
        try:
            mode = os.lstat(self.path).st_mode
        except FileNotFoundError:
            return
        if not stat.S_ISSOCK(mode):
            raise ControlPathError(f"{self.path}: exists and is not a socket (not replaced)")
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(str(self.path))
        except OSError:
            self.path.unlink()  # nobody listens: stale
            return
        finally:
            probe.close()
        raise ControlPathError(f"{self.path}: another emulator is listening there")

    def _accept(self) -> None:
        assert self._listener is not None and self._selector is not None
        try:
            client, _ = self._listener.accept()
        except BlockingIOError:
            return
        client.settimeout(_SEND_TIMEOUT)
        self._clients[client] = bytearray()
        self._selector.register(client, selectors.EVENT_READ, lambda: self._serve(client))

    def _serve(self, client: socket.socket) -> None:
        try:
            data = client.recv(4096)
        except OSError:
            data = b""
        if not data:
            self._drop(client)
            return
        buffer = self._clients[client]
        buffer += data
        while (end := buffer.find(b"\n")) >= 0:
            line = bytes(buffer[:end])
            del buffer[:end + 1]
            if not line.strip():
                continue
            if not self._reply(client, answer(line, self._handle)):
                return
        if len(buffer) > MAX_LINE:
            self._reply(client, {"ok": False, "error": f"request longer than {MAX_LINE} bytes"})
            self._drop(client)

    def _reply(self, client: socket.socket, reply: dict[str, object]) -> bool:
        try:
            client.sendall(json.dumps(reply).encode() + b"\n")
            return True
        except OSError:
            self._drop(client)
            return False

    def _drop(self, client: socket.socket) -> None:
        if client in self._clients:
            del self._clients[client]
            if self._selector is not None:
                self._selector.unregister(client)
            client.close()

    def close(self) -> None:
        for client in list(self._clients):
            self._drop(client)
        if self._listener is not None:
            if self._selector is not None:
                self._selector.unregister(self._listener)
            self._listener.close()
            self._listener = None
            try:
                if os.lstat(self.path).st_ino == self._inode:
                    self.path.unlink()
            except OSError:
                pass

