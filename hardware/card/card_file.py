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

from hardware.card.jpki_files import AUTH_PIN_MAX_TRIES, TOKEN_LABEL_BYTES

STATE_SUFFIX = ".state.json"


class CardFileError(Exception):
    """A demo card file is missing or malformed: a set-up problem, not a card answer."""


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


def load_demo_card(path: Path) -> DemoCard:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CardFileError(f"{path.name}: unreadable ({type(error).__name__})") from None
    if not isinstance(raw, dict):
        raise CardFileError(f"{path.name}: not a JSON object")
    fields = _Fields(raw, path.name)
    name = fields.text("name")
    if name != path.stem:
        raise CardFileError(f"{path.name}: name does not match the file name")
    token_label = fields.optional_text("token_label")
    if token_label is not None and not _fits_token_label(token_label):
        raise CardFileError(f"{path.name}: token_label must be printable ASCII of at most 32 characters")
    pin = fields.optional_text("pin")
    if pin is not None and not (len(pin) == 4 and pin.isascii() and pin.isdigit()):
        raise CardFileError(f"{path.name}: pin must be four digits or null")
    tries = raw.get("initial_tries_left")
    if type(tries) is not int or not 0 <= tries <= AUTH_PIN_MAX_TRIES:
        raise CardFileError(f"{path.name}: initial_tries_left must be 0..{AUTH_PIN_MAX_TRIES}")
    key_pem = fields.optional_text("auth_private_key_pem")
    return DemoCard(
        name=name,
        profile=fields.text("profile"),
        purpose_ja=fields.text("purpose_ja"),
        purpose_en=fields.text("purpose_en"),
        token_label=token_label,
        pin=pin,
        initial_tries_left=tries,
        auth_certificate_der=fields.optional_base64("auth_certificate_der_b64"),
        auth_ca_certificate_der=fields.optional_base64("auth_ca_certificate_der_b64"),
        auth_private_key_pem=key_pem.encode("ascii") if key_pem is not None else None,
        path=path,
    )


def _fits_token_label(label: str) -> bool:
    return len(label) <= TOKEN_LABEL_BYTES and label.isascii() and label.isprintable()


class _Fields:
    """Typed access to the JSON object, with errors naming the field but never its value."""

    def __init__(self, raw: dict, file_name: str) -> None:
        self._raw = raw
        self._file_name = file_name

    def text(self, key: str) -> str:
        value = self._raw.get(key)
        if not isinstance(value, str):
            raise CardFileError(f"{self._file_name}: {key} must be a string")
        return value

    def optional_text(self, key: str) -> str | None:
        return None if self._raw.get(key) is None else self.text(key)

    def optional_base64(self, key: str) -> bytes | None:
        value = self.optional_text(key)
        if value is None:
            return None
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise CardFileError(f"{self._file_name}: {key} is not base64") from None


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
        try:
            raw = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return initial
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            raise CardFileError(f"{self._path.name}: unreadable") from None
        value = raw.get("tries_left") if isinstance(raw, dict) else None
        if type(value) is not int or not 0 <= value <= AUTH_PIN_MAX_TRIES:
            raise CardFileError(f"{self._path.name}: tries_left must be 0..{AUTH_PIN_MAX_TRIES}")
        return value

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
