"""What the center trusts: the auth CA generations and, for each, its CRL."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.pki.keys import RSA_KEY_BITS
from kiosk.pki.layout import DemoPkiLayout


class TrustStoreError(Exception):
    """The trust material on disk is missing or inconsistent: a set-up fault, not a refusal."""


@dataclass(frozen=True)
class TrustedGeneration:
    """One CA generation, checked once at load so verification only has to look things up."""

    label: str
    certificate: x509.Certificate
    public_key: rsa.RSAPublicKey
    revoked_serials: frozenset[int]

    @property
    def subject(self) -> x509.Name:
        return self.certificate.subject

    @property
    def not_before(self) -> datetime:
        return self.certificate.not_valid_before_utc

    @property
    def not_after(self) -> datetime:
        return self.certificate.not_valid_after_utc


@dataclass(frozen=True)
class TrustStore:
    generations: tuple[TrustedGeneration, ...]


def trusted_generation(
    label: str, certificate: x509.Certificate, crl: x509.CertificateRevocationList
) -> TrustedGeneration:
    """Accept a CA certificate and its CRL only if they are what the demo PKI makes."""
    public_key = certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey) or public_key.key_size != RSA_KEY_BITS:
        raise TrustStoreError(f"CA {label}: not an RSA-{RSA_KEY_BITS} key")
    try:
        certificate.verify_directly_issued_by(certificate)
    except (ValueError, TypeError, InvalidSignature) as error:
        raise TrustStoreError(f"CA {label}: not a valid self-signed certificate") from error
    try:
        is_ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound as error:
        raise TrustStoreError(f"CA {label}: missing {error.oid.dotted_string}") from error
    if not (is_ca and usage.key_cert_sign and usage.crl_sign):
        raise TrustStoreError(f"CA {label}: not allowed to sign certificates and CRLs")
    if crl.issuer != certificate.subject or not crl.is_signature_valid(public_key):
        raise TrustStoreError(f"CA {label}: its CRL is not signed by it")
    return TrustedGeneration(
        label=label,
        certificate=certificate,
        public_key=public_key,
        revoked_serials=frozenset(entry.serial_number for entry in crl),
    )


def load_trust(out_dir: Path) -> TrustStore:
    """Every ``pki/auth-ca-<label>.crt`` with its ``.crl``; a generation without a CRL is an error."""
    layout = DemoPkiLayout(out_dir)
    labels = layout.trusted_labels()
    if not labels:
        raise TrustStoreError(f"no auth CA certificate in {layout.pki_dir}")
    generations = []
    for label in labels:
        try:
            certificate = x509.load_pem_x509_certificate(layout.ca_certificate(label).read_bytes())
            crl = x509.load_pem_x509_crl(layout.crl(label).read_bytes())
        except (OSError, ValueError) as error:
            raise TrustStoreError(f"CA {label}: cannot read its certificate or CRL ({error})") from error
        generations.append(trusted_generation(label, certificate, crl))
    return TrustStore(tuple(generations))
