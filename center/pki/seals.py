"""Ed25519 seal keys, per municipality, that sign the 2D code printed on every certificate page.

Every key has an id: the first 8 hex digits of the SHA-256 of its raw public key, so an id names
one key for good and the key list can be checked against itself. The id is inside each signed
code (printing.security.seal_code), so a verifier knows which key to check it with.

Files, under the data directory's ``pki/seals/``:

- ``keys.json``, the key list: every public key any municipality ever signed with (municipality,
  id, base64 of the raw key, when made), the current key of each municipality, and the withdrawn
  keys (municipality, id, when, reason ``routine`` or ``compromised``). A verifier needs only this.
- ``<code>/<key id>.key``: the current private key of a municipality (PKCS#8 PEM, 0600).
- ``history.log``: one line per key made, imported, rotated or marked compromised, with the
  operator's token: municipality codes, key ids and times only, no personal data.

Rotation (``kiosk seal-key rotate``) makes a new current key, withdraws the old one and deletes
its private key. The old public key stays in the list, so what it signed still verifies. Set-up
(``kiosk setup``, also ``--force``) keeps every key and only adds keys for municipalities with
none; a key from before key ids (``pki/seal-<code>.key``) is imported, not replaced.

What a withdrawal means for the codes the key signed (the decision ``kiosk verify`` applies):

- ``routine``: they stay valid. The key was never exposed, and it cannot sign after it was
  withdrawn: its private key is deleted then, and the signer reads the key list before every
  signature. The code's own date is not compared with the withdrawal date: it is the document's
  issue time on the kiosk's clock (a simulated one in demos), not a trustworthy timestamp.
- ``compromised``: they are all invalid, whatever date they carry, since whoever holds the key
  can sign any date. A key rotated for routine and found to have leaked later is marked so with
  ``kiosk seal-key compromised``.

Every file here is hostile input: anything missing, unreadable or wrong is a SealKeyError of
one line naming the file. A key list that is missing while private keys exist is never
replaced by a new one (that would orphan every certificate issued): it must be restored.
"""
from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.clock import JST
from kiosk.journal.events import scrub_detail
from center.pki.keys import write_private_file
from center.pki.layout import DemoPkiLayout

log = logging.getLogger(__name__)

_MUNICIPALITY_CODE = re.compile(r"[0-9A-Za-z_-]+")  # becomes part of a file name
KEY_ID = re.compile(r"[0-9a-f]{8}")
LIST_FORMAT = 1
MAX_LIST_BYTES = 1 << 20  # thousands of keys; anything bigger is not ours
MAX_KEY_FILE_BYTES = 16 * 1024


class SealKeyError(ValueError):
    """A seal key or the key list is missing, unreadable or wrong, or a key command cannot be done."""


class WithdrawalReason(Enum):
    ROUTINE = "routine"
    COMPROMISED = "compromised"


@dataclass(frozen=True)
class Withdrawal:
    at: datetime
    reason: WithdrawalReason


@dataclass(frozen=True)
class SealKey:
    municipality_code: str
    key_id: str
    public_key: ed25519.Ed25519PublicKey
    created_at: datetime
    withdrawal: Withdrawal | None = None

    @property
    def compromised(self) -> bool:
        return self.withdrawal is not None and self.withdrawal.reason is WithdrawalReason.COMPROMISED

    def describe(self) -> str:
        status = "current"
        if self.withdrawal:
            status = f"withdrawn {self.withdrawal.at.isoformat(timespec='minutes')} ({self.withdrawal.reason.value})"
        return f"{self.municipality_code} {self.key_id} made {self.created_at.isoformat(timespec='minutes')} {status}"


def key_id_of(public_key: ed25519.Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:8]


@dataclass(frozen=True)
class SealKeyList:
    path: Path
    keys: tuple[SealKey, ...] = ()
    current: Mapping[str, str] = field(default_factory=dict)  # municipality code -> key id

    def candidates(self, municipality_code: str, key_id: str | None) -> tuple[SealKey, ...]:
        """Keys that may have signed a code: the one it names; for a code without a key id
        (format 1), every key of its municipality."""
        return tuple(k for k in self.keys if k.municipality_code == municipality_code and key_id in (None, k.key_id))

    def current_key(self, municipality_code: str) -> SealKey:
        key_id = self.current.get(municipality_code)
        if key_id is None:
            raise SealKeyError(f"{self.path}: no current seal key for municipality {municipality_code} "
                               "(kiosk setup makes one)")
        return self.candidates(municipality_code, key_id)[0]

    def _adding(self, key: SealKey) -> SealKeyList:
        return replace(self, keys=(*self.keys, key), current={**self.current, key.municipality_code: key.key_id})

    def _withdrawing(self, key: SealKey, withdrawal: Withdrawal) -> SealKeyList:
        same = (key.municipality_code, key.key_id)
        return replace(
            self,
            keys=tuple(replace(k, withdrawal=withdrawal) if (k.municipality_code, k.key_id) == same else k for k in self.keys),
            current={code: kid for code, kid in self.current.items() if (code, kid) != same},
        )


@dataclass(frozen=True)
class CurrentSealKey:
    key: SealKey
    private_key: ed25519.Ed25519PrivateKey


# --- reading ---------------------------------------------------------------------------


def load_seal_key_list(data_dir: Path) -> SealKeyList:
    """The key list; an empty one when there is none yet (and no private key to orphan)."""
    layout = DemoPkiLayout(data_dir)
    path = layout.seal_key_list
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_LIST_BYTES + 1)
    except FileNotFoundError:
        orphans = sorted(layout.seals_dir.glob("*/*.key"))
        if orphans:
            raise SealKeyError(f"{path}: missing, but {orphans[0].parent} holds seal keys: restore the key list "
                               "from a backup (it is never made anew over existing keys)") from None
        return SealKeyList(path)
    except OSError as exc:
        raise SealKeyError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(raw) > MAX_LIST_BYTES:
        raise SealKeyError(f"{path}: larger than {MAX_LIST_BYTES} bytes: not a seal key list")
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SealKeyError(f"{path}: not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:
        raise SealKeyError(f"{path}: not JSON ({exc})") from None
    return _parse(path, document)


def load_current_seal_key(data_dir: Path, municipality_code: str) -> CurrentSealKey:
    """The municipality's current key, its private half read afresh and checked against the list."""
    _check_code(municipality_code)
    layout = DemoPkiLayout(data_dir)
    for attempt in (1, 2):
        key = load_seal_key_list(data_dir).current_key(municipality_code)
        path = layout.seal_private_key(municipality_code, key.key_id)
        try:
            private = _read_private(path)
        except FileNotFoundError:
            if attempt == 1:
                continue  # a rotation may have come between reading the list and the key: both again
            raise SealKeyError(f"{path}: missing: the current seal key of municipality {municipality_code} "
                               "(restore it, or `kiosk seal-key rotate` makes a new one)") from None
        if key_id_of(private.public_key()) != key.key_id:
            raise SealKeyError(f"{path}: not the private half of key {key.key_id} in {layout.seal_key_list}")
        return CurrentSealKey(key, private)
    raise AssertionError("unreachable")


def load_seal_private_key(data_dir: Path, municipality_code: str) -> ed25519.Ed25519PrivateKey:
    return load_current_seal_key(data_dir, municipality_code).private_key


def load_seal_public_key(data_dir: Path, municipality_code: str) -> ed25519.Ed25519PublicKey:
    _check_code(municipality_code)
    return load_seal_key_list(data_dir).current_key(municipality_code).public_key


# --- changing --------------------------------------------------------------------------


def provision_seal_keys(data_dir: Path, municipality_codes: Iterable[str], *, operator: str = "op-setup",
                        now: datetime | None = None) -> list[SealKey]:
    """A key for each municipality without a current one; every existing key is kept, so
    certificates already issued keep verifying. Returns the keys added."""
    codes = list(municipality_codes)
    for code in codes:
        _check_code(code)
    now = now or datetime.now(JST)
    added: list[tuple[SealKey, str]] = []
    with _changing(data_dir, create=True) as layout:
        keys = load_seal_key_list(data_dir)
        for code in codes:
            if code in keys.current:
                continue
            private, event = _read_legacy(layout, code), "imported"
            if private is None:
                private, event = ed25519.Ed25519PrivateKey.generate(), "made"
            key = SealKey(code, key_id_of(private.public_key()), private.public_key(), now)
            _write_private(layout, key, private)
            keys = keys._adding(key)
            added.append((key, event))
        if added:
            _write_list(keys)
        for key, event in added:
            if event == "imported":  # only once the list holds it: a crash before leaves it to import again
                layout.legacy_seal_private_key(key.municipality_code).unlink(missing_ok=True)
                layout.legacy_seal_public_key(key.municipality_code).unlink(missing_ok=True)
            _record(layout, now, f"{event} municipality={key.municipality_code} key={key.key_id}", operator)
    return [key for key, _ in added]


def rotate_seal_key(data_dir: Path, municipality_code: str, *, compromised: bool = False, operator: str,
                    now: datetime | None = None) -> tuple[SealKey, SealKey]:
    """A new current key; the old one is withdrawn (routine, or compromised) and its private
    half deleted. Returns (old, new) as the list now holds them."""
    _check_code(municipality_code)
    now = now or datetime.now(JST)
    reason = WithdrawalReason.COMPROMISED if compromised else WithdrawalReason.ROUTINE
    with _changing(data_dir) as layout:
        keys = load_seal_key_list(data_dir)
        old = keys.current_key(municipality_code)
        taken = {k.key_id for k in keys.candidates(municipality_code, None)}
        private = ed25519.Ed25519PrivateKey.generate()
        while key_id_of(private.public_key()) in taken:  # 32-bit ids: a clash is near impossible, never fatal
            private = ed25519.Ed25519PrivateKey.generate()
        new = SealKey(municipality_code, key_id_of(private.public_key()), private.public_key(), now)
        _write_private(layout, new, private)  # first: the list never names a key that is not on disk
        keys = keys._withdrawing(old, Withdrawal(now, reason))._adding(new)
        _write_list(keys)
        layout.seal_private_key(municipality_code, old.key_id).unlink(missing_ok=True)
        _record(layout, now, f"rotated municipality={municipality_code} key={old.key_id} withdrawn={reason.value} "
                             f"new={new.key_id}", operator)
    return keys.candidates(municipality_code, old.key_id)[0], new


def mark_compromised(data_dir: Path, municipality_code: str, key_id: str, *, operator: str,
                     now: datetime | None = None) -> SealKey:
    """A key already withdrawn is found to have leaked: every code it signed is invalid from now on."""
    _check_code(municipality_code)
    if not KEY_ID.fullmatch(key_id):
        raise SealKeyError(f"{key_id!r}: a seal key id is 8 hex digits (see `kiosk seal-key list`)")
    now = now or datetime.now(JST)
    with _changing(data_dir) as layout:
        keys = load_seal_key_list(data_dir)
        found = keys.candidates(municipality_code, key_id)
        if not found:
            raise SealKeyError(f"municipality {municipality_code} has no seal key {key_id} (see `kiosk seal-key list`)")
        if keys.current.get(municipality_code) == key_id:
            raise SealKeyError(f"{key_id} is the current key of {municipality_code}: "
                               f"`kiosk seal-key rotate --municipality {municipality_code} --compromised` replaces it")
        if found[0].compromised:
            raise SealKeyError(f"{municipality_code} {key_id} is already marked compromised")
        keys = keys._withdrawing(found[0], Withdrawal(now, WithdrawalReason.COMPROMISED))
        _write_list(keys)
        _record(layout, now, f"compromised municipality={municipality_code} key={key_id}", operator)
    return keys.candidates(municipality_code, key_id)[0]


# --- files -----------------------------------------------------------------------------


@contextmanager
def _changing(data_dir: Path, *, create: bool = False) -> Iterator[DemoPkiLayout]:
    """One change to the key list at a time: set-up and a staff command may run together."""
    layout = DemoPkiLayout(data_dir)
    if create:
        layout.seals_dir.mkdir(parents=True, exist_ok=True)
    elif not layout.seals_dir.is_dir():
        raise SealKeyError(f"{layout.seal_key_list}: no seal keys here yet (kiosk setup makes them)")
    with open(layout.seals_dir / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield layout


def _read_private(path: Path) -> ed25519.Ed25519PrivateKey:
    """Raises FileNotFoundError when absent (callers decide what that means), else SealKeyError."""
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise SealKeyError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise SealKeyError(f"{path}: not a private key in PEM (damaged?)") from None
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise SealKeyError(f"{path}: not an Ed25519 private key")
    return key


def _read_legacy(layout: DemoPkiLayout, code: str) -> ed25519.Ed25519PrivateKey | None:
    try:
        return _read_private(layout.legacy_seal_private_key(code))
    except FileNotFoundError:
        return None


def _write_private(layout: DemoPkiLayout, key: SealKey, private: ed25519.Ed25519PrivateKey) -> None:
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    write_private_file(layout.seal_private_key(key.municipality_code, key.key_id), pem)


def _write_list(keys: SealKeyList) -> None:
    """Whole or not at all: a new file renamed over the old one, never a half-written list."""
    withdrawn = sorted((k for k in keys.keys if k.withdrawal), key=lambda k: k.withdrawal.at)  # type: ignore[union-attr]
    document = {
        "format": LIST_FORMAT,
        "keys": [
            {"municipality": k.municipality_code, "id": k.key_id, "created": k.created_at.isoformat(timespec="seconds"),
             "public": base64.b64encode(k.public_key.public_bytes(serialization.Encoding.Raw,
                                                                  serialization.PublicFormat.Raw)).decode("ascii")}
            for k in keys.keys
        ],
        "current": dict(sorted(keys.current.items())),
        "withdrawn": [
            {"municipality": k.municipality_code, "id": k.key_id,
             "at": k.withdrawal.at.isoformat(timespec="seconds"), "reason": k.withdrawal.reason.value}  # type: ignore[union-attr]
            for k in withdrawn
        ],
    }
    temporary = keys.path.with_name(keys.path.name + ".new")
    with open(temporary, "wb") as out:
        out.write(json.dumps(document, indent=1).encode("utf-8") + b"\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, keys.path)
    directory = os.open(keys.path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _record(layout: DemoPkiLayout, now: datetime, what: str, operator: str) -> None:
    # the operator id is typed by a person: through the journal's allow-list, like a journal detail
    line = f"{now.isoformat(timespec='seconds')} {what} by={scrub_detail(operator)}"
    with open(layout.seal_history, "a", encoding="utf-8") as history:
        history.write(line + "\n")
    log.info("seal key %s", line)


def _parse(path: Path, document: object) -> SealKeyList:
    def bad(where: str, what: str) -> SealKeyError:
        return SealKeyError(f"{path}: {where}: {what}")

    def table(value: object, where: str, names: set[str]) -> dict[str, object]:
        if not isinstance(value, dict):
            raise bad(where, "expected a table")
        if set(value) != names:
            odd = sorted(set(value) ^ names)
            raise bad(where, f"expected the keys {', '.join(sorted(names))}; wrong: {_shown(', '.join(odd))}")
        return value

    def items(value: object, where: str) -> list[object]:
        if not isinstance(value, list):
            raise bad(where, "expected a list")
        return value

    def text(value: object, where: str, pattern: re.Pattern[str]) -> str:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise bad(where, f"{_shown(value)} is not a valid value")
        return value

    def moment(value: object, where: str) -> datetime:
        try:
            when = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            raise bad(where, f"{_shown(value)} is not a date and time with its UTC offset")
        return when

    top = table(document, "the list", {"format", "keys", "current", "withdrawn"})
    if type(top["format"]) is not int or top["format"] != LIST_FORMAT:
        raise bad("format", f"{_shown(top['format'])}: this kiosk reads format {LIST_FORMAT}")
    keys: dict[tuple[str, str], SealKey] = {}
    for n, entry in enumerate(items(top["keys"], "keys")):
        where = f"keys[{n}]"
        entry = table(entry, where, {"municipality", "id", "public", "created"})
        code = text(entry["municipality"], f"{where}.municipality", _MUNICIPALITY_CODE)
        key_id = text(entry["id"], f"{where}.id", KEY_ID)
        try:
            raw = base64.b64decode(entry["public"], validate=True) if isinstance(entry["public"], str) else b""
            public = ed25519.Ed25519PublicKey.from_public_bytes(raw)
        except (binascii.Error, ValueError):
            raise bad(f"{where}.public", "not the base64 of a 32-byte Ed25519 public key") from None
        if key_id_of(public) != key_id:
            raise bad(f"{where}.id", f"{key_id} is not the id of the public key beside it")
        if (code, key_id) in keys:
            raise bad(where, f"{code} {key_id} is listed twice")
        keys[(code, key_id)] = SealKey(code, key_id, public, moment(entry["created"], f"{where}.created"))
    for n, entry in enumerate(items(top["withdrawn"], "withdrawn")):
        where = f"withdrawn[{n}]"
        entry = table(entry, where, {"municipality", "id", "at", "reason"})
        named = (text(entry["municipality"], f"{where}.municipality", _MUNICIPALITY_CODE),
                 text(entry["id"], f"{where}.id", KEY_ID))
        if named not in keys:
            raise bad(where, f"{' '.join(named)} is not in keys")
        if keys[named].withdrawal:
            raise bad(where, f"{' '.join(named)} is withdrawn twice")
        reasons = {r.value: r for r in WithdrawalReason}
        if not isinstance(entry["reason"], str) or entry["reason"] not in reasons:
            raise bad(f"{where}.reason", f"{_shown(entry['reason'])}: expected {' or '.join(reasons)}")
        keys[named] = replace(keys[named], withdrawal=Withdrawal(moment(entry["at"], f"{where}.at"), reasons[entry["reason"]]))
    current = top["current"]
    if not isinstance(current, dict):
        raise bad("current", "expected a table of municipality code -> key id")
    for code, key_id in current.items():
        text(code, "current", _MUNICIPALITY_CODE)
        key = keys.get((code, text(key_id, f"current.{code}", KEY_ID)))
        if key is None:
            raise bad(f"current.{code}", f"{key_id} is not in keys")
        if key.withdrawal:
            raise bad(f"current.{code}", f"{key_id} is withdrawn and cannot be current")
    return SealKeyList(path, tuple(keys.values()), dict(current))


def _shown(value: object) -> str:
    """A hostile value in an error line: short, printable, on one line."""
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _check_code(code: str) -> None:
    if not _MUNICIPALITY_CODE.fullmatch(code):
        raise SealKeyError("a municipality code is letters, digits, '-' and '_' only")
