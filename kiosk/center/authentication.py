"""Certificate authentication at the center: is this the trusted auth key of a live card?"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import SignatureAlgorithmOID

from kiosk.pki.certificates import certificate_sha256
from kiosk.pki.keys import RSA_KEY_BITS
from kiosk.pki.trust import TrustedGeneration, TrustStore
from kiosk.ports.center import AuthRefusalReason

# A JPKI auth certificate is 1-2 KB; refusing huge input first keeps parsing cheap.
MAX_CERTIFICATE_BYTES = 16 * 1024
# AlgorithmIdentifier { sha256WithRSAEncryption, NULL } in DER (RFC 4055).
_SHA256_WITH_RSA_ALGORITHM = bytes.fromhex("300d06092a864886f70d01010b0500")


@dataclass(frozen=True)
class Verified:
    certificate_sha256: str  # hex SHA-256 of the DER: the key to the resident link


@dataclass(frozen=True)
class _CardCertificate:
    """Everything the checks need, read up front: ``x509.Certificate`` parses some fields
    lazily, and a malformed field must fail here, not in the middle of a check."""

    issuer: x509.Name
    serial_number: int
    signature_algorithm: x509.ObjectIdentifier
    tbs_certificate_bytes: bytes
    signature: bytes
    not_before: datetime
    not_after: datetime
    digital_signature: bool
    rsa_key: rsa.RSAPublicKey | None  # None unless the key is RSA-2048, as every JPKI key is


class CertificateAuthenticator:
    """Checks, cheapest first; every check runs for a certificate that is accepted:

    1. DER parses, in its one canonical encoding, with a positive serial, at most
       MAX_CERTIFICATE_BYTES (MALFORMED_CERTIFICATE);
    2. ``at`` within the certificate's validity (NOT_YET_VALID / EXPIRED);
    3. KeyUsage present with digitalSignature, key RSA-2048 (WRONG_KEY_USAGE);
    4. signed sha256WithRSA by a trusted generation whose validity covers the
       certificate's notBefore, found by signature since all share one DN (UNKNOWN_ISSUER);
    5. that generation valid at ``at`` (NOT_YET_VALID / EXPIRED);
    6. serial not on that generation's CRL (REVOKED);
    7. the card's signature: PKCS#1 v1.5 over SHA-256 of the nonce (BAD_SIGNATURE).
    """

    def __init__(self, trust: TrustStore) -> None:
        self._generations = trust.generations

    def verify(
        self, certificate_der: bytes, nonce: bytes, signature: bytes, at: datetime
    ) -> Verified | AuthRefusalReason:
        if at.tzinfo is None:
            raise ValueError("at must be timezone-aware")
        card = _parse(certificate_der)
        if card is None:
            return AuthRefusalReason.MALFORMED_CERTIFICATE
        if at < card.not_before:
            return AuthRefusalReason.NOT_YET_VALID
        if at > card.not_after:
            return AuthRefusalReason.EXPIRED
        if not card.digital_signature or card.rsa_key is None:
            return AuthRefusalReason.WRONG_KEY_USAGE
        issuer = self._issuer_of(card)
        if issuer is None:
            return AuthRefusalReason.UNKNOWN_ISSUER
        if at < issuer.not_before:
            return AuthRefusalReason.NOT_YET_VALID
        if at > issuer.not_after:
            return AuthRefusalReason.EXPIRED
        if card.serial_number in issuer.revoked_serials:
            return AuthRefusalReason.REVOKED
        try:
            card.rsa_key.verify(signature, nonce, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return AuthRefusalReason.BAD_SIGNATURE
        return Verified(certificate_sha256(certificate_der))

    def _issuer_of(self, card: _CardCertificate) -> TrustedGeneration | None:
        if card.signature_algorithm != SignatureAlgorithmOID.RSA_WITH_SHA256:
            return None
        for generation in self._generations:
            if card.issuer != generation.subject:
                continue
            if not generation.not_before <= card.not_before <= generation.not_after:
                continue  # a generation cannot have issued outside its own lifetime
            try:
                generation.public_key.verify(
                    card.signature,
                    card.tbs_certificate_bytes,
                    padding.PKCS1v15(),
                    hashes.SHA256(),
                )
            except InvalidSignature:
                continue
            return generation
        return None


def _parse(certificate_der: bytes) -> _CardCertificate | None:
    if not isinstance(certificate_der, bytes) or not 0 < len(certificate_der) <= MAX_CERTIFICATE_BYTES:
        return None
    try:
        certificate = x509.load_der_x509_certificate(certificate_der)
        try:
            usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
            digital_signature = usage.digital_signature
        except x509.ExtensionNotFound:
            digital_signature = False
        if certificate.serial_number <= 0:
            return None  # RFC 5280: serial numbers are positive
        if certificate.signature_algorithm_oid == SignatureAlgorithmOID.RSA_WITH_SHA256 and not _is_canonical(
            certificate_der, certificate.tbs_certificate_bytes, certificate.signature
        ):
            return None
        public_key = certificate.public_key()
        return _CardCertificate(
            issuer=certificate.issuer,
            serial_number=certificate.serial_number,
            signature_algorithm=certificate.signature_algorithm_oid,
            tbs_certificate_bytes=certificate.tbs_certificate_bytes,
            signature=certificate.signature,
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
            digital_signature=digital_signature,
            rsa_key=public_key if _is_jpki_key(public_key) else None,
        )
    except Exception:  # noqa: BLE001 - untrusted bytes: any parse failure is a refusal, never a crash
        return None


def _is_canonical(certificate_der: bytes, tbs: bytes, signature: bytes) -> bool:
    """The only encoding of a sha256WithRSA certificate around its signed part.

    cryptography ignores the outer algorithm's parameters and the BIT STRING's unused-bits
    octet; left unchecked, they give one certificate several encodings, each with its own
    SHA-256, all passing every other check.
    """
    signature_bits = _tlv(0x03, b"\x00" + signature)
    return certificate_der == _tlv(0x30, tbs + _SHA256_WITH_RSA_ALGORITHM + signature_bits)


def _tlv(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    size_bytes = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size_bytes)]) + size_bytes + content


def _is_jpki_key(public_key: object) -> bool:
    return isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size == RSA_KEY_BITS
