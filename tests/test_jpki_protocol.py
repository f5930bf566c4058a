"""The host-side JPKI protocol, against the card emulator and against scripted card answers."""
from __future__ import annotations

import math

import pytest
from contract.card_reader_contract import CHALLENGE, CONTRACT_PIN, WRONG_PIN, demo_credential, write_card_file
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from hardware.card.apdu import ApduLog, ApduTransport
from hardware.card.card_file import PinTryCounter, load_demo_card
from hardware.card.emulator import JpkiCardEmulator
from hardware.card.jpki import (
    JpkiSession,
    MalformedResponse,
    PinNotSet,
    PinStatus,
    PinVerified,
    Step,
    UnexpectedStatus,
    UnknownToken,
    VerifyRefused,
)
from hardware.card.jpki_files import INS_READ_BINARY, INS_SELECT, INS_SIGN, INS_VERIFY
from kiosk.pin import Pin
from kiosk.ports.card import PinBlocked, PinState, PinTriesLeft, TokenKind, WrongPin


class EmulatorLink(ApduTransport):
    def __init__(self, emulator: JpkiCardEmulator) -> None:
        self.emulator = emulator

    def transmit(self, command: bytes) -> bytes:
        return self.emulator.process(command)


class ScriptedCard(ApduTransport):
    """Answers from a list, in order, whatever was asked."""

    def __init__(self, *answers: str) -> None:
        self._answers = [bytes.fromhex(a) for a in answers]

    def transmit(self, command: bytes) -> bytes:
        return self._answers.pop(0)


class Rig:
    """A powered emulator for one card file, and a session talking to it through a log."""

    def __init__(self, card_path) -> None:
        card = load_demo_card(card_path)
        self.emulator = JpkiCardEmulator(card, PinTryCounter(card))
        self.emulator.power_on()
        self.log = ApduLog(EmulatorLink(self.emulator))
        self.session = JpkiSession(self.log)

    def sent(self, ins: int, lc: int | None = None) -> int:
        return sum(1 for e in self.log.entries if e.ins == ins and (lc is None or e.lc == lc))

    def opened(self) -> JpkiSession:
        assert self.session.token_kind() is TokenKind.MY_NUMBER_CARD
        self.session.pin_status()
        return self.session


@pytest.fixture
def card(tmp_path):
    return write_card_file(tmp_path, "card")


def verify(session: JpkiSession, digits: str):
    return session.verify(Pin(digits))


@pytest.mark.parametrize(
    "label, kind",
    [
        ("JPKIAPICCTOKEN2", TokenKind.MY_NUMBER_CARD),
        ("JPKIAPICCTOKEN", TokenKind.JUKI_CARD),
        ("JPKIAPGPSETOKEN", TokenKind.PHONE_ANDROID),
        ("JPKIAPIOSTOKEN", TokenKind.PHONE_IPHONE),
    ],
)
def test_token_label_tells_the_kind(tmp_path, label, kind):
    rig = Rig(write_card_file(tmp_path, "card", token_label=label))
    assert rig.session.token_kind() is kind
    assert rig.log.count == 3  # SELECT AP, SELECT 0006, READ BINARY


def test_a_card_without_the_jpki_application_is_not_jpki_after_one_apdu(tmp_path):
    rig = Rig(write_card_file(tmp_path, "card", token_label=None, pin=None))
    assert rig.session.token_kind() is TokenKind.NOT_JPKI
    assert [e.sw for e in rig.log.entries] == [0x6A82]


def test_an_unknown_token_label_is_a_protocol_error(tmp_path):
    rig = Rig(write_card_file(tmp_path, "card", token_label="JPKIAPFUTURETOKEN"))
    with pytest.raises(UnknownToken):
        rig.session.token_kind()


def test_label_padded_with_nuls_is_read():
    field = b"JPKIAPICCTOKEN2".ljust(0x20, b"\x00").hex()
    assert JpkiSession(ScriptedCard("9000", "9000", field + "9000")).token_kind() is TokenKind.MY_NUMBER_CARD


def test_pin_status_reads_tries_without_spending_one(card):
    rig = Rig(card)
    session = rig.opened()  # one query already
    assert session.pin_status() == PinStatus(PinState.USABLE, PinTriesLeft(3))
    assert not load_demo_card(card).state_path.exists()  # the counter was never written


def test_face_auth_card_answers_pin_not_set(tmp_path):
    rig = Rig(write_card_file(tmp_path, "card", pin=None))
    rig.session.token_kind()
    assert rig.session.pin_status() == PinStatus(PinState.NOT_SET, None)
    assert rig.session.verify(Pin(CONTRACT_PIN)) == PinNotSet()
    assert rig.sent(INS_VERIFY, lc=4) == 0


def test_wrong_pins_count_down_then_no_verify_is_ever_sent_again(card):
    rig = Rig(card)
    session = rig.opened()
    assert [verify(session, WRONG_PIN) for _ in range(3)] == [
        WrongPin(PinTriesLeft(2)),
        WrongPin(PinTriesLeft(1)),
        PinBlocked(),
    ]
    assert [e.sw for e in rig.log.entries if e.ins == INS_VERIFY and e.lc == 4] == [0x63C2, 0x63C1, 0x63C0]
    assert session.pin_status() == PinStatus(PinState.BLOCKED, PinTriesLeft(0))
    assert rig.log.entries[-1].sw == 0x6984
    assert verify(session, CONTRACT_PIN) == PinBlocked()
    assert rig.sent(INS_VERIFY, lc=4) == 3


def test_the_counter_survives_a_new_emulator_for_the_same_card(card):
    verify(Rig(card).opened(), WRONG_PIN)
    again = Rig(card)
    assert again.opened().last_pin_status == PinStatus(PinState.USABLE, PinTriesLeft(2))


def test_a_blocked_card_stays_blocked_after_a_restart_and_gets_no_verify(card):
    session = Rig(card).opened()
    for _ in range(3):
        verify(session, WRONG_PIN)
    again = Rig(card)
    assert again.opened().last_pin_status.state is PinState.BLOCKED
    assert verify(again.session, CONTRACT_PIN) == PinBlocked()
    assert again.sent(INS_VERIFY, lc=4) == 0


def test_the_correct_pin_resets_the_counter(card):
    session = Rig(card).opened()
    verify(session, WRONG_PIN)
    verify(session, WRONG_PIN)
    assert verify(session, CONTRACT_PIN) == PinVerified()
    assert session.pin_status() == PinStatus(PinState.USABLE, PinTriesLeft(3))


def test_verify_is_refused_before_the_pin_status_is_known(card):
    rig = Rig(card)
    rig.session.token_kind()
    assert isinstance(verify(rig.session, CONTRACT_PIN), VerifyRefused)
    assert rig.sent(INS_VERIFY) == 0


def test_a_wiped_pin_is_refused_without_an_apdu(card):
    rig = Rig(card)
    session = rig.opened()
    pin = Pin(CONTRACT_PIN)
    pin.wipe()
    assert isinstance(session.verify(pin), VerifyRefused)
    assert rig.sent(INS_VERIFY, lc=4) == 0


def test_signature_verifies_with_the_card_key_and_matches_pkcs1_v15_sha256(card):
    rig = Rig(card)
    session = rig.opened()
    assert verify(session, CONTRACT_PIN) == PinVerified()
    before = rig.log.count
    signature = session.sign(CHALLENGE)
    assert rig.log.count - before == 2  # SELECT 0017, COMPUTE DIGITAL SIGNATURE
    assert demo_credential().verifies(signature, CHALLENGE)
    expected = demo_credential().private_key.sign(CHALLENGE, padding.PKCS1v15(), hashes.SHA256())
    assert signature == expected


def test_signing_without_verify_is_refused_by_the_card(card):
    session = Rig(card).opened()
    with pytest.raises(UnexpectedStatus) as refused:
        session.sign(CHALLENGE)
    assert (refused.value.step, refused.value.sw) == (Step.SIGN, 0x6982)


def test_reselecting_the_application_drops_the_verified_state(card):
    session = Rig(card).opened()
    verify(session, CONTRACT_PIN)
    session.select_application()
    with pytest.raises(UnexpectedStatus, match="6982"):
        session.sign(CHALLENGE)


def test_a_card_reset_drops_the_verified_state(card):
    rig = Rig(card)
    verify(rig.opened(), CONTRACT_PIN)
    rig.emulator.reset()
    rig.opened()
    with pytest.raises(UnexpectedStatus, match="6982"):
        rig.session.sign(CHALLENGE)


@pytest.mark.parametrize("content_length", [1, 252, 253, 256, 257, 1200])
def test_certificate_is_read_in_chunks_after_a_header(tmp_path, content_length):
    der = b"\x30\x82" + content_length.to_bytes(2, "big") + bytes(i % 251 for i in range(content_length))
    rig = Rig(write_card_file(tmp_path, "card", certificate_der=der))
    rig.opened()
    before = rig.sent(INS_READ_BINARY)
    assert rig.session.read_auth_certificate() == der
    assert rig.sent(INS_READ_BINARY) - before == 1 + math.ceil(content_length / 256)


def test_the_demo_certificate_is_read_whole(card):
    rig = Rig(card)
    assert rig.opened().read_auth_certificate() == demo_credential().certificate_der


@pytest.mark.parametrize(
    "header, problem",
    [("30810100", "header"), ("31820100", "header"), ("30821000", "cap")],
)
def test_a_bad_certificate_header_stops_the_read(tmp_path, header, problem):
    der = bytes.fromhex(header) + bytes(0x1000)
    rig = Rig(write_card_file(tmp_path, "card", certificate_der=der))
    rig.opened()
    with pytest.raises(MalformedResponse, match=problem):
        rig.session.read_auth_certificate()
    assert rig.sent(INS_READ_BINARY) == 2  # the token label and the header, nothing more


def test_a_certificate_shorter_than_its_header_says_is_an_error(tmp_path):
    rig = Rig(write_card_file(tmp_path, "card", certificate_der=bytes.fromhex("30820200") + bytes(300)))
    rig.opened()
    with pytest.raises(MalformedResponse, match="44 data bytes where 256"):
        rig.session.read_auth_certificate()


@pytest.mark.parametrize(
    "answers, error",
    [
        (["9000", "308201009000", "00" * 255 + "9000"], MalformedResponse),  # short chunk
        (["9000", "308200109000", "00" * 17 + "9000"], MalformedResponse),  # overlong chunk
        (["9000", "30829000"], MalformedResponse),  # short header
        (["9000", "90"], MalformedResponse),  # no status word
        (["9000", "6982"], UnexpectedStatus),
    ],
)
def test_every_certificate_response_length_is_checked(answers, error):
    with pytest.raises(error):
        JpkiSession(ScriptedCard(*answers)).read_auth_certificate()


@pytest.mark.parametrize(
    "sw, status",
    [
        ("63C3", PinStatus(PinState.USABLE, PinTriesLeft(3))),
        ("63C1", PinStatus(PinState.USABLE, PinTriesLeft(1))),
        ("63C0", PinStatus(PinState.BLOCKED, PinTriesLeft(0))),
        ("6983", PinStatus(PinState.BLOCKED, PinTriesLeft(0))),
        ("6984", PinStatus(PinState.BLOCKED, PinTriesLeft(0))),
        ("6A88", PinStatus(PinState.NOT_SET, None)),
    ],
)
def test_pin_status_words(sw, status):
    assert JpkiSession(ScriptedCard("9000", sw)).pin_status() == status


@pytest.mark.parametrize("sw", ["9000", "63C4", "63CF", "6982", "6A82", "6700"])
def test_pin_status_words_outside_the_protocol_are_errors(sw):
    with pytest.raises(UnexpectedStatus):
        JpkiSession(ScriptedCard("9000", sw)).pin_status()


def test_select_answering_data_is_malformed():
    with pytest.raises(MalformedResponse):
        JpkiSession(ScriptedCard("6F00" + "9000")).select_application()


@pytest.mark.parametrize("answer", ["00" * 255 + "9000", "00" * 257 + "9000", "6A80"])
def test_a_signature_must_be_exactly_256_bytes(answer):
    session = JpkiSession(ScriptedCard("9000", answer))
    with pytest.raises((MalformedResponse, UnexpectedStatus)):
        session.sign(CHALLENGE)
