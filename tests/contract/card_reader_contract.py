"""What every CardReader adapter must do with the demo cards: a reusable contract suite.

Use it by subclassing ``CardReaderContract`` in a test module and providing a ``rig`` fixture
that yields a ``CardRig``: an adapter already started, with a listener recording its events,
over a fresh cards directory filled by ``write_contract_cards`` (try counters persist on disk,
so every test needs its own). The real pyscard adapter passes the same suite by putting the
card emulator behind vpcd.

Also here: the demo-card files the card tests share (``write_card_file``, ``demo_credential``).
"""
from __future__ import annotations

import base64
import datetime
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from kiosk.health import Availability
from kiosk.pin import Pin
from kiosk.ports.card import (
    CardEvent,
    CardFault,
    CardGone,
    CardInserted,
    CardProbe,
    CardReader,
    CardRemoved,
    PinBlocked,
    PinState,
    PinTriesLeft,
    Signed,
    TokenKind,
    WrongPin,
)

CONTRACT_PIN = "1234"
WRONG_PIN = "9999"
CHALLENGE = bytes(range(32))

USABLE = "usable"
LAST_TRY = "last-try"
LOCKED = "locked"
FACE_AUTH = "face-auth"
NOT_MY_NUMBER = "not-my-number"
JUKI = "juki"
PHONE_ANDROID = "phone-android"


@dataclass(frozen=True)
class DemoCredential:
    private_key: rsa.RSAPrivateKey
    certificate_der: bytes

    @property
    def private_key_pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii")

    def verifies(self, signature: bytes, message: bytes) -> bool:
        """RSASSA-PKCS1-v1_5 with SHA-256, checked with the public key of the certificate."""
        public_key = x509.load_der_x509_certificate(self.certificate_der).public_key()
        try:
            public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True


@lru_cache(maxsize=1)
def demo_credential() -> DemoCredential:
    """One RSA-2048 key and self-signed certificate for every test card: key generation is slow."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TESTCARD0000000000001")])
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=365 * 5))
        .sign(key, hashes.SHA256())
    )
    return DemoCredential(key, certificate.public_bytes(serialization.Encoding.DER))


def write_card_file(
    cards_dir: Path,
    name: str,
    *,
    token_label: str | None = "JPKIAPICCTOKEN2",
    pin: str | None = CONTRACT_PIN,
    initial_tries_left: int = 3,
    certificate_der: bytes | None = None,
    with_key: bool = True,
    profile: str = "ordinary",
) -> Path:
    """A card file shaped exactly as the demo PKI writes them; the demo credential by default."""
    credential = demo_credential()
    certificate_der = credential.certificate_der if certificate_der is None else certificate_der
    has_jpki = token_label is not None

    def b64(der: bytes) -> str | None:
        return base64.b64encode(der).decode("ascii") if has_jpki else None

    document = {
        "name": name,
        "profile": profile,
        "purpose_ja": f"テスト用カード {name}",
        "purpose_en": f"test card {name}",
        "token_label": token_label,
        "pin": pin,
        "initial_tries_left": initial_tries_left,
        "auth_certificate_der_b64": b64(certificate_der),
        "auth_ca_certificate_der_b64": b64(credential.certificate_der),
        "auth_private_key_pem": credential.private_key_pem if has_jpki and with_key else None,
    }
    cards_dir.mkdir(parents=True, exist_ok=True)
    path = cards_dir / f"{name}.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def write_contract_cards(cards_dir: Path) -> None:
    write_card_file(cards_dir, USABLE)
    write_card_file(cards_dir, LAST_TRY, initial_tries_left=1, profile="one_try_left")
    write_card_file(cards_dir, LOCKED, initial_tries_left=0, profile="locked")
    write_card_file(cards_dir, FACE_AUTH, pin=None, profile="face_auth")
    write_card_file(cards_dir, NOT_MY_NUMBER, token_label=None, pin=None, profile="not_my_number")
    write_card_file(cards_dir, JUKI, token_label="JPKIAPICCTOKEN", profile="juki_card")
    write_card_file(cards_dir, PHONE_ANDROID, token_label="JPKIAPGPSETOKEN", profile="phone_android")


class CardRig(Protocol):
    reader: CardReader  # started; its listener appends to ``events``
    events: list[CardEvent]

    def insert(self, card_name: str) -> None:
        """Put a contract card on the reader; return once the reader has reported it."""

    def remove(self) -> None:
        """Take the card off; return once the reader has reported it."""


class CardReaderContract:
    def _probe(self, rig: CardRig, card_name: str) -> CardProbe:
        rig.insert(card_name)
        probe = rig.reader.probe()
        assert isinstance(probe, CardProbe), probe
        return probe

    def _sign(self, rig: CardRig, digits: str) -> tuple[object, Pin]:
        pin = Pin(digits)
        return rig.reader.verify_and_sign(pin, CHALLENGE), pin

    def test_availability_is_reported(self, rig: CardRig) -> None:
        assert isinstance(type(rig.reader).availability(), Availability)

    def test_without_a_card_everything_is_gone(self, rig: CardRig) -> None:
        assert not rig.reader.card_present()
        assert rig.reader.probe() == CardGone()
        outcome, pin = self._sign(rig, CONTRACT_PIN)
        assert outcome == CardGone()
        assert _wiped(pin)

    def test_insert_and_remove_are_reported(self, rig: CardRig) -> None:
        rig.insert(USABLE)
        assert rig.reader.card_present()
        assert isinstance(rig.events[-1], CardInserted)
        rig.remove()
        assert not rig.reader.card_present()
        assert isinstance(rig.events[-1], CardRemoved)
        assert rig.reader.probe() == CardGone()

    def test_probe_reads_token_tries_and_certificate_without_the_pin(self, rig: CardRig) -> None:
        probe = self._probe(rig, USABLE)
        assert probe == CardProbe(
            TokenKind.MY_NUMBER_CARD, PinState.USABLE, PinTriesLeft(3), demo_credential().certificate_der
        )

    def test_correct_pin_signs_the_challenge_and_wipes_the_pin(self, rig: CardRig) -> None:
        self._probe(rig, USABLE)
        outcome, pin = self._sign(rig, CONTRACT_PIN)
        assert isinstance(outcome, Signed)
        assert demo_credential().verifies(outcome.signature, CHALLENGE)
        assert _wiped(pin)

    def test_wrong_pins_count_down_to_blocked_then_refuse(self, rig: CardRig) -> None:
        self._probe(rig, USABLE)
        outcomes = [self._sign(rig, WRONG_PIN)[0] for _ in range(4)]
        assert outcomes == [WrongPin(PinTriesLeft(2)), WrongPin(PinTriesLeft(1)), PinBlocked(), PinBlocked()]
        probe = rig.reader.probe()
        assert isinstance(probe, CardProbe)
        assert (probe.pin_state, probe.tries_left) == (PinState.BLOCKED, PinTriesLeft(0))

    def test_correct_pin_resets_the_counter(self, rig: CardRig) -> None:
        self._probe(rig, USABLE)
        assert self._sign(rig, WRONG_PIN)[0] == WrongPin(PinTriesLeft(2))
        assert isinstance(self._sign(rig, CONTRACT_PIN)[0], Signed)
        assert rig.reader.probe().tries_left == PinTriesLeft(3)

    def test_tries_stay_on_the_card_across_removal(self, rig: CardRig) -> None:
        self._probe(rig, USABLE)
        self._sign(rig, WRONG_PIN)
        rig.remove()
        assert self._probe(rig, USABLE).tries_left == PinTriesLeft(2)

    def test_last_try_wasted_blocks_the_card(self, rig: CardRig) -> None:
        assert self._probe(rig, LAST_TRY).tries_left == PinTriesLeft(1)
        assert self._sign(rig, WRONG_PIN)[0] == PinBlocked()

    def test_locked_card_is_refused_without_spending_anything(self, rig: CardRig) -> None:
        probe = self._probe(rig, LOCKED)
        assert (probe.token, probe.pin_state) == (TokenKind.MY_NUMBER_CARD, PinState.BLOCKED)
        outcome, pin = self._sign(rig, CONTRACT_PIN)
        assert outcome == PinBlocked() and _wiped(pin)

    def test_face_auth_card_has_no_pin_and_cannot_sign(self, rig: CardRig) -> None:
        probe = self._probe(rig, FACE_AUTH)
        assert probe.token is TokenKind.MY_NUMBER_CARD
        assert (probe.pin_state, probe.tries_left) == (PinState.NOT_SET, None)
        outcome, pin = self._sign(rig, CONTRACT_PIN)
        assert isinstance(outcome, CardFault) and _wiped(pin)

    def test_a_card_without_jpki_is_not_jpki(self, rig: CardRig) -> None:
        assert self._probe(rig, NOT_MY_NUMBER) == CardProbe(TokenKind.NOT_JPKI)
        assert isinstance(self._sign(rig, CONTRACT_PIN)[0], CardFault)

    def test_the_old_juki_card_is_recognised(self, rig: CardRig) -> None:
        assert self._probe(rig, JUKI).token is TokenKind.JUKI_CARD

    def test_a_phone_gives_its_certificate_only_with_the_signature(self, rig: CardRig) -> None:
        probe = self._probe(rig, PHONE_ANDROID)
        assert (probe.token, probe.pin_state) == (TokenKind.PHONE_ANDROID, PinState.USABLE)
        assert probe.certificate_der is None
        outcome, _ = self._sign(rig, CONTRACT_PIN)
        assert isinstance(outcome, Signed)
        assert outcome.certificate_der == demo_credential().certificate_der
        assert demo_credential().verifies(outcome.signature, CHALLENGE)


def _wiped(pin: Pin) -> bool:
    return pin.wiped
