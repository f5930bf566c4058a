"""The card side of the JPKI exchange: a demo card file answering command APDUs.

Bytes in, bytes out, with no transport here, so the same object can sit behind the in-process
simulated reader or a vpcd connection (hardware/card/vpcd.py) (``power_on``/``power_off``/``reset`` map onto
vpcd's control bytes). A VERIFY is read where it lies in the command buffer, which the host
wipes after sending: the PIN presented is compared in place and never copied (kiosk/pin.py).

Our decisions where the public implementations (OpenSC card-jpki.c, jpki/myna, soltia48/myna-card)
are silent or only one of them speaks (docs/decisions.md):

- ATR ``3B 80 80 01 01``: neutral (T=1, no historical bytes), so OpenSC cannot match the JPKI
  ATR table and must probe by AID, as it does through contactless readers.
- Blocked PIN: the VERIFY that uses the last try answers ``63 C0``; every VERIFY after it,
  the empty status query included, answers ``69 84`` (myna-card's reading of JICSAP).
- 顔認証マイナンバーカード (``pin`` null): EF 0018 exists but holds no reference data, so both
  VERIFY forms answer ``6A 88`` (referenced data not found).
- Phone tokens refuse READ BINARY of the auth certificate with ``69 82`` until the PIN is
  verified (jpki/myna #6).
- Only the EFs the kiosk needs exist (0006, 000A, 000B, 0017, 0018), and the sign password EF
  001B, without which OpenSC's JPKI driver refuses the card: the demo card holds no password, so
  the empty VERIFY reports the tries left (5, kept in memory only: the kiosk never uses it) and
  every password is wrong. The other sign-side EFs answer ``6A 82``.
- Short APDUs only (extended lengths: ``67 00``); SFI addressing is not emulated (``6A 86``);
  a command that needs a different current EF answers ``69 86``.
- The verified state lives until the JPKI AID is selected again, the card is reset or powered
  off, or a VERIFY fails.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Callable

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from hardware.card import digest_info
from hardware.card.apdu import (
    MAX_SHORT_LE,
    SW_CLA_NOT_SUPPORTED,
    SW_INCOMPATIBLE_FILE,
    SW_INS_NOT_SUPPORTED,
    SW_NO_CURRENT_EF,
    SW_NOT_FOUND,
    SW_OFFSET_BEYOND_EOF,
    SW_OK,
    SW_REFERENCE_DATA_BLOCKED,
    SW_REFERENCE_DATA_NOT_FOUND,
    SW_SECURITY_NOT_SATISFIED,
    SW_TRIES_LEFT,
    SW_WRONG_DATA,
    SW_WRONG_LENGTH,
    SW_WRONG_P1P2,
    Command,
    Response,
    command_parts,
    status,
)
from hardware.card.card_file import CardFileError, DemoCard, PinTryCounter
from hardware.card.jpki_files import (
    AUTH_PIN_MAX_TRIES,
    CLA_ISO,
    CLA_PROPRIETARY,
    EF_AUTH_CA_CERT,
    EF_AUTH_CERT,
    EF_AUTH_KEY,
    EF_AUTH_PIN,
    EF_SIGN_PIN,
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
    PHONE_TOKEN_LABELS,
    SIGN_PASSWORD_MAX_TRIES,
    TOKEN_LABEL_BYTES,
)
from kiosk.pin import PIN_LENGTH

ATR = bytes.fromhex("3B80800101")
RSA_2048_BYTES = 256
_PKCS1_OVERHEAD = 11  # 00 01, at least eight FF, 00


class CardNotPowered(Exception):
    """A command reached a card that is not powered: the host side got its sequencing wrong."""


@dataclass
class _Session:
    """What a card forgets on reset: the current selection and the security status."""

    in_jpki: bool = False
    current_ef: int | None = None
    verified: bool = False


class JpkiCardEmulator:
    """One demo card. Its try counter is shared state on disk; everything else dies with power."""

    def __init__(self, card: DemoCard, tries: PinTryCounter) -> None:
        self._card = card
        self._tries = tries
        self._key = _load_key(card)
        self._binary_files = _binary_files(card)
        self._present_efs = set(self._binary_files) | {EF_AUTH_PIN, EF_SIGN_PIN}
        if self._key is not None:
            self._present_efs.add(EF_AUTH_KEY)
        self._is_phone = card.token_label in PHONE_TOKEN_LABELS
        # the card's own reference data, as a chip holds it; the PIN presented is never copied
        self._reference_pin = card.pin.encode("ascii") if card.pin is not None else None
        self._sign_password_tries = SIGN_PASSWORD_MAX_TRIES
        self._powered = False
        self._session = _Session()
        self._handlers: dict[tuple[int, int], Callable[[Command], bytes]] = {
            (CLA_ISO, INS_SELECT): self._select,
            (CLA_ISO, INS_READ_BINARY): self._read_binary,
            (CLA_PROPRIETARY, INS_SIGN): self._sign,
        }

    def power_on(self) -> bytes:
        self._powered = True
        self._session = _Session()
        return ATR

    def power_off(self) -> None:
        self._powered = False
        self._session = _Session()

    def reset(self) -> bytes:
        return self.power_on()

    def process(self, apdu: bytes) -> bytes:
        """One command APDU in, response data + SW1 SW2 out."""
        if not self._powered:
            raise CardNotPowered("the card is not powered")
        if len(apdu) < 4:
            return status(SW_WRONG_LENGTH)
        cla, ins = apdu[0], apdu[1]
        if cla not in (CLA_ISO, CLA_PROPRIETARY):
            return status(SW_CLA_NOT_SUPPORTED)
        if (cla, ins) == (CLA_ISO, INS_VERIFY):
            return self._verify(apdu)
        handler = self._handlers.get((cla, ins))
        if handler is None:
            return status(SW_INS_NOT_SUPPORTED)
        command = Command.decode(apdu)
        if command is None:
            return status(SW_WRONG_LENGTH)
        return handler(command)

    def _select(self, command: Command) -> bytes:
        if command.p2 != P2_NO_FCI or command.p1 not in (P1_SELECT_DF_NAME, P1_SELECT_EF):
            return status(SW_WRONG_P1P2)
        if not command.data or command.le is not None:
            return status(SW_WRONG_LENGTH)
        if command.p1 == P1_SELECT_DF_NAME:
            if command.data != JPKI_AID or self._card.token_label is None:
                return status(SW_NOT_FOUND)
            self._session = _Session(in_jpki=True)
            return status(SW_OK)
        if len(command.data) != 2:
            return status(SW_WRONG_LENGTH)
        fid = int.from_bytes(command.data, "big")
        if not self._session.in_jpki or fid not in self._present_efs:
            return status(SW_NOT_FOUND)
        self._session.current_ef = fid
        return status(SW_OK)

    def _read_binary(self, command: Command) -> bytes:
        if command.p1 & 0x80:
            return status(SW_WRONG_P1P2)
        if command.data or command.le is None:
            return status(SW_WRONG_LENGTH)
        ef = self._session.current_ef
        if ef is None:
            return status(SW_NO_CURRENT_EF)
        content = self._binary_files.get(ef)
        if content is None:
            return status(SW_INCOMPATIBLE_FILE)
        if ef == EF_AUTH_CERT and self._is_phone and not self._session.verified:
            return status(SW_SECURITY_NOT_SATISFIED)
        offset = command.p1 << 8 | command.p2
        if offset >= len(content):
            return status(SW_OFFSET_BEYOND_EOF)
        return Response(content[offset : offset + command.le], SW_OK).encode()

    def _verify(self, apdu: bytes | bytearray) -> bytes:
        """VERIFY reads the PIN where it lies in the command, a buffer the host wipes: not decoded
        into a ``Command``, whose data would be a copy left behind in the heap."""
        parts = command_parts(apdu)
        if parts is None:
            return status(SW_WRONG_LENGTH)
        data, le = parts
        with data:
            return self._verify_pin(apdu[2], apdu[3], data, le)

    def _verify_pin(self, p1: int, p2: int, data: memoryview, le: int | None) -> bytes:
        if (p1, p2) != (0x00, P2_CURRENT_KEY):
            return status(SW_WRONG_P1P2)
        if self._session.current_ef == EF_SIGN_PIN and le is None:
            return self._verify_sign_password(len(data) > 0)
        if le is not None or len(data) not in (0, PIN_LENGTH):
            return status(SW_WRONG_LENGTH)
        if self._session.current_ef != EF_AUTH_PIN:
            return status(SW_NO_CURRENT_EF)
        if self._card.pin is None:
            return status(SW_REFERENCE_DATA_NOT_FOUND)
        tries = self._tries.value
        if tries == 0:
            return status(SW_REFERENCE_DATA_BLOCKED)
        if not data:
            return status(SW_TRIES_LEFT | tries)
        if hmac.compare_digest(data, self._reference_pin):
            self._tries.set(AUTH_PIN_MAX_TRIES)
            self._session.verified = True
            return status(SW_OK)
        self._session.verified = False
        self._tries.set(tries - 1)
        return status(SW_TRIES_LEFT | (tries - 1))

    def _verify_sign_password(self, with_password: bool) -> bytes:
        if self._sign_password_tries == 0:
            return status(SW_REFERENCE_DATA_BLOCKED)
        if with_password:
            self._session.verified = False
            self._sign_password_tries -= 1
        return status(SW_TRIES_LEFT | self._sign_password_tries)

    def _sign(self, command: Command) -> bytes:
        if (command.p1, command.p2) != (0x00, P2_CURRENT_KEY):
            return status(SW_WRONG_P1P2)
        if command.le != MAX_SHORT_LE or not command.data:
            return status(SW_WRONG_LENGTH)
        if self._session.current_ef != EF_AUTH_KEY or self._key is None:
            return status(SW_NO_CURRENT_EF)
        if not self._session.verified:
            return status(SW_SECURITY_NOT_SATISFIED)
        if len(command.data) > RSA_2048_BYTES - _PKCS1_OVERHEAD:
            return status(SW_WRONG_LENGTH)
        if not digest_info.is_well_formed(command.data):
            return status(SW_WRONG_DATA)
        return Response(_pkcs1_v15_sign(self._key, command.data), SW_OK).encode()


def _pkcs1_v15_sign(key: rsa.RSAPrivateKey, digest_info_der: bytes) -> bytes:
    """RSASSA-PKCS1-v1_5 over a DigestInfo the host built: pad, then the raw RSA private operation."""
    padding = b"\xff" * (RSA_2048_BYTES - 3 - len(digest_info_der))
    encoded = b"\x00\x01" + padding + b"\x00" + digest_info_der
    numbers = key.private_numbers()
    signature = pow(int.from_bytes(encoded, "big"), numbers.d, numbers.public_numbers.n)
    return signature.to_bytes(RSA_2048_BYTES, "big")


def _load_key(card: DemoCard) -> rsa.RSAPrivateKey | None:
    if card.auth_private_key_pem is None:
        return None
    try:
        # The key comes from our own set-up, not from an adversary: skip the 50 ms primality checks.
        key = load_pem_private_key(
            card.auth_private_key_pem, password=None, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError):
        raise CardFileError(f"{card.path.name}: auth_private_key_pem is not an unencrypted PEM key") from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size != RSA_2048_BYTES * 8:
        raise CardFileError(f"{card.path.name}: the auth key must be RSA-2048")
    return key


def _binary_files(card: DemoCard) -> dict[int, bytes]:
    if card.token_label is None:
        return {}
    files = {EF_TOKEN: card.token_label.encode("ascii").ljust(TOKEN_LABEL_BYTES, b" ")}
    if card.auth_certificate_der is not None:
        files[EF_AUTH_CERT] = card.auth_certificate_der
    if card.auth_ca_certificate_der is not None:
        files[EF_AUTH_CA_CERT] = card.auth_ca_certificate_der
    return files
