"""The card emulator as a vsmartcard virtual card: pcscd's vpcd reader driver presents it to any
PC/SC program (our adapter, OpenSC, pcsc_scan) as a real card.

vpcd listens on TCP and a virtual card is its client: connected is "card in the reader", a closed
connection is "card taken out". Both ways every message is a 2-byte big-endian length and a
payload. From the reader, a 1-byte payload is a control code (power off, power on, reset, or
"send the ATR", the only one answered); anything longer is a command APDU, answered with the
response APDU.

The client reconnects by itself when the reader goes away (pcscd restarted), as a card left in
a reader is there again when the reader comes back; ``detach`` takes it out for good. Waiting
for a reader, it backs off to one try a second, and refuses a connection to itself
(hardware/loopback.py): vpcd's ports lie in Linux's ephemeral range, where that can happen.

vpcd writes the length and the payload separately and sets no TCP_NODELAY (frankmorgner/vsmartcard
issue #322), so with Nagle (RFC 896) and delayed ACKs (RFC 1122 §4.2.3.2) every APDU would wait
44 ms (measured through Debian 12's vsmartcard-vpcd 3.3; tests/test_vpcd.py checks it):
TCP_NODELAY is set once and TCP_QUICKACK before every receive, because Linux clears it again by
itself (tcp(7): the flag is not permanent).

Each message is read into one buffer of its size and wiped once answered, since a VERIFY carries
the PIN; the kernel's socket buffers, and vpcd and pcscd on the other side, are beyond our reach
(hardware/card/pcsc_transport.py).
"""
from __future__ import annotations

import logging
import socket
import struct
import threading
from dataclasses import dataclass
from typing import Callable

from hardware import loopback
from hardware.card.emulator import ATR, CardNotPowered, JpkiCardEmulator
from hardware.card.jpki_files import CLA_PROPRIETARY, INS_SIGN
from kiosk.pin import wipe_buffer

DEFAULT_PORT = 35963  # vpcd's first slot in the Debian reader.conf (the second is 35964)
HOST = "127.0.0.1"  # vpcd binds every interface; a card must never be offered beyond this machine
RETRY_SECONDS = 0.1  # the first wait between connection attempts while no reader listens
RETRY_CAP_SECONDS = 1.0  # the longest: a reader that comes back sees the card within a second
_CONNECT_TIMEOUT_SECONDS = 1.0

_POWER_OFF, _POWER_ON, _RESET, _SEND_ATR = 0x00, 0x01, 0x02, 0x04
_LENGTH = struct.Struct(">H")
_SIGN_HEADER = bytes((CLA_PROPRIETARY, INS_SIGN))

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Traffic:
    """What crossed the reader interface since attach: command APDUs and their bytes both ways."""

    apdus: int = 0
    command_bytes: int = 0
    response_bytes: int = 0


class _Pulled(Exception):
    """The card leaves the reader before it answers."""


class VpcdCard:
    """One emulated card in one vpcd slot (``port``), served on its own thread."""

    def __init__(
        self,
        emulator: JpkiCardEmulator,
        port: int = DEFAULT_PORT,
        on_connection: Callable[[bool], None] | None = None,
        new_socket: loopback.SocketFactory = loopback.tcp_socket,  # a test's, to force a self-connect
    ) -> None:
        self._emulator = emulator
        self._port = port
        self._on_connection = on_connection
        self._new_socket = new_socket
        self._lock = threading.Lock()
        self._traffic = Traffic()
        self._socket: socket.socket | None = None
        self._connected = threading.Event()
        self._detached = threading.Event()
        self._pull_at_next_sign = False
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._port

    @property
    def traffic(self) -> Traffic:
        with self._lock:
            return self._traffic

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def attached(self) -> bool:
        """In the reader or trying to get there: not yet detached, nor pulled."""
        return self._thread is not None and self._thread.is_alive()

    def attach(self) -> None:
        """Put the card in the reader; returns at once (the reader sees it within about 0.4 s)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._detached.clear()
        self._thread = threading.Thread(target=self._run, name=f"vpcd-card-{self._port}", daemon=True)
        self._thread.start()

    def detach(self) -> None:
        """Take the card out and wait until its connection is closed."""
        self._detached.set()
        self._close()
        # Ctrl-C may cut attach() short of starting the thread; one that starts later ends at once.
        if self._thread is not None and self._thread.is_alive():
            self._thread.join()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def pull_during_next_sign(self) -> None:
        """The next signing command never gets its answer: the card leaves the reader instead."""
        with self._lock:
            self._pull_at_next_sign = True

    def _run(self) -> None:
        delays = loopback.backoff(RETRY_SECONDS, RETRY_CAP_SECONDS)
        while not self._detached.is_set():
            connection = self._connect()
            if connection is None:
                self._detached.wait(next(delays))  # detach() ends the wait at once
                continue
            delays = loopback.backoff(RETRY_SECONDS, RETRY_CAP_SECONDS)  # a reader gone away is back soon
            try:
                self._serve(connection)
            except _Pulled:
                self._detached.set()
            except (OSError, EOFError) as error:
                if not self._detached.is_set():
                    log.info("vpcd connection on port %d ended (%s)", self._port, type(error).__name__)
            finally:
                self._close()
                self._emulator.power_off()
                self._connected.clear()
                self._notify(False)

    def _connect(self) -> socket.socket | None:
        try:
            connection = loopback.connect((HOST, self._port), _CONNECT_TIMEOUT_SECONDS, self._new_socket)
        except loopback.SelfConnected:
            log.warning("vpcd port %d: the card's connection reached itself, not a reader (none listens);"
                        " closed it, trying again", self._port)
            return None
        except OSError:
            return None
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._socket = connection
        if self._detached.is_set():  # detach() ran while connecting: it could not close this one
            self._close()
            return None
        self._connected.set()
        self._notify(True)
        return connection

    def _serve(self, connection: socket.socket) -> None:
        while True:
            (length,) = _LENGTH.unpack(_receive(connection, _LENGTH.size))
            payload = _receive(connection, length)
            try:
                response = self._answer(connection, payload)
            finally:
                wipe_buffer(payload)  # a VERIFY carries the PIN: no command outlives its answer
            if response is not None:
                _send(connection, response)

    def _answer(self, connection: socket.socket, payload: bytearray) -> bytes | None:
        """The response to one message from vpcd; None for a control code that wants none."""
        if len(payload) == 1:
            self._control(connection, payload[0])
            return None
        if self._pulling(payload):
            raise _Pulled()
        try:
            response = self._emulator.process(payload)
        except CardNotPowered:
            # A card without power cannot answer; vpcd has no way to say so but an empty reply.
            log.warning("vpcd sent a command to the card before powering it; answered nothing")
            response = b""
        with self._lock:  # counted before the answer leaves, so whoever got it sees it counted
            t = self._traffic
            self._traffic = Traffic(t.apdus + 1, t.command_bytes + len(payload), t.response_bytes + len(response))
        return response

    def _control(self, connection: socket.socket, code: int) -> None:
        if code == _POWER_OFF:
            self._emulator.power_off()
        elif code == _POWER_ON:
            self._emulator.power_on()
        elif code == _RESET:
            self._emulator.reset()
        elif code == _SEND_ATR:
            _send(connection, ATR)
        else:
            log.warning("vpcd sent unknown control code %02X; ignored", code)

    def _pulling(self, command: bytes) -> bool:
        with self._lock:
            if self._pull_at_next_sign and command[:2] == _SIGN_HEADER:
                self._pull_at_next_sign = False
                return True
            return False

    def _close(self) -> None:
        with self._lock:
            connection, self._socket = self._socket, None
        if connection is None:
            return
        try:
            connection.shutdown(socket.SHUT_RDWR)  # wakes the serving thread out of recv
        except OSError:
            pass
        connection.close()

    def _notify(self, connected: bool) -> None:
        if self._on_connection is not None:
            self._on_connection(connected)


def _receive(connection: socket.socket, count: int) -> bytearray:
    """Exactly ``count`` bytes, read straight into one buffer of that size: no chunk copies are left
    behind, and the caller wipes the buffer (a command may carry the PIN)."""
    data = bytearray(count)
    try:
        with memoryview(data) as view:
            got = 0
            while got < count:
                connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                n = connection.recv_into(view[got:], count - got)
                if not n:
                    raise EOFError("vpcd closed the connection")
                got += n
    except BaseException:
        wipe_buffer(data)
        raise
    return data


def _send(connection: socket.socket, payload: bytes) -> None:
    connection.sendall(_LENGTH.pack(len(payload)) + payload)
