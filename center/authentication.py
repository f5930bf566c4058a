"""Certificate authentication at the center: is this the trusted auth key of a live card?"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from center.pki.certificates import certificate_sha256
from center.pki.policy import (
    MAX_CERTIFICATE_BYTES,
    CertificateRefusal,
    check_card_certificate,
    read_card_certificate,
)
from center.pki.trust import TrustStore
from kiosk.ports.center import AuthRefusalReason

__all__ = ["AUTH_REASONS", "MAX_CERTIFICATE_BYTES", "CertificateAuthenticator", "Verified"]

# The port's coarser reasons: what the resident is told differs only for these groups.
AUTH_REASONS: dict[CertificateRefusal, AuthRefusalReason] = {
    CertificateRefusal.MALFORMED: AuthRefusalReason.MALFORMED_CERTIFICATE,
    CertificateRefusal.NOT_VERSION_3: AuthRefusalReason.MALFORMED_CERTIFICATE,
    CertificateRefusal.BAD_SERIAL_NUMBER: AuthRefusalReason.MALFORMED_CERTIFICATE,
    CertificateRefusal.UNKNOWN_CRITICAL_EXTENSION: AuthRefusalReason.MALFORMED_CERTIFICATE,
    CertificateRefusal.SIGNATURE_ALGORITHM: AuthRefusalReason.UNKNOWN_ISSUER,  # no JPKI CA signs so
    CertificateRefusal.CA_CERTIFICATE: AuthRefusalReason.WRONG_KEY_USAGE,
    CertificateRefusal.CERTIFICATE_SIGNING_KEY: AuthRefusalReason.WRONG_KEY_USAGE,
    CertificateRefusal.NO_DIGITAL_SIGNATURE: AuthRefusalReason.WRONG_KEY_USAGE,
    CertificateRefusal.NO_CLIENT_AUTH: AuthRefusalReason.WRONG_KEY_USAGE,
    CertificateRefusal.KEY_NOT_RSA_2048: AuthRefusalReason.WRONG_KEY_USAGE,
    CertificateRefusal.WEAK_PUBLIC_EXPONENT: AuthRefusalReason.WRONG_KEY_USAGE,
    CertificateRefusal.UNKNOWN_ISSUER: AuthRefusalReason.UNKNOWN_ISSUER,
    CertificateRefusal.OUTSIDE_ISSUER_VALIDITY: AuthRefusalReason.UNKNOWN_ISSUER,  # it cannot have issued it
    CertificateRefusal.NOT_YET_VALID: AuthRefusalReason.NOT_YET_VALID,
    CertificateRefusal.EXPIRED: AuthRefusalReason.EXPIRED,
    CertificateRefusal.REVOKED: AuthRefusalReason.REVOKED,
    CertificateRefusal.REVOCATION_UNAVAILABLE: AuthRefusalReason.REVOCATION_UNAVAILABLE,
}


@dataclass(frozen=True)
class Verified:
    certificate_sha256: str  # hex SHA-256 of the DER: the key to the resident link


class CertificateAuthenticator:
    """The certificate policy (``center.pki.policy``: profile, issuer, validity, revocation),
    then the card's signature: PKCS#1 v1.5 over SHA-256 of the nonce (BAD_SIGNATURE)."""

    def __init__(self, trust: TrustStore) -> None:
        self._generations = trust.generations

    def verify(
        self, certificate_der: bytes, nonce: bytes, signature: bytes, at: datetime
    ) -> Verified | AuthRefusalReason:
        outcome = self.check_certificate(certificate_der, at)
        if isinstance(outcome, CertificateRefusal):
            return AUTH_REASONS[outcome]
        try:
            outcome.verify(signature, nonce, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return AuthRefusalReason.BAD_SIGNATURE
        return Verified(certificate_sha256(certificate_der))

    def check_certificate(self, certificate_der: bytes, at: datetime) -> rsa.RSAPublicKey | CertificateRefusal:
        """The card's key if the policy accepts its certificate at ``at``, else the rule it breaks."""
        if at.tzinfo is None:
            raise ValueError("at must be timezone-aware")
        card = read_card_certificate(certificate_der)
        if card is None:
            return CertificateRefusal.MALFORMED
        outcome = check_card_certificate(card, self._generations, at)
        if isinstance(outcome, CertificateRefusal):
            return outcome
        if not isinstance(card.public_key, rsa.RSAPublicKey):  # the policy already refused it
            return CertificateRefusal.KEY_NOT_RSA_2048
        return card.public_key
