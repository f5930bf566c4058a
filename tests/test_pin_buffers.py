"""Every buffer that carried a PIN is zeroed once used: the Pin, the VERIFY command the host
sends, the list of ints pyscard is given, the command the vpcd card receives
(tests/test_pin_memory.py shows the whole way end to end)."""
from __future__ import annotations

import socket
import struct

import pytest

from hardware.card import pcsc_transport
from hardware.card.apdu import ApduTransport, CardAbsent, Command, command_parts
from hardware.card.jpki import JpkiSession
from hardware.card.vpcd import VpcdCard
from kiosk.pin import PIN_LENGTH, Pin, PinFormatError
from kiosk.ports.card import PinTriesLeft, WrongPin

PIN = bytearray(b"3856")


class RecordingCard(ApduTransport):
    """Keeps every VERIFY-with-a-PIN object it was handed, and answers it with ``verify_answer``."""

    def __init__(self, verify_answer: bytes | Exception) -> None:
        self.verifies: list[bytes | bytearray] = []
        self._verify_answer = verify_answer

    def transmit(self, command):
        if command[1] == 0x20 and len(command) > 5:
            self.verifies.append(command)
            if isinstance(self._verify_answer, Exception):
                raise self._verify_answer
            return self._verify_answer
        return b"\x63\xc3" if command[1] == 0x20 else b"\x90\x00"


def verified(card: RecordingCard, pin: Pin):
    session = JpkiSession(card)
    session.pin_status()  # selects EF 0018, reads the tries left
    return session.verify(pin)


def test_a_pin_copies_the_digits_into_its_own_buffer_and_wipes_it():
    typed = bytearray(PIN)
    pin = Pin(typed)
    typed[0] = 0x30  # the PIN pad wipes its buffer: the Pin keeps its own copy
    into = bytearray(PIN_LENGTH + 2)
    pin.copy_into(into, 1)
    assert into[1:-1] == PIN
    pin.wipe()
    assert pin.wiped and repr(pin) == "Pin(****)"
    with pytest.raises(PinFormatError):
        pin.copy_into(into, 1)


@pytest.mark.parametrize("digits", [bytearray(b"385"), bytearray(b"38561"), bytearray(b"38a6"), "３８５６", b"38 6"])
def test_a_pin_is_exactly_four_ascii_digits(digits):
    with pytest.raises(PinFormatError):
        Pin(digits)


def test_the_verify_command_is_a_bytearray_wiped_once_sent():
    card = RecordingCard(b"\x63\xc2")
    pin = Pin(bytearray(PIN))
    assert verified(card, pin) == WrongPin(PinTriesLeft(2))
    [command] = card.verifies
    assert type(command) is bytearray and len(command) == 5 + PIN_LENGTH
    assert command == bytearray(len(command))  # all zero now, header included
    assert not pin.wiped  # the Pin is its owner's to wipe


def test_the_verify_command_is_wiped_when_the_card_leaves_mid_exchange():
    card = RecordingCard(CardAbsent())
    with pytest.raises(CardAbsent):
        verified(card, Pin(bytearray(PIN)))
    [command] = card.verifies
    assert command == bytearray(len(command))


def test_command_parts_gives_the_data_as_a_view_not_a_copy():
    apdu = bytearray(Command(0x00, 0x20, 0x00, 0x80, bytes(PIN)).encode())
    data, le = command_parts(apdu)
    with data:
        assert le is None and data.obj is apdu and data == PIN
    assert Command.decode(apdu) == Command(0x00, 0x20, 0x00, 0x80, bytes(PIN))


def test_the_list_of_ints_given_to_pyscard_is_zeroed_after_each_call(monkeypatch):
    given: list[list[int]] = []
    answers = [[0x6C, 0x00], [0x63, 0xC2]]  # a T=0 "wrong Le" first, so the command goes twice

    def transmit(handle, protocol, command):
        assert type(command) is list and command[5:9] == list(PIN)
        given.append(command)
        return pcsc_transport.scard.SCARD_S_SUCCESS, answers.pop(0)

    monkeypatch.setattr(pcsc_transport.scard, "SCardTransmit", transmit)
    command = bytearray(b"\x00\x20\x00\x80\x04") + PIN
    assert pcsc_transport.PcscTransport(1, 2).transmit(command) == b"\x63\xc2"
    assert len(given) == 2 and all(sent == [0] * len(sent) for sent in given)


def test_the_vpcd_card_wipes_each_command_once_answered():
    received: list[bytearray] = []

    class Card:
        def process(self, apdu):
            assert apdu[5:] == PIN
            received.append(apdu)
            return b"\x63\xc2"

    server = socket.create_server(("127.0.0.1", 0))
    with server, socket.create_connection(server.getsockname()) as reader:
        connection, _ = server.accept()
        with connection:
            command = b"\x00\x20\x00\x80\x04" + bytes(PIN)
            reader.sendall(struct.pack(">H", len(command)) + command)
            reader.shutdown(socket.SHUT_WR)  # then the connection ends, as when vpcd goes away
            with pytest.raises(EOFError):
                VpcdCard(Card())._serve(connection)
        assert reader.recv(16) == b"\x00\x02\x63\xc2"
    [payload] = received
    assert type(payload) is bytearray and payload == bytearray(len(payload))
