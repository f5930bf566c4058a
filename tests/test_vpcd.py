"""The vpcd client: the vsmartcard protocol against a stand-in for pcscd's vpcd driver, then the
APDU round trip through the real pcscd (the delayed-ACK trap: hardware/card/vpcd.py), and the
card that connects to itself while no reader listens (hardware/loopback.py)."""
from __future__ import annotations

import logging
import os
import select
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time

import pytest

pytest.register_assert_rewrite("pcscd_fixture")  # it is also this module's pytest plugin, below

from contract.card_reader_contract import USABLE, write_contract_cards
from pcscd_fixture import poll
from test_loopback import bound_to, free_port

from hardware import loopback
from hardware.card import vpcd as vpcd_module
from hardware.card.card_file import PinTryCounter, card_path, load_demo_card
from hardware.card.emulator import ATR, JpkiCardEmulator
from hardware.card.vpcd import Traffic, VpcdCard

pytest_plugins = ["pcscd_fixture"]

SELECT_JPKI = bytes.fromhex("00A4040C0AD392F000260100000001")
POWER_OFF, POWER_ON, SEND_ATR = b"\x00", b"\x01", b"\x04"
WAIT_SECONDS = 5.0


class StandInVpcd:
    """The reader side of the protocol, as vpcd speaks it: a loopback server, one card at a time.
    Bound without SO_REUSEADDR: a socket the card left on ``port``, even in TIME_WAIT, fails it."""

    def __init__(self, port: int = 0) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", port))
        self.server.listen()
        self.server.settimeout(WAIT_SECONDS)
        self.port = self.server.getsockname()[1]
        self.connection: socket.socket | None = None

    def accept(self) -> None:
        self.connection, _ = self.server.accept()
        self.connection.settimeout(WAIT_SECONDS)

    def send(self, payload: bytes) -> None:
        self.connection.sendall(struct.pack(">H", len(payload)) + payload)

    def receive(self) -> bytes | None:
        """The next message, or None when the card closed the connection."""
        header = self._read(2)
        if header is None:
            return None
        return self._read(struct.unpack(">H", header)[0]) or b""

    def exchange(self, apdu: bytes) -> bytes | None:
        self.send(apdu)
        return self.receive()

    def _read(self, count: int) -> bytes | None:
        data = b""
        while len(data) < count:
            chunk = self.connection.recv(count - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.server.close()


@pytest.fixture
def vpcd():
    stand_in = StandInVpcd()
    yield stand_in
    stand_in.close()


def emulator(cards_dir) -> JpkiCardEmulator:
    write_contract_cards(cards_dir)
    demo = load_demo_card(card_path(cards_dir, USABLE))
    return JpkiCardEmulator(demo, PinTryCounter(demo))


def self_connecting_first(port: int) -> tuple[loopback.SocketFactory, list[socket.socket]]:
    """A socket factory whose first socket connects to itself on ``port`` (test_loopback.bound_to),
    the others as the kernel makes them; and the sockets made so far."""
    made: list[socket.socket] = []

    def new_socket() -> socket.socket:
        made.append(bound_to(port)() if not made else loopback.tcp_socket())
        return made[-1]
    return new_socket, made


@pytest.fixture
def card(vpcd, tmp_path):
    card = VpcdCard(emulator(tmp_path), vpcd.port)
    card.attach()
    vpcd.accept()
    yield card
    card.detach()


def test_the_card_gives_its_atr_and_answers_commands_once_powered(vpcd, card):
    vpcd.send(POWER_ON)
    vpcd.send(SEND_ATR)
    assert vpcd.receive() == ATR
    assert vpcd.exchange(SELECT_JPKI) == bytes.fromhex("9000")
    assert vpcd.exchange(bytes.fromhex("00A4040C03A00000")) == bytes.fromhex("6A82")
    assert card.traffic == Traffic(apdus=2, command_bytes=len(SELECT_JPKI) + 8, response_bytes=4)


def test_a_card_without_power_answers_nothing(vpcd, card):
    vpcd.send(POWER_ON)
    vpcd.send(POWER_OFF)
    assert vpcd.exchange(SELECT_JPKI) == b""


def test_detach_takes_the_card_out(vpcd, card):
    assert card.wait_connected(WAIT_SECONDS)
    card.detach()
    assert vpcd.receive() is None
    assert not card.connected and not card.attached


def test_the_card_comes_back_when_the_reader_does(vpcd, card):
    """pcscd restarted: the card left in the reader is there again, unpowered until asked."""
    vpcd.send(POWER_ON)
    assert vpcd.exchange(SELECT_JPKI) == bytes.fromhex("9000")
    vpcd.connection.close()
    vpcd.accept()
    assert vpcd.exchange(SELECT_JPKI) == b""
    vpcd.send(POWER_ON)
    assert vpcd.exchange(SELECT_JPKI) == bytes.fromhex("9000")


def test_a_card_pulled_during_the_signature_leaves_without_answering(vpcd, card):
    vpcd.send(POWER_ON)
    card.pull_during_next_sign()
    assert vpcd.exchange(SELECT_JPKI) == bytes.fromhex("9000")
    assert vpcd.exchange(bytes.fromhex("00A4020C020018")) == bytes.fromhex("9000")
    assert vpcd.exchange(bytes.fromhex("0020008004") + b"1234") == bytes.fromhex("9000")
    assert vpcd.exchange(bytes.fromhex("00A4020C020017")) == bytes.fromhex("9000")
    assert vpcd.exchange(bytes.fromhex("802A008033") + bytes(51) + b"\x00") is None
    poll(lambda: not card.attached, WAIT_SECONDS, "the pulled card to stay out")


def test_a_card_connected_to_itself_lets_go_and_later_finds_the_reader(tmp_path, caplog):
    """No reader listens, and the card's connection reaches itself: it must not take that for a
    reader, nor keep the port from the reader that starts next (issue 14)."""
    port = free_port()
    new_socket, made = self_connecting_first(port)
    seen: list[bool] = []
    card = VpcdCard(emulator(tmp_path), port, on_connection=seen.append, new_socket=new_socket)
    reader: StandInVpcd | None = None
    with caplog.at_level(logging.WARNING, logger=vpcd_module.__name__):
        card.attach()
        try:
            poll(lambda: len(made) > 1, WAIT_SECONDS, "a second try after the self-connect")
            [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
            assert f"port {port}" in warning and "itself" in warning
            assert seen == [] and not card.connected
            reader = StandInVpcd(port)  # fails if the self-connection still held the port
            reader.accept()
            assert card.wait_connected(WAIT_SECONDS) and seen == [True]
            reader.send(POWER_ON)
            reader.send(SEND_ATR)
            assert reader.receive() == ATR
        finally:
            card.detach()
            if reader is not None:
                reader.close()


def test_detach_ends_the_wait_for_a_reader_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(vpcd_module, "RETRY_SECONDS", 60.0)
    monkeypatch.setattr(vpcd_module, "RETRY_CAP_SECONDS", 60.0)
    tries: list[socket.socket] = []

    def new_socket() -> socket.socket:
        tries.append(loopback.tcp_socket())
        return tries[-1]

    card = VpcdCard(emulator(tmp_path), free_port(), new_socket=new_socket)
    card.attach()
    poll(lambda: tries and tries[0].fileno() == -1, WAIT_SECONDS, "the first try to be refused")
    started = time.monotonic()
    card.detach()
    assert time.monotonic() - started < WAIT_SECONDS and not card.attached


def test_the_emulator_command_exits_at_once_on_ctrl_c_while_waiting_for_the_reader(kiosk_config):
    command = [sys.executable, "-m", "app", "card-emulator", "--card", "sato-ichiro", "--port", str(free_port())]
    env = {**os.environ, "KIOSK_DATA_DIR": str(kiosk_config.data_dir)}
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as process:
        try:
            assert select.select([process.stdout], [], [], 60)[0], "the command printed nothing"
            assert "waiting for the vpcd reader" in process.stdout.readline()
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=WAIT_SECONDS)
        finally:
            process.kill()
    assert process.returncode == 0, (process.returncode, out, err)
    assert out.strip().endswith("taken out")


@pytest.mark.realstack
def test_pcscd_starts_after_the_card_connected_to_itself_on_its_port(pcscd, tmp_path):
    """The issue's case through the real pcscd: its vpcd could not bind while the port was held."""
    new_socket, made = self_connecting_first(pcscd.port)
    card = VpcdCard(emulator(tmp_path), pcscd.port, new_socket=new_socket)
    pcscd.stop()
    started = False
    try:
        card.attach()
        poll(lambda: len(made) > 1, WAIT_SECONDS, "a second try after the self-connect")
        assert not card.connected
        pcscd.start()  # PcscdUnavailable if its vpcd could not bind the port
        started = True
        poll(pcscd.has_card, WAIT_SECONDS, "pcscd to see the card")
    finally:
        card.detach()
        if not started:
            pcscd.start()  # the session's pcscd, for the tests after this one
        pcscd.wait_slot_empty()


@pytest.mark.realstack
def test_an_apdu_through_pcscd_takes_well_under_a_millisecond(pcscd, tmp_path):
    """Without TCP_QUICKACK every APDU would wait for a delayed ACK (44 ms measured: hardware/card/vpcd.py)."""
    from smartcard import scard

    write_contract_cards(tmp_path)
    demo = load_demo_card(card_path(tmp_path, USABLE))
    card = VpcdCard(JpkiCardEmulator(demo, PinTryCounter(demo)), pcscd.port)
    card.attach()
    _, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    try:
        poll(pcscd.has_card, WAIT_SECONDS, "pcscd to see the card")
        code, handle, protocol = scard.SCardConnect(
            context, pcscd.reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T1
        )
        assert code == scard.SCARD_S_SUCCESS
        times = []
        for _ in range(200):
            start = time.perf_counter()
            code, response = scard.SCardTransmit(handle, protocol, list(SELECT_JPKI))
            times.append(time.perf_counter() - start)
            assert (code, bytes(response)) == (0, bytes.fromhex("9000"))
        scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
        assert statistics.median(times) < 0.005
    finally:
        scard.SCardReleaseContext(context)
        card.detach()
        pcscd.wait_slot_empty()
