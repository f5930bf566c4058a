"""Certificate revocation lists: one per CA generation, signed by that generation."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from center.pki.authority import CertificateAuthority


def build_crl(
    authority: CertificateAuthority, revoked_serials: Iterable[int], at: datetime
) -> x509.CertificateRevocationList:
    """The generation's CRL as of ``at``, good until the generation itself ends.

    A demo CRL is made once at set-up, so its nextUpdate is the CA's notAfter rather than
    the day-scale refresh of the real service. A generation already expired at ``at``
    gets its final CRL, dated at its own end.
    """
    issued_at = min(at, authority.window.not_after)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(authority.certificate.subject)
        .last_update(issued_at)
        .next_update(authority.window.not_after)
        .add_extension(x509.CRLNumber(1), critical=False)
    )
    for serial in sorted(set(revoked_serials)):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(issued_at).build()
        )
    return builder.sign(authority.private_key, hashes.SHA256())
