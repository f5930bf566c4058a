"""Hostile cards: every protocol operation fed malformed, truncated or lying answers.

Whatever the card says, only the protocol's typed errors (``ProtocolError`` subclasses) or the
transport's ``CardAbsent`` may escape, and what does come back has the promised shape.
12,000 examples in all, split across the operations.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardware.card.apdu import ApduTransport, CardAbsent, Command
from hardware.card.jpki import (
    MAX_CERTIFICATE_BYTES,
    SIGNATURE_BYTES,
    JpkiSession,
    PinNotSet,
    PinStatus,
    PinVerified,
    ProtocolError,
    VerifyRefused,
)
from hardware.card.jpki_files import INS_VERIFY
from kiosk.pin import Pin
from kiosk.ports.card import PinBlocked, PinState, TokenKind, WrongPin

EXAMPLES_PER_OPERATION = 2000
FUZZ = settings(
    max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

INTERESTING_SW = [
    0x9000, 0x6A82, 0x63C0, 0x63C1, 0x63C2, 0x63C3, 0x63C4, 0x63CF, 0x6983, 0x6984,
    0x6A88, 0x6982, 0x6700, 0x6B00, 0x6282, 0x6C10, 0x6100, 0x6F00, 0x0000, 0xFFFF,
]  # fmt: skip
LABELS = [
    b"JPKIAPICCTOKEN2", b"JPKIAPICCTOKEN", b"JPKIAPGPSETOKEN", b"JPKIAPIOSTOKEN",
    b"", b"\xff\xfe", b"JPKI\x00X",
]  # fmt: skip
CERTIFICATE_TAGS = [b"\x30\x82", b"\x30\x81", b"\x31\x82"]
PADDING = b" \x00\x01"
VERIFY_OUTCOMES = (PinVerified, WrongPin, PinBlocked, PinNotSet, VerifyRefused)

# One binary draw per example steers the card: composite strategies cost hypothesis ~3 ms an
# example, a blob well under 1 ms, and 12,000 examples must stay within the test-time budget.
blobs = st.binary(max_size=320)


class HostileCard(ApduTransport):
    """Answers decoded from the fuzzer's bytes, one lie per command; silence once they run out."""

    def __init__(self, blob: bytes) -> None:
        self._blob = blob
        self._at = 0
        self.sent: list[bytes] = []

    def transmit(self, command: bytes) -> bytes:
        self.sent.append(command)
        if self._at >= len(self._blob):
            return b""
        kind = self._byte() % 16
        if kind < 8:  # as many bytes as asked, give or take three: reaches deep into the reads
            asked = Command.decode(command).le or 0
            delta = 0 if kind < 4 else self._byte() % 7 - 3
            return bytes([self._byte()]) * max(0, asked + delta) + self._mostly_ok()
        if kind < 10:
            label = LABELS[self._byte() % len(LABELS)]
            size = 0x20 if self._byte() % 4 else self._byte() % 41
            return label.ljust(size, bytes([PADDING[self._byte() % len(PADDING)]])) + self._mostly_ok()
        if kind == 10:
            tag = CERTIFICATE_TAGS[0] if self._byte() % 4 else CERTIFICATE_TAGS[self._byte() % 3]
            length = (self._byte() * 5).to_bytes(2, "big") if self._byte() % 4 else self._take(2)
            return tag + length + self._mostly_ok()
        if kind == 11:
            return self._status_word().to_bytes(2, "big")
        if kind == 12:
            return self._take(self._byte() % 41) + self._status_word().to_bytes(2, "big")
        if kind == 13:
            return self._take(self._byte() % 4)  # too short, or only just a status word
        if kind == 14:
            raise CardAbsent()
        return self._take(2)

    def _mostly_ok(self) -> bytes:
        sw = 0x9000 if self._byte() % 4 else self._status_word()
        return sw.to_bytes(2, "big")

    def _status_word(self) -> int:
        pick = self._byte()
        if pick < 0xE0:
            return INTERESTING_SW[pick % len(INTERESTING_SW)]
        return int.from_bytes(self._take(2).rjust(2, b"\x00"), "big")

    def _byte(self) -> int:
        taken = self._take(1)
        return taken[0] if taken else 0

    def _take(self, count: int) -> bytes:
        taken = self._blob[self._at : self._at + count]
        self._at += count
        return taken


TYPED_ERROR = object()


def attempt(operation):
    """What ``operation`` returned, or TYPED_ERROR if it raised one; any other exception fails the test."""
    try:
        return operation()
    except (ProtocolError, CardAbsent):
        return TYPED_ERROR


def pin_verifies_sent(card: HostileCard) -> int:
    return sum(1 for c in card.sent if c[1] == INS_VERIFY and len(c) > 4)


@FUZZ
@given(blobs)
def test_token_kind(blob):
    kind = attempt(JpkiSession(HostileCard(blob)).token_kind)
    assert kind is TYPED_ERROR or isinstance(kind, TokenKind)


@FUZZ
@given(blobs)
def test_pin_status(blob):
    status = attempt(JpkiSession(HostileCard(blob)).pin_status)
    if status is not TYPED_ERROR:
        _check_status(status)


@FUZZ
@given(blobs)
def test_verify_after_pin_status(blob):
    card = HostileCard(blob)
    session = JpkiSession(card)
    if attempt(session.pin_status) is TYPED_ERROR:
        return
    known = session.last_pin_status
    outcome = attempt(lambda: session.verify(Pin("1234")))
    assert outcome is TYPED_ERROR or isinstance(outcome, VERIFY_OUTCOMES)
    if known.state is not PinState.USABLE:
        assert pin_verifies_sent(card) == 0


@FUZZ
@given(blobs)
def test_read_auth_certificate(blob):
    der = attempt(JpkiSession(HostileCard(blob)).read_auth_certificate)
    if der is not TYPED_ERROR:
        assert der[:2] == b"\x30\x82" and len(der) <= MAX_CERTIFICATE_BYTES
        assert len(der) == 4 + int.from_bytes(der[2:4], "big")


@FUZZ
@given(blobs)
def test_sign(blob):
    signature = attempt(lambda: JpkiSession(HostileCard(blob)).sign(bytes(32)))
    assert signature is TYPED_ERROR or len(signature) == SIGNATURE_BYTES


@FUZZ
@given(blobs)
def test_whole_exchange(blob):
    """Token, PIN status, certificate, then up to four VERIFYs and a signature, all on one card."""
    card = HostileCard(blob)
    session = JpkiSession(card)
    steps = [session.token_kind, session.pin_status, session.read_auth_certificate]
    steps += [lambda: session.verify(Pin("0000"))] * 4 + [lambda: session.sign(b"challenge")]
    for step in steps:
        if attempt(step) is TYPED_ERROR:
            break
        status = session.last_pin_status
        if status is not None and status.state is not PinState.USABLE:
            before = pin_verifies_sent(card)
            assert not isinstance(session.verify(Pin("0000")), PinVerified)
            assert pin_verifies_sent(card) == before  # never a VERIFY once blocked or PIN-less


def _check_status(status: PinStatus) -> None:
    assert isinstance(status, PinStatus)
    if status.state is PinState.USABLE:
        assert 1 <= status.tries_left.value <= 3
    elif status.state is PinState.BLOCKED:
        assert status.tries_left.value == 0
    else:
        assert status.tries_left is None
