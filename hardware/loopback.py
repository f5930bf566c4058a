"""TCP clients of a server on this machine, and the trap they share: a connection to itself.

With nobody listening on a loopback port, a client whose source port the kernel happens to pick
equal to that port meets its own SYN, and TCP's simultaneous open (RFC 9293 §3.5) connects it to
itself. Linux picks source ports in net.ipv4.ip_local_port_range, 32768–60999 by default, which
holds vpcd's 35963, so a client retrying until its server comes up gets there sooner or later.
It then takes itself for the server and holds the port; closed normally it still holds it for a
minute in TIME_WAIT, and the server, when it starts, cannot bind ("Address already in use").

``connect`` refuses such a connection and closes it with a reset, which leaves no TIME_WAIT.
Every TCP client of a local server goes through it; ``new_socket`` lets a test force the trap.
"""
from __future__ import annotations

import socket
import struct
from typing import Callable, Iterator

SocketFactory = Callable[[], socket.socket]
_LINGER_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close sends RST and keeps no TIME_WAIT


class SelfConnected(ConnectionError):
    """The connection reached its own socket, not a server."""


def tcp_socket() -> socket.socket:
    return socket.socket(socket.AF_INET, socket.SOCK_STREAM)


def connect(address: tuple[str, int], timeout: float, new_socket: SocketFactory = tcp_socket) -> socket.socket:
    """A blocking socket connected to ``address``; OSError when there is none, SelfConnected when
    the connection reached itself (the socket is closed either way)."""
    sock = new_socket()
    try:
        sock.settimeout(timeout)
        sock.connect(address)
        if sock.getsockname() == sock.getpeername():
            raise SelfConnected(f"connected to itself on port {address[1]}: nothing listens there")
        sock.settimeout(None)
    except BaseException:
        abort(sock)
        raise
    return sock


def abort(sock: socket.socket) -> None:
    """Close with a reset: no TIME_WAIT is left to hold the port."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
    except OSError:
        pass  # already reset by the peer: a plain close leaves nothing either
    sock.close()


def backoff(first: float, cap: float) -> Iterator[float]:
    """Waits between attempts: ``first``, doubled each time, never more than ``cap``."""
    delay = min(first, cap)
    while True:
        yield delay
        delay = min(delay * 2, cap)
