"""Demo card files (``DATA_DIR/cards/<name>.json``) and the PIN try counter each card carries.

The card files are written at set-up by the demo PKI. The try counter belongs to the card, not
to a kiosk run, so it is kept beside the file (``<name>.state.json``) and survives restarts.
"""
from __future__ import annotations

import base64
import binascii
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from hardware.card.jpki_files import AUTH_PIN_MAX_TRIES, TOKEN_LABEL_BYTES
from kiosk.validation import KIB, InputFileError, Schema, between, load_json, pattern

STATE_SUFFIX = ".state.json"


class CardFileError(InputFileError):
    """A demo card file is missing or malformed: a set-up problem, not a card answer.
    ``file: key: problem``, never the key's value (a PIN, a private key)."""


@dataclass(frozen=True)
class DemoCard:
    name: str
    profile: str
    purpose_ja: str
    purpose_en: str
    token_label: str | None  # None: the card has no JPKI application at all
    pin: str | None = field(repr=False)  # None: 顔認証マイナンバーカード, no PIN was ever set
    initial_tries_left: int
    auth_certificate_der: bytes | None = field(repr=False)
    auth_ca_certificate_der: bytes | None = field(repr=False)
    auth_private_key_pem: bytes | None = field(repr=False)
    path: Path

    @property
    def state_path(self) -> Path:
        return self.path.with_name(self.name + STATE_SUFFIX)


def card_path(cards_dir: Path, name: str) -> Path:
    return cards_dir / f"{name}.json"


def list_demo_cards(cards_dir: Path) -> list[DemoCard]:
    """Every card file in ``cards_dir``, by name; try-counter files are not cards."""
    if not cards_dir.is_dir():
        return []
    paths = sorted(p for p in cards_dir.glob("*.json") if not p.name.endswith(STATE_SUFFIX))
    return [load_demo_card(p) for p in paths]


MAX_CARD_FILE_BYTES = 256 * KIB
_Base64 = Annotated[str, pattern(r"^[A-Za-z0-9+/]*={0,2}$", "base64", max_length=64 * KIB)]
_TokenLabel = Annotated[str, pattern(r"^[\x20-\x7e]{0,%d}$" % TOKEN_LABEL_BYTES,
                                     f"printable ASCII of at most {TOKEN_LABEL_BYTES} characters")]
_Tries = Annotated[int, between(0, AUTH_PIN_MAX_TRIES)]


class _CardFile(Schema, kw_only=True):
    name: Annotated[str, pattern(r"^[a-z0-9][a-z0-9_-]{0,63}$", "a card name: lower-case letters, digits, '-' and '_'")]
    profile: Annotated[str, pattern(r"^[a-z_]{1,40}$", "a card profile such as ordinary")]
    purpose_ja: str
    purpose_en: str
    token_label: _TokenLabel | None = None  # None: no JPKI application
    pin: Annotated[str, pattern(r"^[0-9]{4}$", "four digits or null")] | None = None  # None: 顔認証マイナンバーカード
    initial_tries_left: _Tries
    auth_certificate_der_b64: _Base64 | None = None
    auth_ca_certificate_der_b64: _Base64 | None = None
    auth_private_key_pem: Annotated[str, pattern(r"^[\x20-\x7e\n\r]*$", "a PEM text", max_length=64 * KIB)] | None = None


class _CardState(Schema):
    tries_left: _Tries


def load_demo_card(path: Path) -> DemoCard:
    raw = load_json(path, _CardFile, file=path.name, error=CardFileError, max_bytes=MAX_CARD_FILE_BYTES)
    if raw.name != path.stem:
        raise CardFileError(path.name, "name", "does not match the file name")
    return DemoCard(
        name=raw.name,
        profile=raw.profile,
        purpose_ja=raw.purpose_ja,
        purpose_en=raw.purpose_en,
        token_label=raw.token_label,
        pin=raw.pin,
        initial_tries_left=raw.initial_tries_left,
        auth_certificate_der=_base64(path, "auth_certificate_der_b64", raw.auth_certificate_der_b64),
        auth_ca_certificate_der=_base64(path, "auth_ca_certificate_der_b64", raw.auth_ca_certificate_der_b64),
        auth_private_key_pem=raw.auth_private_key_pem.encode("ascii") if raw.auth_private_key_pem is not None else None,
        path=path,
    )


def _base64(path: Path, key: str, value: str | None) -> bytes | None:
    if value is None:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise CardFileError(path.name, key, "not base64") from None


class PinTryCounter:
    """The card's auth-PIN retry counter, written through to ``<name>.state.json``.

    Every change is written before the card answers, as a card commits its EEPROM before the
    status word: a kiosk crash can never give a try back.
    """

    def __init__(self, card: DemoCard) -> None:
        self._path = card.state_path
        self._value = self._read(card.initial_tries_left)

    @property
    def value(self) -> int:
        return self._value

    def set(self, value: int) -> None:
        if not 0 <= value <= AUTH_PIN_MAX_TRIES:
            raise ValueError("a try counter is 0..3")
        if value == self._value:
            return
        self._write(value)
        self._value = value

    def _read(self, initial: int) -> int:
        if not self._path.exists():
            return initial
        return load_json(self._path, _CardState, file=self._path.name, error=CardFileError, max_bytes=KIB).tries_left

    def _write(self, value: int) -> None:
        # Write a sibling temp file, then rename over: readers see the old or the new counter, never half.
        fd, temp = tempfile.mkstemp(dir=self._path.parent, prefix=self._path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump({"tries_left": value}, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self._path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
