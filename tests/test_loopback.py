"""Loopback TCP clients (hardware/loopback.py): a connection that reached itself is refused and
leaves its port free for the server that is meant to listen there."""
from __future__ import annotations

import socket
from itertools import islice

import pytest

from hardware import loopback

HOST = "127.0.0.1"


def free_port() -> int:
    """A port nothing is bound to now; bound without connecting, it leaves no TIME_WAIT behind."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def bound_to(port: int) -> loopback.SocketFactory:
    """Sockets bound to ``port`` itself: their connect to ``port`` with nobody listening is TCP's
    simultaneous open with themselves, every time (what the kernel's source port choice does
    once in a while)."""
    def new_socket() -> socket.socket:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the port may be in TIME_WAIT
        sock.bind((HOST, port))
        return sock
    return new_socket


def strict_server(port: int) -> socket.socket:
    """A listener bound without SO_REUSEADDR: any socket left on the port, even in TIME_WAIT, fails it."""
    server = socket.socket()
    server.bind((HOST, port))
    server.listen()
    return server


def test_a_connection_to_itself_is_refused_and_leaves_the_port_free():
    port = free_port()
    made: list[socket.socket] = []

    def new_socket() -> socket.socket:
        made.append(bound_to(port)())
        return made[-1]

    with pytest.raises(loopback.SelfConnected, match=str(port)):
        loopback.connect((HOST, port), 1.0, new_socket)
    assert made[0].fileno() == -1  # closed
    strict_server(port).close()


def test_a_connection_to_a_server_is_kept_and_blocking():
    with socket.create_server((HOST, 0)) as server:
        with loopback.connect(server.getsockname(), 1.0) as client:
            assert client.gettimeout() is None
            accepted, _ = server.accept()
            with accepted:
                client.sendall(b"x")
                assert accepted.recv(1) == b"x"


def test_a_refused_connection_raises_oserror_and_closes_its_socket():
    made: list[socket.socket] = []

    def new_socket() -> socket.socket:
        made.append(loopback.tcp_socket())
        return made[-1]

    with pytest.raises(ConnectionRefusedError):
        loopback.connect((HOST, free_port()), 1.0, new_socket)
    assert made[0].fileno() == -1


def test_backoff_doubles_up_to_its_cap():
    assert list(islice(loopback.backoff(0.1, 1.0), 7)) == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0]
    assert next(loopback.backoff(5.0, 1.0)) == 1.0
