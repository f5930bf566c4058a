"""Demo card specifications (``assets/demo/cards.toml``) and what each profile means."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

MY_NUMBER_CARD_TOKEN = "JPKIAPICCTOKEN2"
JUKI_CARD_TOKEN = "JPKIAPICCTOKEN"
ANDROID_TOKEN = "JPKIAPGPSETOKEN"

DEFAULT_DEMO_PIN = "1234"  # when a spec names none; printed on the demo card sheet anyway
PIN_TRIES = 3


class Credential(Enum):
    """Which auth certificate a demo card carries."""

    VALID = "valid"  # issued by a trusted generation, valid now
    EXPIRED = "expired"
    REVOKED = "revoked"  # valid, but on its generation's CRL
    UNKNOWN_CA = "unknown_ca"  # signed by a CA with the trusted DN but another key
    NONE = "none"  # no JPKI application at all


class CardProfile(Enum):
    ORDINARY = "ordinary"
    ONE_TRY_LEFT = "one_try_left"
    LOCKED = "locked"
    EXPIRED = "expired"
    REVOKED = "revoked"
    FACE_AUTH = "face_auth"
    JUKI_CARD = "juki_card"
    UNKNOWN_CA = "unknown_ca"
    NOT_MY_NUMBER = "not_my_number"
    PHONE_ANDROID = "phone_android"

    @property
    def token_label(self) -> str | None:
        return _TOKEN_LABELS.get(self, MY_NUMBER_CARD_TOKEN)

    @property
    def has_pin(self) -> bool:
        # 顔認証マイナンバーカード have no PIN; a card without the JPKI AP has nothing to verify.
        return self not in (CardProfile.FACE_AUTH, CardProfile.NOT_MY_NUMBER)

    @property
    def initial_tries_left(self) -> int:
        return _TRIES_LEFT.get(self, PIN_TRIES)

    @property
    def credential(self) -> Credential:
        return _CREDENTIALS.get(self, Credential.VALID)


_TOKEN_LABELS = {
    CardProfile.JUKI_CARD: JUKI_CARD_TOKEN,
    CardProfile.PHONE_ANDROID: ANDROID_TOKEN,
    CardProfile.NOT_MY_NUMBER: None,
}
_TRIES_LEFT = {CardProfile.ONE_TRY_LEFT: 1, CardProfile.LOCKED: 0}
_CREDENTIALS = {
    CardProfile.EXPIRED: Credential.EXPIRED,
    CardProfile.REVOKED: Credential.REVOKED,
    CardProfile.UNKNOWN_CA: Credential.UNKNOWN_CA,
    CardProfile.NOT_MY_NUMBER: Credential.NONE,
}


@dataclass(frozen=True)
class DemoCardSpec:
    name: str  # also the card file name: lower-case letters, digits, '-' and '_'
    profile: CardProfile
    purpose_ja: str
    purpose_en: str
    resident_ref: str | None = None
    pin: str | None = field(default=None, repr=False)

    @property
    def effective_pin(self) -> str | None:
        if not self.profile.has_pin:
            return None
        return self.pin or DEFAULT_DEMO_PIN


class CardSpecError(ValueError):
    """A demo card file that cannot be used; the message names the file, the card and the key."""


_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
_RESIDENT_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_PIN = re.compile(r"[0-9]{4}")
_REQUIRED_KEYS = ("name", "profile", "purpose_ja", "purpose_en")
_KNOWN_KEYS = frozenset(_REQUIRED_KEYS + ("resident_ref", "pin"))


class _BadKey(Exception):
    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key = key
        self.problem = problem


def load_card_specs(path: Path) -> list[DemoCardSpec]:
    """Read ``[[card]]`` tables; refuse the whole file at the first problem."""
    try:
        document = tomllib.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CardSpecError(f"{path}: not valid TOML ({error})") from error
    unexpected = sorted(set(document) - {"card"})
    if unexpected:
        raise CardSpecError(f"{path}: unexpected top-level key '{unexpected[0]}' (only [[card]] tables)")
    tables = document.get("card")
    if not isinstance(tables, list) or not tables:
        raise CardSpecError(f"{path}: no [[card]] tables")
    specs: list[DemoCardSpec] = []
    for number, table in enumerate(tables, start=1):
        label = _card_label(number, table)
        try:
            spec = _parse_card(table)
        except _BadKey as bad:
            raise CardSpecError(f"{path}: card {label}: key '{bad.key}': {bad.problem}") from None
        if any(earlier.name == spec.name for earlier in specs):
            raise CardSpecError(f"{path}: card {label}: key 'name': used by an earlier card")
        specs.append(spec)
    return specs


def _card_label(number: int, table: object) -> str:
    name = table.get("name") if isinstance(table, dict) else None
    return f"#{number} '{name}'" if isinstance(name, str) else f"#{number}"


def _parse_card(table: object) -> DemoCardSpec:
    if not isinstance(table, dict):
        raise _BadKey("card", "must be a table")
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        raise _BadKey(unknown[0], f"unknown key (known: {', '.join(sorted(_KNOWN_KEYS))})")
    for key in _REQUIRED_KEYS:
        if key not in table:
            raise _BadKey(key, "missing")
    name = _text(table, "name")
    if not _NAME.fullmatch(name):
        raise _BadKey("name", "use lower-case letters, digits, '-' and '_' (it becomes a file name)")
    try:
        profile = CardProfile(_text(table, "profile"))
    except ValueError:
        raise _BadKey("profile", f"one of {', '.join(p.value for p in CardProfile)}") from None
    resident_ref = _optional_text(table, "resident_ref")
    if resident_ref is not None:
        if not _RESIDENT_REF.fullmatch(resident_ref):
            raise _BadKey("resident_ref", "an opaque reference: letters, digits, '-' and '_'")
        if profile.credential is Credential.NONE:
            raise _BadKey("resident_ref", f"a {profile.value} card has no certificate to link")
    pin = _optional_text(table, "pin")
    if pin is not None:
        if not profile.has_pin:
            raise _BadKey("pin", f"a {profile.value} card has no PIN")
        if not _PIN.fullmatch(pin):
            raise _BadKey("pin", "a string of exactly 4 digits")  # never echo the value
    return DemoCardSpec(
        name=name,
        profile=profile,
        purpose_ja=_text(table, "purpose_ja"),
        purpose_en=_text(table, "purpose_en"),
        resident_ref=resident_ref,
        pin=pin,
    )


def _text(table: dict[str, object], key: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise _BadKey(key, "a non-empty string")
    return value


def _optional_text(table: dict[str, object], key: str) -> str | None:
    return _text(table, key) if key in table else None
