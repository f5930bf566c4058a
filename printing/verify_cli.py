"""``kiosk verify FILE... [--diff OUT.png]``: the public seal keys come from the data directory's key list.

Several files are checked as one certificate (one scan per page, say): the pages must make it whole.
A two-sided sheet's back (printing.back_side) is checked like a front: a scan of a back alone is
enough, and its report lists what the front must show.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from kiosk.config import KioskConfig
from center.pki.seals import SealKeyError, SealKeyList, load_seal_key_list
from printing.verify import EXIT_STATUS, VerifyError, verify_files
from printing.verify_report import describe


class UnverifiableFile(Exception):
    """The file cannot be checked at all: one line for the command to print."""


def verify_command(config: KioskConfig, files: Path | Sequence[Path], diff: Path | None = None) -> int:
    paths = [files] if isinstance(files, Path) else list(files)
    try:
        report = verify_files(paths, seal_keys(config.data_dir), keep_pictures=diff is not None)
        if diff is not None:
            from printing.verify_picture import write_picture

            write_picture(report, diff)
    except (VerifyError, SealKeyError) as exc:
        raise UnverifiableFile(str(exc)) from None
    print(describe(", ".join(str(p) for p in paths), report))
    if diff is not None:
        print(f"\nexpected and given pages side by side: {diff}")
    return EXIT_STATUS[report.verdict]


def seal_keys(data_dir: Path) -> SealKeyList:
    """Every public seal key ever used, withdrawn ones included (an empty list before set-up)."""
    return load_seal_key_list(data_dir)
