"""Ed25519 seal keys, one per municipality, for the seal printed on demo certificates."""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.pki.keys import write_private_file, write_public_file
from kiosk.pki.layout import DemoPkiLayout

_MUNICIPALITY_CODE = re.compile(r"[0-9A-Za-z_-]+")  # becomes part of a file name


def provision_seal_keys(out_dir: Path, municipality_codes: Iterable[str]) -> None:
    """A new key pair per code: ``pki/seal-<code>.key`` (PKCS#8 PEM, 0600) and ``.pub``."""
    layout = DemoPkiLayout(out_dir)
    for code in municipality_codes:
        _check_code(code)
        key = ed25519.Ed25519PrivateKey.generate()
        write_private_file(
            layout.seal_private_key(code),
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
        )
        write_public_file(
            layout.seal_public_key(code),
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
        )


def load_seal_private_key(out_dir: Path, municipality_code: str) -> ed25519.Ed25519PrivateKey:
    _check_code(municipality_code)
    path = DemoPkiLayout(out_dir).seal_private_key(municipality_code)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return key


def load_seal_public_key(out_dir: Path, municipality_code: str) -> ed25519.Ed25519PublicKey:
    _check_code(municipality_code)
    path = DemoPkiLayout(out_dir).seal_public_key(municipality_code)
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise ValueError(f"{path}: not an Ed25519 public key")
    return key


def _check_code(code: str) -> None:
    if not _MUNICIPALITY_CODE.fullmatch(code):
        raise ValueError("a municipality code is letters, digits, '-' and '_' only")
