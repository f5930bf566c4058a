"""``kiosk verify FILE``: the public seal keys come from the data directory's key list."""
from __future__ import annotations

from pathlib import Path

from kiosk.config import KioskConfig
from kiosk.pki.seals import SealKeyError, SealKeyList, load_seal_key_list
from printing.verify import EXIT_STATUS, VerifyError, verify_file
from printing.verify_report import describe


class UnverifiableFile(Exception):
    """The file cannot be checked at all: one line for the command to print."""


def verify_command(config: KioskConfig, file: Path) -> int:
    try:
        report = verify_file(file, seal_keys(config.data_dir))
    except (VerifyError, SealKeyError) as exc:
        raise UnverifiableFile(str(exc)) from None
    print(describe(str(file), report))
    return EXIT_STATUS[report.verdict]


def seal_keys(data_dir: Path) -> SealKeyList:
    """Every public seal key ever used, withdrawn ones included (an empty list before set-up)."""
    return load_seal_key_list(data_dir)
