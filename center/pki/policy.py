"""The certificate policy: may the center rely on this card's user-authentication certificate?

The card hands the kiosk its 利用者証明用電子証明書 as untrusted bytes. ``check_card_certificate``
applies every rule below in a fixed order and names the first one broken, so a refusal is
always one specific, typed reason. The rules are RFC 5280 (§4.1 fields, §4.2 extensions,
§6.1 path validation, §6.3 CRLs) narrowed to the JPKI user-authentication profile: an X.509 v3
end-entity certificate with an RSA-2048 key, signed sha256WithRSAEncryption by one of the auth
CA generations (which all share one DN, so the issuer is found by signature).

Decisions where the public JPKI documents do not settle the end-entity profile:

- Extended key usage: the demo certificates carry none, and RFC 5280 §4.2.1.12 reads an absent
  extension as "no restriction". When present it must list id-kp-clientAuth, the purpose the
  kiosk uses the key for (proving the card holder to the center). anyExtendedKeyUsage alone is
  refused, as §4.2.1.12 allows an application that needs one purpose to do.
- Critical extensions: only those this module enforces (basicConstraints, keyUsage,
  extendedKeyUsage) may be critical; any other critical extension is refused (§4.2: a system
  MUST reject a certificate with a critical extension it does not process). Should the real
  profile mark another one critical (certificatePolicies, say), it comes in here together
  with the check it implies.
- Public exponent: odd and 2^16 < e < 2^256, the FIPS 186-5 rule for RSA keys, rather than
  exactly 65537: small exponents (e = 3) let forged PKCS#1 v1.5 signatures past lax verifiers
  and fall outside FIPS 186-5, while the exponent of real card keys is not published and a
  conforming one must not be refused.
- Revocation fails closed: a CRL that is not the issuer's own, cannot be processed, has no
  nextUpdate, or is past it, makes the status unknown, whatever it lists. A CRL issued after
  the moment checked is used all the same: it can only know more.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Protocol, TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import (
    ExtendedKeyUsageOID,
    ExtensionOID,
    SignatureAlgorithmOID,
)

from center.pki.keys import RSA_KEY_BITS

# A JPKI auth certificate is 1-2 KB; refusing huge input first keeps parsing cheap.
MAX_CERTIFICATE_BYTES = 16 * 1024
MIN_PUBLIC_EXPONENT = 2**16 + 1  # FIPS 186-5 §A.1.1: 2^16 < e < 2^256, e odd
MAX_PUBLIC_EXPONENT = 2**256 - 1
# AlgorithmIdentifier { sha256WithRSAEncryption, NULL } in DER (RFC 4055 §5).
SHA256_WITH_RSA_ALGORITHM = bytes.fromhex("300d06092a864886f70d01010b0500")
# Critical extensions this module enforces; any other one marked critical is refused.
_PROCESSED_EXTENSIONS = frozenset(
    {ExtensionOID.BASIC_CONSTRAINTS, ExtensionOID.KEY_USAGE, ExtensionOID.EXTENDED_KEY_USAGE}
)
_Value = TypeVar("_Value", bound=x509.ExtensionType)


class CertificateRefusal(Enum):
    """Why the policy refuses a card certificate: one member per rule, in the order checked."""

    MALFORMED = "malformed"  # not canonical DER, too big, or a field that does not parse
    NOT_VERSION_3 = "not_version_3"  # RFC 5280 §4.1.2.1: extensions need v3
    BAD_SERIAL_NUMBER = "bad_serial_number"  # zero or negative (§4.1.2.2)
    SIGNATURE_ALGORITHM = "signature_algorithm"  # not sha256WithRSAEncryption, inside and out
    UNKNOWN_CRITICAL_EXTENSION = "unknown_critical_extension"  # §4.2
    CA_CERTIFICATE = "ca_certificate"  # basicConstraints cA=TRUE (§4.2.1.9)
    CERTIFICATE_SIGNING_KEY = "certificate_signing_key"  # keyCertSign or cRLSign (§4.2.1.3)
    NO_DIGITAL_SIGNATURE = "no_digital_signature"  # keyUsage missing or without digitalSignature
    NO_CLIENT_AUTH = "no_client_auth"  # an extendedKeyUsage without id-kp-clientAuth
    KEY_NOT_RSA_2048 = "key_not_rsa_2048"
    WEAK_PUBLIC_EXPONENT = "weak_public_exponent"
    UNKNOWN_ISSUER = "unknown_issuer"  # no trusted generation of that name signed it
    OUTSIDE_ISSUER_VALIDITY = "outside_issuer_validity"  # valid before or after its CA
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    REVOCATION_UNAVAILABLE = "revocation_unavailable"  # no usable CRL: status unknown


@dataclass(frozen=True)
class CardCertificate:
    """Everything the rules need, read up front: ``x509.Certificate`` parses some fields
    lazily, and a malformed field must fail in ``read_card_certificate``, not mid-check."""

    version: x509.Version
    serial_number: int
    outer_algorithm: x509.ObjectIdentifier
    inner_algorithm_der: bytes  # the tbsCertificate's own copy of the signature algorithm
    issuer: x509.Name
    not_before: datetime
    not_after: datetime
    extensions: tuple[x509.Extension[x509.ExtensionType], ...]
    public_key: CertificatePublicKeyTypes
    tbs_certificate_bytes: bytes
    signature: bytes


def read_card_certificate(certificate_der: object) -> CardCertificate | None:
    """The certificate's fields, or None for bytes that are not one canonical DER certificate."""
    if not isinstance(certificate_der, bytes) or not 0 < len(certificate_der) <= MAX_CERTIFICATE_BYTES:
        return None
    try:
        certificate = x509.load_der_x509_certificate(certificate_der)
        outer = certificate.signature_algorithm_oid
        tbs = certificate.tbs_certificate_bytes
        if outer == SignatureAlgorithmOID.RSA_WITH_SHA256 and not _is_canonical(
            certificate_der, tbs, certificate.signature
        ):
            return None
        return CardCertificate(
            version=certificate.version,
            serial_number=certificate.serial_number,
            outer_algorithm=outer,
            inner_algorithm_der=_inner_signature_algorithm(tbs),
            issuer=certificate.issuer,
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
            extensions=tuple(certificate.extensions),
            public_key=certificate.public_key(),
            tbs_certificate_bytes=tbs,
            signature=certificate.signature,
        )
    except Exception:  # noqa: BLE001 - untrusted bytes: any parse failure is a refusal, never a crash
        return None


class Issuer(Protocol):
    """A trusted CA generation as the policy sees it (``center.pki.trust.TrustedGeneration``)."""

    @property
    def subject(self) -> x509.Name: ...
    @property
    def public_key(self) -> rsa.RSAPublicKey: ...
    @property
    def not_before(self) -> datetime: ...
    @property
    def not_after(self) -> datetime: ...
    @property
    def revocation(self) -> Revocation: ...


def check_card_certificate(
    card: CardCertificate, issuers: Sequence[Issuer], at: datetime
) -> CertificateRefusal | Issuer:
    """The issuer that vouches for ``card`` at ``at``, or the first rule it breaks.

    Order: the certificate's own profile, then who signed it, then time, then revocation.
    A certificate no trusted CA signed is refused as such before its dates are looked at.
    """
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    refusal = profile_refusal(card)
    if refusal is not None:
        return refusal
    issuer = _signer(card, issuers)
    if issuer is None:
        return CertificateRefusal.UNKNOWN_ISSUER
    # A CA cannot vouch for a time outside its own validity. It follows that the CA is valid
    # whenever the card is, so the CA's dates need no check of their own against ``at``.
    if card.not_before < issuer.not_before or card.not_after > issuer.not_after:
        return CertificateRefusal.OUTSIDE_ISSUER_VALIDITY
    if at < card.not_before:
        return CertificateRefusal.NOT_YET_VALID
    if at > card.not_after:
        return CertificateRefusal.EXPIRED
    refusal = issuer.revocation.refusal(card.serial_number, at)
    if refusal is not None:
        return refusal
    return issuer


def profile_refusal(card: CardCertificate) -> CertificateRefusal | None:
    """The rules that need nothing but the certificate itself."""
    if card.version is not x509.Version.v3:
        return CertificateRefusal.NOT_VERSION_3
    if card.serial_number <= 0:
        return CertificateRefusal.BAD_SERIAL_NUMBER
    if (
        card.outer_algorithm != SignatureAlgorithmOID.RSA_WITH_SHA256
        or card.inner_algorithm_der != SHA256_WITH_RSA_ALGORITHM
    ):
        return CertificateRefusal.SIGNATURE_ALGORITHM
    if any(e.critical and e.oid not in _PROCESSED_EXTENSIONS for e in card.extensions):
        return CertificateRefusal.UNKNOWN_CRITICAL_EXTENSION
    constraints = _extension(card, x509.BasicConstraints)
    if constraints is not None and constraints.ca:
        return CertificateRefusal.CA_CERTIFICATE
    usage = _extension(card, x509.KeyUsage)
    if usage is not None and (usage.key_cert_sign or usage.crl_sign):
        return CertificateRefusal.CERTIFICATE_SIGNING_KEY
    if usage is None or not usage.digital_signature:
        return CertificateRefusal.NO_DIGITAL_SIGNATURE
    purposes = _extension(card, x509.ExtendedKeyUsage)
    if purposes is not None and ExtendedKeyUsageOID.CLIENT_AUTH not in purposes:
        return CertificateRefusal.NO_CLIENT_AUTH
    key = card.public_key
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size != RSA_KEY_BITS:  # the card signs RSA-2048 only
        return CertificateRefusal.KEY_NOT_RSA_2048
    exponent = key.public_numbers().e
    if exponent % 2 == 0 or not MIN_PUBLIC_EXPONENT <= exponent <= MAX_PUBLIC_EXPONENT:
        return CertificateRefusal.WEAK_PUBLIC_EXPONENT
    return None


def _signer(card: CardCertificate, issuers: Sequence[Issuer]) -> Issuer | None:
    """The generation whose key signed the card: they all share one DN, so the name alone
    does not tell them apart (and an impostor CA may carry it too)."""
    for issuer in issuers:
        if card.issuer != issuer.subject:
            continue
        try:
            issuer.public_key.verify(card.signature, card.tbs_certificate_bytes, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            continue
        return issuer
    return None


def _extension(card: CardCertificate, kind: type[_Value]) -> _Value | None:
    for extension in card.extensions:
        if isinstance(extension.value, kind):
            return extension.value
    return None


# --- revocation -----------------------------------------------------------------------


@dataclass(frozen=True)
class Revocation:
    """A CA generation's CRL, checked once against the CA: usable only without a ``fault``
    and only until ``next_update``."""

    revoked_serials: frozenset[int]
    next_update: datetime | None
    fault: str | None = None  # why the CRL cannot be relied on at all

    def refusal(self, serial_number: int, at: datetime) -> CertificateRefusal | None:
        if self.fault is not None or self.next_update is None or at > self.next_update:
            return CertificateRefusal.REVOCATION_UNAVAILABLE
        if serial_number in self.revoked_serials:
            return CertificateRefusal.REVOKED
        return None


def read_crl(crl: x509.CertificateRevocationList, ca_certificate: x509.Certificate) -> Revocation:
    """RFC 5280 §6.3.3 for one complete CRL: the CA's own, signed by its key, with a
    nextUpdate, and no critical extension (delta CRLs, partitioned and indirect CRLs are
    not processed here)."""
    try:
        public_key = ca_certificate.public_key()
        if crl.issuer != ca_certificate.subject:
            return _unusable("names another issuer")
        if crl.signature_algorithm_oid != SignatureAlgorithmOID.RSA_WITH_SHA256:
            return _unusable("is not signed sha256WithRSAEncryption")
        if not isinstance(public_key, rsa.RSAPublicKey) or not crl.is_signature_valid(public_key):
            return _unusable("is not signed by it")
        if crl.next_update_utc is None:
            return _unusable("has no nextUpdate")
        if any(extension.critical for extension in crl.extensions):
            return _unusable("has a critical extension")
        serials = set()
        for entry in crl:
            if any(extension.critical for extension in entry.extensions):
                return _unusable("has an entry with a critical extension")
            serials.add(entry.serial_number)
        return Revocation(frozenset(serials), crl.next_update_utc)
    except Exception:  # noqa: BLE001 - a CRL that does not parse is one the center cannot use
        return _unusable("does not parse")


def _unusable(why: str) -> Revocation:
    return Revocation(frozenset(), None, why)


# --- DER details ----------------------------------------------------------------------


def _is_canonical(certificate_der: bytes, tbs: bytes, signature: bytes) -> bool:
    """The only encoding of a sha256WithRSA certificate around its signed part.

    cryptography ignores the outer algorithm's parameters and the BIT STRING's unused-bits
    octet; left unchecked, they give one certificate several encodings, each with its own
    SHA-256, all passing every other check.
    """
    signature_bits = der_tlv(0x03, b"\x00" + signature)
    return certificate_der == der_tlv(0x30, tbs + SHA256_WITH_RSA_ALGORITHM + signature_bits)


def der_tlv(tag: int, content: bytes) -> bytes:
    """One DER element (tag, definite length, content): how the canonical form is rebuilt."""
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    size_bytes = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size_bytes)]) + size_bytes + content


def _inner_signature_algorithm(tbs: bytes) -> bytes:
    """The DER of tbsCertificate.signature: [0] version (optional), serialNumber, signature.

    cryptography only exposes the outer algorithm; §4.1.1.2 requires the two to be equal.
    ``tbs`` has already been parsed as DER, so plain definite lengths can be assumed.
    """
    offset = _content_start(tbs, 0)  # inside the SEQUENCE
    if tbs[offset] == 0xA0:
        offset = _end(tbs, offset)  # past the version
    offset = _end(tbs, offset)  # past the serialNumber
    return tbs[offset : _end(tbs, offset)]


def _content_start(der: bytes, offset: int) -> int:
    """Where the content of the element at ``offset`` starts (one tag octet assumed)."""
    length = der[offset + 1]
    return offset + 2 + (length & 0x7F if length & 0x80 else 0)


def _end(der: bytes, offset: int) -> int:
    """Where the element at ``offset`` ends."""
    length = der[offset + 1]
    if length & 0x80:
        length = int.from_bytes(der[offset + 2 : _content_start(der, offset)], "big")
    return _content_start(der, offset) + length
