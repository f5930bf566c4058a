"""Distinguished names of the demo auth CA and of card holders."""
from __future__ import annotations

import secrets
import string

from cryptography import x509
from cryptography.x509.oid import NameOID

# The real issuer reads C=JP, O=JPKI, OU=JPKI for user authentication, OU=Japan Agency for
# Local Authority Information Systems. Ours keeps the shape but says "demo" twice.
AUTH_CA_NAME = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JPKI-DEMO"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "JPKI for user authentication"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Konbini Kiosk Demo"),
    ]
)

HOLDER_CODE_LENGTH = 20
_HOLDER_CODE_ALPHABET = string.digits + string.ascii_uppercase


def new_holder_code() -> str:
    """An opaque code for an auth certificate subject: it says nothing about the person."""
    return "".join(secrets.choice(_HOLDER_CODE_ALPHABET) for _ in range(HOLDER_CODE_LENGTH))


def holder_name(code: str) -> x509.Name:
    """``CN=<code>, C=JP``: the auth certificate never carries the 4 attributes.

    Encoded C first, as X.509 orders it; RFC 4514 text reverses it to ``CN=...,C=JP``.
    """
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.COMMON_NAME, code),
        ]
    )
