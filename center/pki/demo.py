"""Set-up: make the demo PKI and one credential file per demo card.

Writes ``<out_dir>/pki/`` (every CA generation's certificate and CRL, the untrusted
unknown CA) and ``<out_dir>/cards/<name>.json``. CA private keys live only in memory
while this runs: re-running set-up makes a new PKI and new cards.
"""
from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.clock import JST
from center.pki.authority import AUTH_CA_GENERATIONS, CertificateAuthority, generation_issuing_on
from center.pki.cards import CardProfile, Credential, DemoCardSpec
from center.pki.certificates import certificate_sha256, issue_auth_certificate, last_valid_day
from center.pki.crl import build_crl
from center.pki.keys import new_rsa_key, write_private_file, write_public_file
from center.pki.layout import DemoPkiLayout

UNKNOWN_CA_LABEL = "unknown"
UNLINKED_HOLDER_BIRTH_DATE = date(1984, 6, 15)  # fictional; for cards no resident is linked to
_RECENT_ISSUE_AGE = timedelta(days=365)
_EXPIRED_ISSUE_AGE = timedelta(days=6 * 366)  # longer than any 5-birthday validity
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class ProvisionedCard:
    name: str
    profile: CardProfile
    resident_ref: str | None
    certificate_sha256: str | None  # None: the card has no JPKI certificate
    issuer_label: str | None  # CA generation that signed it, or "unknown"


@dataclass(frozen=True)
class _Credential:
    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey
    authority: CertificateAuthority


def provision_demo_pki(
    out_dir: Path,
    specs: Sequence[DemoCardSpec],
    birth_date_of: Callable[[str], date],
    now: datetime,
) -> list[ProvisionedCard]:
    """Make the PKI and the cards; ``birth_date_of(resident_ref)`` sets each linked card's expiry."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = now.astimezone(JST).date()
    authorities = {w.label: CertificateAuthority.create(w, new_rsa_key()) for w in AUTH_CA_GENERATIONS}
    newest = authorities[generation_issuing_on(today).label]
    unknown = CertificateAuthority.create(replace(newest.window, label=UNKNOWN_CA_LABEL), new_rsa_key())
    revoked: dict[str, set[int]] = {label: set() for label in authorities}

    layout = DemoPkiLayout(out_dir)
    for stale in layout.cards_dir.glob("*.json"):
        stale.unlink()  # a card dropped from the spec must not survive with a dead CA
    provisioned = []
    ordinary_seen = 0
    for spec in specs:
        credential = None
        if spec.profile.credential is not Credential.NONE:
            birth_date = birth_date_of(spec.resident_ref) if spec.resident_ref else UNLINKED_HOLDER_BIRTH_DATE
            # Every second ordinary card comes from the previous generation, which still verifies.
            older = spec.profile is CardProfile.ORDINARY and ordinary_seen % 2 == 1
            issued_on = _issue_day(spec.profile.credential, older, birth_date, today)
            if spec.profile.credential is Credential.UNKNOWN_CA:
                authority = unknown
            else:
                authority = authorities[generation_issuing_on(issued_on).label]
            credential = _issue(spec, authority, birth_date, issued_on, now)
            if spec.profile.credential is Credential.REVOKED:
                revoked[authority.label].add(credential.certificate.serial_number)
        if spec.profile is CardProfile.ORDINARY:
            ordinary_seen += 1
        write_private_file(layout.card(spec.name), _card_file(spec, credential))
        provisioned.append(_provisioned(spec, credential))

    for label, authority in authorities.items():
        write_public_file(layout.ca_certificate(label), _pem(authority.certificate))
        crl = build_crl(authority, revoked[label], now)
        write_public_file(layout.crl(label), crl.public_bytes(serialization.Encoding.PEM))
    write_public_file(layout.unknown_ca_certificate, _pem(unknown.certificate))
    return provisioned


def _issue_day(credential: Credential, older_generation: bool, birth_date: date, today: date) -> date:
    """Issue dates relative to set-up day, so the demo works whenever it is set up (until 2033)."""
    newest = generation_issuing_on(today)
    recent = max(newest.first_day, today - _RECENT_ISSUE_AGE)
    if credential is Credential.EXPIRED:
        day = today - _EXPIRED_ISSUE_AGE
    elif older_generation:
        # The last day before the newest generation took over; fall back to a recent
        # day when that certificate would already have lapsed or the holder was not born.
        day = newest.first_day - _ONE_DAY
        if birth_date > day or last_valid_day(day, birth_date) < today:
            day = recent
    else:
        day = recent
    return max(day, birth_date)


def _issue(
    spec: DemoCardSpec, authority: CertificateAuthority, birth_date: date, issued_on: date, now: datetime
) -> _Credential:
    key = new_rsa_key()
    certificate = issue_auth_certificate(authority, key.public_key(), birth_date, issued_on)
    expired = certificate.not_valid_after_utc < now
    if expired != (spec.profile.credential is Credential.EXPIRED):
        state = "expired" if expired else "still valid"
        raise ValueError(f"card {spec.name}: its certificate would be {state} at {now.isoformat()}")
    return _Credential(certificate, key, authority)


def _card_file(spec: DemoCardSpec, credential: _Credential | None) -> bytes:
    """The JSON the card emulator reads; key order as agreed with it."""
    document = {
        "name": spec.name,
        "profile": spec.profile.value,
        "purpose_ja": spec.purpose_ja,
        "purpose_en": spec.purpose_en,
        "token_label": spec.profile.token_label,
        "pin": spec.effective_pin,
        "initial_tries_left": spec.profile.initial_tries_left,
        "auth_certificate_der_b64": None,
        "auth_ca_certificate_der_b64": None,
        "auth_private_key_pem": None,
    }
    if credential is not None:
        document["auth_certificate_der_b64"] = _der_b64(credential.certificate)
        document["auth_ca_certificate_der_b64"] = _der_b64(credential.authority.certificate)
        document["auth_private_key_pem"] = credential.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii")
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _provisioned(spec: DemoCardSpec, credential: _Credential | None) -> ProvisionedCard:
    if credential is None:
        return ProvisionedCard(spec.name, spec.profile, spec.resident_ref, None, None)
    der = credential.certificate.public_bytes(serialization.Encoding.DER)
    return ProvisionedCard(
        spec.name, spec.profile, spec.resident_ref, certificate_sha256(der), credential.authority.label
    )


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _der_b64(certificate: x509.Certificate) -> str:
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode("ascii")
