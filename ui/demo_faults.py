"""Faults the demo panel injects that no simulated device offers by itself.

Each runs on a device worker (through ``shell.device``), never on the GUI thread. They only
touch demo data: the seal keys of the demo PKI and the folder printer of the demo.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from center.pki.layout import DemoPkiLayout

ASIDE = ".aside"  # a seal key renamed aside cannot be read; root ignores chmod, a rename it cannot


def disk_full() -> Exception:
    """What SQLite says when the journal's disk is full."""
    return sqlite3.OperationalError("database or disk is full")


def set_seal_keys(data_dir: Path, codes: tuple[str, ...], readable: bool) -> bool:
    """Rename the municipalities' seal private keys aside (the renderer's self-test then fails) or
    back; True when a key is away afterwards. Back also finds keys a previous demo left aside."""
    layout = DemoPkiLayout(data_dir)
    if readable:
        for aside in layout.seals_dir.glob(f"*/*.key{ASIDE}"):
            key = aside.with_name(aside.name.removesuffix(ASIDE))
            if not key.exists():
                aside.rename(key)
    else:
        for code in codes:
            for key in layout.seal_private_keys(code):
                key.rename(key.with_name(key.name + ASIDE))
    return any(layout.seals_dir.glob(f"*/*.key{ASIDE}"))


class PrinterLinkDown(IOError):
    """Injected: the printer did not take the job."""


def fail_next_submit(printer) -> None:
    """The printer's next ``submit`` raises, once, as a dropped link would; the EffectRunner
    turns that into ``RequestFailed`` and the flow owes the fee."""
    def failing(pdf: bytes, title: str, *, two_sided: bool = False) -> str:  # the port's signature
        del printer.submit  # one shot: the adapter's own method is back
        raise PrinterLinkDown("the printer did not take the job")

    printer.submit = failing
