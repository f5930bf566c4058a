"""``kiosk verify FILE``: the public seal keys come from the data directory's demo PKI."""
from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.config import KioskConfig
from kiosk.pki.layout import DemoPkiLayout
from kiosk.pki.seals import load_seal_public_key
from printing.verify import EXIT_STATUS, VerifyError, verify_file
from printing.verify_report import describe


class UnverifiableFile(Exception):
    """The file cannot be checked at all: one line for the command to print."""


def verify_command(config: KioskConfig, file: Path) -> int:
    try:
        report = verify_file(file, lambda code: public_key(config.data_dir, code))
    except VerifyError as exc:
        raise UnverifiableFile(str(exc)) from None
    print(describe(str(file), report))
    return EXIT_STATUS[report.verdict]


def public_key(data_dir: Path, municipality_code: str) -> Ed25519PublicKey | None:
    """The municipality's public seal key, or None when there is none (or the code is no code)."""
    try:
        if not DemoPkiLayout(data_dir).seal_public_key(municipality_code).is_file():
            return None
        return load_seal_public_key(data_dir, municipality_code)
    except ValueError:
        return None
