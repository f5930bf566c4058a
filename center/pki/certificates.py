"""End-entity auth certificates (利用者証明用電子証明書) and their validity rule."""
from __future__ import annotations

import hashlib
from datetime import date

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa

from center.pki.authority import CertificateAuthority, key_usage
from center.pki.days import end_of_day, start_of_day
from center.pki.names import holder_name, new_holder_code

VALIDITY_BIRTHDAYS = 5


def birthday_in(year: int, birth_date: date) -> date:
    """29 February falls back to 28 February in common years (our choice; J-LIS does not say)."""
    try:
        return birth_date.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def last_valid_day(issued_on: date, birth_date: date) -> date:
    """The holder's 5th birthday after issuance (発行日後5回目の誕生日).

    A birthday on the issue day itself does not count: it is not after issuance.
    """
    if birth_date > issued_on:
        raise ValueError("a certificate cannot be issued before its holder is born")
    first = birthday_in(issued_on.year, birth_date)
    if first <= issued_on:
        first = birthday_in(issued_on.year + 1, birth_date)
    return birthday_in(first.year + VALIDITY_BIRTHDAYS - 1, birth_date)


def issue_auth_certificate(
    authority: CertificateAuthority,
    holder_key: rsa.RSAPublicKey,
    holder_birth_date: date,
    issued_on: date,
) -> x509.Certificate:
    """Valid from the start of the issue day to 23:59:59 JST of the 5th birthday after it.

    Never beyond the issuing CA's own notAfter (the card's own expiry is not modelled).
    """
    if not authority.window.contains(issued_on):
        raise ValueError(f"CA generation {authority.label} does not issue on {issued_on.isoformat()}")
    not_after = min(end_of_day(last_valid_day(issued_on, holder_birth_date)), authority.window.not_after)
    issuer_key_id = authority.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(holder_name(new_holder_code()))
        .issuer_name(authority.certificate.subject)
        .public_key(holder_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start_of_day(issued_on))
        .not_valid_after(not_after)
        .add_extension(key_usage(digital_signature=True), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_key_id), critical=False
        )
        .sign(authority.private_key, hashes.SHA256())
    )


def certificate_sha256(certificate_der: bytes) -> str:
    """Hex SHA-256 of the DER: the key of the center's certificate-to-resident link table."""
    return hashlib.sha256(certificate_der).hexdigest()
