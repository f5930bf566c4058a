"""What the center trusts: the auth CA generations and, for each, its CRL."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import rsa

from center.pki.keys import RSA_KEY_BITS
from center.pki.layout import DemoPkiLayout
from center.pki.policy import Revocation, read_crl


class TrustStoreError(Exception):
    """The trust material on disk is missing or inconsistent: a set-up fault, not a refusal."""


@dataclass(frozen=True)
class TrustedGeneration:
    """One CA generation, checked once at load so verification only has to look things up."""

    label: str
    certificate: x509.Certificate
    public_key: rsa.RSAPublicKey
    revocation: Revocation  # its CRL, checked against it; verification fails closed on a bad one

    @property
    def revoked_serials(self) -> frozenset[int]:
        return self.revocation.revoked_serials

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
    """Accept a CA certificate only if it is what the demo PKI makes; its CRL is checked and
    kept with any fault (see ``load_trust``), so verification can refuse on its own."""
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
    return TrustedGeneration(
        label=label, certificate=certificate, public_key=public_key, revocation=read_crl(crl, certificate)
    )


def load_trust(out_dir: Path) -> TrustStore:
    """Every ``pki/auth-ca-<label>.crt`` with its ``.crl``.

    A generation without a CRL, or with one it did not sign, that names another issuer, lacks
    nextUpdate or cannot be processed, is a set-up fault: the kiosk does not start on it. A CRL
    past its nextUpdate is not: that depends on the hour, and verification refuses then.
    """
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
        generation = trusted_generation(label, certificate, crl)
        if generation.revocation.fault is not None:
            raise TrustStoreError(f"CA {label}: its CRL {generation.revocation.fault}")
        generations.append(generation)
    return TrustStore(tuple(generations))
