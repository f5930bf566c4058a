"""The host side of the JPKI exchange, over any ``ApduTransport``: the APDUs OpenSC sends
(src/libopensc/card-jpki.c).

Expected refusals (no JPKI application, wrong PIN, blocked, no PIN) are typed results. Anything
the protocol does not allow — an unknown status word, a response of the wrong length, a
certificate header that is not ``30 82 LL LL`` — raises a ``ProtocolError`` subclass naming the
step; nothing else escapes. Errors carry status words and lengths only, never card data.

Our decisions where the public implementations (OpenSC card-jpki.c, jpki/myna, soltia48/myna-card)
are silent or only one of them speaks (docs/decisions.md):

- ``6A 88`` (referenced data not found) to either VERIFY on EF 0018 means "no PIN set": our
  decided answer for a 顔認証マイナンバーカード, whose real behaviour no public source shows.
- ``63 C0``, ``69 83`` and ``69 84`` all mean blocked, to either VERIFY form.
- ``90 00`` to the empty VERIFY (myna-card: "already verified") is refused as unexpected: we
  query right after selecting the application, which drops any verified state.
- Tries above 3 (``63 C4``..``63 CF``) are unexpected for the 3-try auth PIN.
- An unknown token label raises ``UnknownToken`` rather than answering NOT_JPKI: it is a JPKI
  application we do not know (a new card generation?), worth an operator's look.
- READ BINARY asks for exactly the bytes still wanted and accepts exactly that many; the token
  label read must return the full 32-byte field.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Union

from hardware.card import digest_info
from hardware.card.apdu import (
    MAX_SHORT_LE,
    SW_AUTH_METHOD_BLOCKED,
    SW_NOT_FOUND,
    SW_OK,
    SW_REFERENCE_DATA_BLOCKED,
    SW_REFERENCE_DATA_NOT_FOUND,
    SW_TRIES_LEFT,
    ApduTransport,
    Command,
    Response,
)
from hardware.card.jpki_files import (
    AUTH_PIN_MAX_TRIES,
    CLA_ISO,
    CLA_PROPRIETARY,
    EF_AUTH_CERT,
    EF_AUTH_KEY,
    EF_AUTH_PIN,
    EF_TOKEN,
    INS_READ_BINARY,
    INS_SELECT,
    INS_SIGN,
    INS_VERIFY,
    JPKI_AID,
    P1_SELECT_DF_NAME,
    P1_SELECT_EF,
    P2_CURRENT_KEY,
    P2_NO_FCI,
    TOKEN_KINDS,
    TOKEN_LABEL_BYTES,
)
from kiosk.pin import PIN_LENGTH, Pin, PinFormatError, wipe_buffer
from kiosk.ports.card import PinBlocked, PinState, PinTriesLeft, TokenKind, WrongPin

MAX_CERTIFICATE_BYTES = 4096  # our decision: no public size; RSA-2048 X.509 is 1-2 KB (docs/decisions.md)
SIGNATURE_BYTES = 256
_CERTIFICATE_HEADER_BYTES = 4  # 30 82 LL LL
_BLOCKED_STATUS = frozenset({SW_TRIES_LEFT, SW_AUTH_METHOD_BLOCKED, SW_REFERENCE_DATA_BLOCKED})
_VERIFY_PIN_HEADER = bytes((CLA_ISO, INS_VERIFY, 0x00, P2_CURRENT_KEY, PIN_LENGTH))  # CLA INS P1 P2 Lc


class Step(Enum):
    SELECT_APPLICATION = "select_application"
    READ_TOKEN = "read_token"
    PIN_STATUS = "pin_status"
    VERIFY = "verify"
    READ_CERTIFICATE = "read_certificate"
    SIGN = "sign"


class ProtocolError(Exception):
    """The card answered something the JPKI protocol does not allow at ``step``."""

    def __init__(self, step: Step, sw: int | None, detail: str) -> None:
        self.step = step
        self.sw = sw
        self.detail = detail
        super().__init__(f"{step.value}: {detail}")


class UnexpectedStatus(ProtocolError):
    def __init__(self, step: Step, sw: int) -> None:
        super().__init__(step, sw, f"unexpected status {sw:04X}")


class MalformedResponse(ProtocolError):
    def __init__(self, step: Step, detail: str, sw: int | None = None) -> None:
        super().__init__(step, sw, detail)


class UnknownToken(ProtocolError):
    def __init__(self) -> None:
        super().__init__(Step.READ_TOKEN, SW_OK, "unknown token label")


@dataclass(frozen=True)
class PinStatus:
    state: PinState
    tries_left: PinTriesLeft | None  # None when no PIN is set


@dataclass(frozen=True)
class PinVerified:
    pass


@dataclass(frozen=True)
class PinNotSet:
    """No PIN exists on this card (顔認証マイナンバーカード): it can never sign for us."""


@dataclass(frozen=True)
class VerifyRefused:
    """Refused here, without sending anything to the card."""

    reason: str


VerifyOutcome = Union[PinVerified, WrongPin, PinBlocked, PinNotSet, VerifyRefused]


class JpkiSession:
    """One card, one power-up: the steps of the exchange, in the order the card needs them.

    Call ``token_kind`` first (it selects the application), then ``pin_status`` before
    ``verify``. The session remembers the last PIN status the card reported, so ``verify``
    never spends a try on a card known to be blocked or without a PIN.
    """

    def __init__(self, transport: ApduTransport) -> None:
        self._transport = transport
        self._pin_status: PinStatus | None = None

    @property
    def last_pin_status(self) -> PinStatus | None:
        return self._pin_status

    def select_application(self) -> bool:
        """SELECT the JPKI AP; False when the card has none (6A82): some other card."""
        answer = self._exchange(Step.SELECT_APPLICATION, _select(P1_SELECT_DF_NAME, JPKI_AID))
        if answer.sw == SW_NOT_FOUND and not answer.data:
            return False
        _expect(Step.SELECT_APPLICATION, answer, 0)
        return True

    def token_kind(self) -> TokenKind:
        if not self.select_application():
            return TokenKind.NOT_JPKI
        self._select_ef(Step.READ_TOKEN, EF_TOKEN)
        field = self._read_binary(Step.READ_TOKEN, 0, TOKEN_LABEL_BYTES)
        label = field.rstrip(b" \x00")
        if not all(0x20 <= b < 0x7F for b in label):
            raise MalformedResponse(Step.READ_TOKEN, "token label is not printable ASCII")
        kind = TOKEN_KINDS.get(label.decode("ascii"))
        if kind is None:
            raise UnknownToken()
        return kind

    def pin_status(self) -> PinStatus:
        """The empty VERIFY: reads the auth PIN's tries left without spending one."""
        self._select_ef(Step.PIN_STATUS, EF_AUTH_PIN)
        answer = self._exchange(Step.PIN_STATUS, Command(CLA_ISO, INS_VERIFY, 0x00, P2_CURRENT_KEY))
        _expect_no_data(Step.PIN_STATUS, answer)
        status = _pin_status_in(answer.sw)
        if status is None:
            raise UnexpectedStatus(Step.PIN_STATUS, answer.sw)
        self._pin_status = status
        return status

    def verify(self, pin: Pin) -> VerifyOutcome:
        """VERIFY the auth PIN. Does not wipe ``pin``: its owner does."""
        known = self._pin_status
        if known is None:
            return VerifyRefused("PIN status not read on this card")
        if known.state is PinState.BLOCKED:
            return PinBlocked()
        if known.state is PinState.NOT_SET:
            return PinNotSet()
        if pin.wiped:
            return VerifyRefused("PIN already used")
        self._select_ef(Step.VERIFY, EF_AUTH_PIN)
        # The command is built in one buffer of its final size, the digits written straight into
        # it, and wiped once sent: no bytes object ever holds them (kiosk/pin.py).
        command = bytearray(len(_VERIFY_PIN_HEADER) + PIN_LENGTH)
        command[: len(_VERIFY_PIN_HEADER)] = _VERIFY_PIN_HEADER
        try:
            pin.copy_into(command, len(_VERIFY_PIN_HEADER))
            answer = self._exchange(Step.VERIFY, command)
        except PinFormatError:
            return VerifyRefused("PIN already used")
        finally:
            wipe_buffer(command)
        _expect_no_data(Step.VERIFY, answer)
        return self._verify_outcome(answer.sw)

    def read_auth_certificate(self) -> bytes:
        """EF 000A: a 4-byte DER header read, then the rest in chunks of at most 256 bytes."""
        self._select_ef(Step.READ_CERTIFICATE, EF_AUTH_CERT)
        header = self._read_binary(Step.READ_CERTIFICATE, 0, _CERTIFICATE_HEADER_BYTES)
        if header[:2] != b"\x30\x82":
            raise MalformedResponse(Step.READ_CERTIFICATE, "certificate header is not 30 82 LL LL")
        total = _CERTIFICATE_HEADER_BYTES + int.from_bytes(header[2:], "big")
        if total > MAX_CERTIFICATE_BYTES:
            raise MalformedResponse(Step.READ_CERTIFICATE, f"certificate length {total} beyond the cap")
        certificate = bytearray(header)
        while len(certificate) < total:
            wanted = min(MAX_SHORT_LE, total - len(certificate))
            certificate += self._read_binary(Step.READ_CERTIFICATE, len(certificate), wanted)
        return bytes(certificate)

    def sign(self, challenge: bytes) -> bytes:
        """RSASSA-PKCS1-v1_5 with the auth key over SHA-256 DigestInfo(challenge); needs ``verify``."""
        self._select_ef(Step.SIGN, EF_AUTH_KEY)
        to_sign = digest_info.sha256_digest_info(challenge)
        command = Command(CLA_PROPRIETARY, INS_SIGN, 0x00, P2_CURRENT_KEY, to_sign, le=MAX_SHORT_LE)
        answer = self._exchange(Step.SIGN, command)
        _expect(Step.SIGN, answer, SIGNATURE_BYTES)
        return answer.data

    def _verify_outcome(self, sw: int) -> VerifyOutcome:
        if sw == SW_OK:
            self._pin_status = PinStatus(PinState.USABLE, PinTriesLeft(AUTH_PIN_MAX_TRIES))
            return PinVerified()
        status = _pin_status_in(sw)
        if status is None:
            raise UnexpectedStatus(Step.VERIFY, sw)
        self._pin_status = status
        if status.state is PinState.USABLE:
            return WrongPin(status.tries_left)
        return PinBlocked() if status.state is PinState.BLOCKED else PinNotSet()

    def _select_ef(self, step: Step, fid: int) -> None:
        _expect(step, self._exchange(step, _select(P1_SELECT_EF, fid.to_bytes(2, "big"))), 0)

    def _read_binary(self, step: Step, offset: int, length: int) -> bytes:
        answer = self._exchange(step, Command(CLA_ISO, INS_READ_BINARY, offset >> 8, offset & 0xFF, le=length))
        _expect(step, answer, length)
        return answer.data

    def _exchange(self, step: Step, command: Command | bytearray) -> Response:
        """``command`` as a bytearray: an encoded command whose sender wipes it (VERIFY)."""
        raw = command if isinstance(command, bytearray) else command.encode()
        answer = Response.split(self._transport.transmit(raw))
        if answer is None:
            raise MalformedResponse(step, "response shorter than a status word")
        return answer


def _select(p1: int, identifier: bytes) -> Command:
    return Command(CLA_ISO, INS_SELECT, p1, P2_NO_FCI, identifier)


def _pin_status_in(sw: int) -> PinStatus | None:
    """What a VERIFY that did not pass says about the PIN; None if it says nothing we allow."""
    if sw & 0xFFF0 == SW_TRIES_LEFT and 1 <= sw & 0x0F <= AUTH_PIN_MAX_TRIES:
        return PinStatus(PinState.USABLE, PinTriesLeft(sw & 0x0F))
    if sw in _BLOCKED_STATUS:
        return PinStatus(PinState.BLOCKED, PinTriesLeft(0))
    if sw == SW_REFERENCE_DATA_NOT_FOUND:
        return PinStatus(PinState.NOT_SET, None)
    return None


def _expect(step: Step, answer: Response, data_length: int) -> None:
    if answer.sw != SW_OK:
        raise UnexpectedStatus(step, answer.sw)
    if len(answer.data) != data_length:
        raise MalformedResponse(step, f"{len(answer.data)} data bytes where {data_length} were due", answer.sw)


def _expect_no_data(step: Step, answer: Response) -> None:
    if answer.data:
        raise MalformedResponse(step, f"{len(answer.data)} unexpected data bytes", answer.sw)
