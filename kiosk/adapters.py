"""The adapters the composition root can build, by device family and config name.

Values are "module:Class" so nothing is imported until a kiosk is built with that adapter.
Each class has ``availability()`` (can it run here) and ``from_config(config)`` (builds it from
the kiosk config, reading its own ``[options.<family>]`` table).
"""
ADAPTERS: dict[str, dict[str, str]] = {
    "card": {
        "simulated": "hardware.card.simulated:SimulatedCardReader",
        "pcsc": "hardware.card.pcsc:PcscCardReader",
    },
    "cash": {"simulated": "hardware.cash.simulated:SimulatedCashUnit"},
    "printer": {
        "folder": "hardware.printer.folder:FolderPrinter",
        "cups": "hardware.printer.cups:CupsPrinter",
    },
    "renderer": {"reportlab": "printing.renderer:ReportlabRenderer"},
}


# --- [options.<family>]: what each adapter reads from its table (checked when the config loads) ---
from typing import Annotated  # noqa: E402  (after ADAPTERS: the table above stays the first thing to read)

import msgspec  # noqa: E402

from kiosk.validation import Schema, Text, pattern  # noqa: E402


class NoOptions(Schema):
    """An adapter that reads no options: any key in its table is a mistake."""


class PcscOptions(Schema):
    # part of the reader's name; "" = the first reader
    reader: Annotated[str, pattern(r"^[^\x00]*$", "part of a PC/SC reader name", max_length=200)] = ""


class CupsOptions(Schema):
    queue: Annotated[str, pattern(r"^[A-Za-z0-9_.-]{1,127}$", "a CUPS queue name (letters, digits, '_', '.' and '-')")] \
        = "KIOSK"
    server: Text | None = None  # a cupsd socket path or host[:port]; None = libcups' default


_Code = Annotated[str, pattern(r"^[0-9]{6}$", "six digits")]


class ReportlabOptions(Schema):
    # municipalities whose 住民票 is printed one person per sheet
    per_person_juminhyo: list[_Code] = msgspec.field(default_factory=list)


OPTIONS: dict[str, dict[str, type[Schema]]] = {
    "card": {"simulated": NoOptions, "pcsc": PcscOptions},
    "cash": {"simulated": NoOptions},
    "printer": {"folder": NoOptions, "cups": CupsOptions},
    "renderer": {"reportlab": ReportlabOptions},
    "center": {"embedded": NoOptions},
}
