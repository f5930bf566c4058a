"""The operator code: only its PBKDF2 hash is in the config, never the code itself.

Format: ``pbkdf2_sha256$<iterations>$<salt, base64>$<hash, base64>``. Make one with
``python -m ui.operator.credential`` (it asks for the code without echoing it).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os

_SCHEME = "pbkdf2_sha256"
_ITERATIONS = 200_000


def make_hash(code: str, iterations: int = _ITERATIONS, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", code.encode("utf-8"), salt, iterations)
    return "$".join((_SCHEME, str(iterations), base64.b64encode(salt).decode(), base64.b64encode(digest).decode()))


def verify(code: str, stored: str) -> bool:
    """False for a wrong code and for a missing or malformed hash (no operator mode then)."""
    try:
        scheme, iterations, salt, expected = stored.split("$")
        if scheme != _SCHEME:
            return False
        digest = hashlib.pbkdf2_hmac("sha256", code.encode("utf-8"), base64.b64decode(salt), int(iterations))
        return hmac.compare_digest(digest, base64.b64decode(expected))
    except ValueError:
        return False


if __name__ == "__main__":
    import getpass

    print(f'[operator]\npin_hash = "{make_hash(getpass.getpass("operator code: "))}"')
