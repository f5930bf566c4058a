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
    "cash": {
        "simulated": "hardware.cash.simulated:SimulatedCashUnit",
        "serial": "hardware.cash.serial_unit:SerialCashUnit",
    },
    "printer": {
        "folder": "hardware.printer.folder:FolderPrinter",
        "cups": "hardware.printer.cups:CupsPrinter",
    },
    "renderer": {"reportlab": "printing.renderer:ReportlabRenderer"},
    # "embedded" (the default) is built by app.bootstrap._build_center over the data directory
    "center": {"grpc": "center.api.client:GrpcCenter"},
}


# --- [options.<family>]: what each adapter reads from its table (checked when the config loads) ---
from typing import Annotated  # noqa: E402  (after ADAPTERS: the table above stays the first thing to read)

import msgspec  # noqa: E402

from kiosk.validation import Schema, Text, between, one_of, pattern, seconds  # noqa: E402


class NoOptions(Schema):
    """An adapter that reads no options: any key in its table is a mistake."""


_PATH = r"^[^\x00]*[^\x00\s][^\x00]*$"  # not blank, no NUL
_Folder = Annotated[str, pattern(_PATH, "a folder path", max_length=1024)]
_Path = Annotated[str, pattern(_PATH, "a file path", max_length=1024)]


class SimulatedCardOptions(Schema):
    # where the demo cards' files are (the "cards" the simulated reader can be handed); default:
    # the data directory's cards/, as `kiosk setup` makes them
    cards_dir: _Folder | None = None


class FolderPrinterOptions(Schema):
    # where the printed PDFs go (the paper tray); default: the data directory's printed/
    directory: _Folder | None = None


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


_CenterSeconds = Annotated[float, seconds(600)]


class GrpcCenterOptions(Schema):
    """[options.center] of the network center (center/api/client.py). A relative path is taken
    relative to the data directory; the defaults are where `kiosk-center enroll-kiosk ID --out
    DATA_DIR/center` writes."""

    address: Annotated[str, pattern(r"^[^\s\x00]{1,255}$", "the center's host:port (or a gRPC target)")]
    ca: _Path = "center/ca.pem"  # the fleet CA: the center's certificate must chain to it
    cert: _Path = "center/kiosk.pem"  # this kiosk's client certificate (CN = kiosk id)
    key: _Path = "center/kiosk.key"
    # the name the center's certificate is checked against, when it is not the address's host
    server_name: Annotated[str, pattern(r"^[A-Za-z0-9.:-]*$", "a host name or IP address", max_length=253)] = ""
    deadline: _CenterSeconds = 10.0  # one call, retries included
    attempt_timeout: _CenterSeconds = 4.0  # one attempt of a call that may be retried
    authenticate_deadline: _CenterSeconds = 10.0  # authenticate: sent once, never retried
    backoff_initial: _CenterSeconds = 0.1  # first pause between attempts; doubles each time
    backoff_max: _CenterSeconds = 2.0


_Address = Annotated[int, between(2, 255)]
_Parity = Annotated[str, one_of("even", "none")]


class SerialCashOptions(Schema):
    """[options.cash] of the serial cash unit (hardware/cash/serial_unit.py)."""

    bill_port: _Path  # the JCM ID-003 bill validator's serial port, e.g. /dev/ttyUSB0
    coin_port: _Path  # the ccTalk bus: the coin acceptor and the hoppers
    # ID-003 is 9600 8E1; "none" only for a pseudo-terminal (the emulators): Linux refuses parity on one
    bill_parity: _Parity = "even"
    coin_parity: _Parity = "none"  # ccTalk is 9600 8N1
    coin_address: _Address = 2
    hoppers: list[_Address] = msgspec.field(default_factory=lambda: [3, 4, 5, 6])  # one per change coin
    bus_echo: bool = True  # a one-wire ccTalk bus reads back every byte the host sends
    poll_interval: Annotated[float, seconds(5)] = 0.1
    reply_timeout: Annotated[float, seconds(5)] = 0.3  # one exchange
    seconds_per_coin: Annotated[float, seconds(10)] = 1.0  # a payout's deadline per coin


OPTIONS: dict[str, dict[str, type[Schema]]] = {
    "card": {"simulated": SimulatedCardOptions, "pcsc": PcscOptions},
    "cash": {"simulated": NoOptions, "serial": SerialCashOptions},
    "printer": {"folder": FolderPrinterOptions, "cups": CupsOptions},
    "renderer": {"reportlab": ReportlabOptions},
    "center": {"embedded": NoOptions, "grpc": GrpcCenterOptions},
}
