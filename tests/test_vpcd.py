"""The vpcd client: the vsmartcard protocol against a stand-in for pcscd's vpcd driver, then the
APDU round trip through the real pcscd (the delayed-ACK trap: hardware/card/vpcd.py)."""
from __future__ import annotations

import socket
import statistics
import struct
import time

import pytest

pytest.register_assert_rewrite("pcscd_fixture")  # it is also this module's pytest plugin, below

from contract.card_reader_contract import USABLE, write_contract_cards
from pcscd_fixture import poll

from hardware.card.card_file import PinTryCounter, card_path, load_demo_card
from hardware.card.emulator import ATR, JpkiCardEmulator
from hardware.card.vpcd import Traffic, VpcdCard

pytest_plugins = ["pcscd_fixture"]

SELECT_JPKI = bytes.fromhex("00A4040C0AD392F000260100000001")
POWER_OFF, POWER_ON, SEND_ATR = b"\x00", b"\x01", b"\x04"
WAIT_SECONDS = 5.0


class StandInVpcd:
    """The reader side of the protocol, as vpcd speaks it: a loopback server, one card at a time."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
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


@pytest.fixture
def card(vpcd, tmp_path):
    write_contract_cards(tmp_path)
    demo = load_demo_card(card_path(tmp_path, USABLE))
    card = VpcdCard(JpkiCardEmulator(demo, PinTryCounter(demo)), vpcd.port)
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
