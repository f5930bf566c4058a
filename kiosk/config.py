"""Kiosk configuration: which adapter plays each device, where data lives, how long to wait.

Read from a TOML file (``assets/kiosk.toml`` for the demo); ``KIOSK_DATA_DIR`` overrides the
data directory so tests and CI never touch a developer's ``var/``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Annotated, Any

import msgspec

from kiosk.adapters import ADAPTERS, OPTIONS
from kiosk.ports.cash import YEN_DENOMINATIONS
from kiosk.timings import LONGEST, FlowTimings
from kiosk.validation import KIB, InputFileError, Invalid, Schema, between, convert, load_toml, one_of, pattern, seconds

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ASSETS = PROJECT_ROOT / "assets"
DEFAULT_CONFIG = ASSETS / "kiosk.toml"

# the embedded center is built by the composition root itself; the others are adapters like any
ADAPTER_CHOICES = {family: tuple(names) for family, names in ADAPTERS.items()}
ADAPTER_CHOICES["center"] = ("embedded", *ADAPTERS.get("center", {}))


class ConfigError(InputFileError):
    """A config file that cannot be used: ``path: key: problem``."""


@dataclass(frozen=True)
class AdapterChoice:
    card: str = "simulated"
    cash: str = "simulated"
    printer: str = "folder"
    renderer: str = "reportlab"
    center: str = "embedded"


VOICE_OUTPUTS = ("speaker", "record", "off")
VOLUME_LEVELS = 5  # the volume goes 0 (silent) .. 5


@dataclass(frozen=True)
class VoiceSettings:
    """[voice]: spoken guidance (ui/voice/). ``record`` keeps what was said instead of playing it."""

    output: str = "speaker"  # "speaker" | "record" | "off"
    reminder_interval: float = 10.0  # seconds between reminders to take the card, certificates, change
    volume: int = 3  # the level each session starts at, 0..VOLUME_LEVELS
    synth_timeout: float = 10.0  # seconds one synthesis may take before it is given up


SIDES = ("two-sided", "one-sided")


@dataclass(frozen=True)
class PrintingSettings:
    """[printing]: ``sides`` = "two-sided" (the default) prints each certificate sheet with its back
    (the verification code large and the 偽変造防止検出画像, printing/back_side.py) and submits it
    to the printer two-sided; "one-sided" prints the fronts alone, for a printer without a duplex
    unit. Receipts and reports are one-sided either way."""

    sides: str = "two-sided"

    @property
    def two_sided(self) -> bool:
        return self.sides == "two-sided"


@dataclass(frozen=True)
class KioskConfig:
    kiosk_id: str = "DEMO-0001"
    data_dir: Path = Path("var")
    municipalities_dir: Path = ASSETS / "municipalities"
    demo_residents: Path = ASSETS / "demo" / "residents.json"
    demo_cards: Path = ASSETS / "demo" / "cards.toml"
    adapters: AdapterChoice = AdapterChoice()
    denominations: tuple[int, ...] = YEN_DENOMINATIONS
    change_float: dict[int, int] = field(default_factory=lambda: {10: 100, 50: 50, 100: 100, 500: 40})
    timings: FlowTimings = FlowTimings()
    # Per-family settings of the chosen adapters, e.g. [options.printer] queue = "KIOSK";
    # each adapter's ``from_config`` reads its own table and validates it.
    adapter_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    # [operator] pin_hash: PBKDF2 of the operator code (ui/operator/credential.py); "" = no operator mode
    operator_pin_hash: str = ""
    # [storage] min_free_mb: below this much free space the journal's disk takes the kiosk out of service
    journal_min_free_bytes: int = 64 << 20
    voice: VoiceSettings = VoiceSettings()
    printing: PrintingSettings = PrintingSettings()

    @property
    def journal_path(self) -> Path:
        return self.data_dir / "journal.sqlite"

    @property
    def printed_dir(self) -> Path:
        return self.data_dir / "printed"


def load_config(path: Path | None = None) -> KioskConfig:
    path = Path(path or os.environ.get("KIOSK_CONFIG") or DEFAULT_CONFIG)
    raw = load_toml(path, _ConfigFile, file=str(path), error=ConfigError, max_bytes=MAX_CONFIG_BYTES)
    return _build(path, raw)


# --- the file's schema (kiosk/validation.py) ----------------------------------------------------------
MAX_CONFIG_BYTES = 64 * KIB
_PinHash = Annotated[str, pattern(
    r"^(?:pbkdf2_sha256\$[1-9][0-9]{4,5}\$[A-Za-z0-9+/]{8,88}={0,2}\$[A-Za-z0-9+/]{43}=)?$",
    "a hash made by `python -m ui.operator.credential` (10000..999999 iterations), or empty")]
_KioskId = Annotated[str, pattern(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$",
                                  "an id of letters, digits, '_', '.' and '-' (at most 32)")]
_DataDir = Annotated[str, pattern(r"^[^\x00]*[^\x00\s][^\x00]*$", "a directory path", max_length=1024)]
_Count = Annotated[int, between(0, 100_000)]  # coins or notes of one denomination in the change float
_Seconds = Annotated[float, seconds(LONGEST)]


class _Adapters(Schema):
    card: Annotated[str, one_of(*ADAPTER_CHOICES["card"])] = AdapterChoice.card
    cash: Annotated[str, one_of(*ADAPTER_CHOICES["cash"])] = AdapterChoice.cash
    printer: Annotated[str, one_of(*ADAPTER_CHOICES["printer"])] = AdapterChoice.printer
    renderer: Annotated[str, one_of(*ADAPTER_CHOICES["renderer"])] = AdapterChoice.renderer
    center: Annotated[str, one_of(*ADAPTER_CHOICES["center"])] = AdapterChoice.center


class _Float(Schema):
    """[cash] float, keyed by denomination ("10 = 100"): a typo such as "15" is an unknown key."""

    yen_10: _Count | None = msgspec.field(default=None, name="10")
    yen_50: _Count | None = msgspec.field(default=None, name="50")
    yen_100: _Count | None = msgspec.field(default=None, name="100")
    yen_500: _Count | None = msgspec.field(default=None, name="500")
    yen_1000: _Count | None = msgspec.field(default=None, name="1000")


class _Cash(Schema):
    denominations: Annotated[list[Annotated[int, between(min(YEN_DENOMINATIONS), max(YEN_DENOMINATIONS))]],
                             msgspec.Meta(min_length=1, max_length=len(YEN_DENOMINATIONS))] = \
        msgspec.field(default_factory=lambda: list(YEN_DENOMINATIONS))
    float: _Float | None = None

    def __post_init__(self) -> None:
        for i, d in enumerate(self.denominations):
            if d not in YEN_DENOMINATIONS:
                raise Invalid(f"denominations[{i}]", f"expected one of {', '.join(map(str, YEN_DENOMINATIONS))}")
        if len(set(self.denominations)) != len(self.denominations):
            raise Invalid("denominations", "a denomination is listed twice")


class _Timings(Schema):
    """[timings]: each a finite number of seconds, more than 0 and at most a day."""

    idle_warning: _Seconds = FlowTimings.idle_warning
    set_card: _Seconds = FlowTimings.set_card
    pin: _Seconds = FlowTimings.pin
    choose: _Seconds = FlowTimings.choose
    payment: _Seconds = FlowTimings.payment
    device: _Seconds = FlowTimings.device
    remove_card: _Seconds = FlowTimings.remove_card
    notice: _Seconds = FlowTimings.notice
    done: _Seconds = FlowTimings.done
    print_timeout: _Seconds = FlowTimings.print_timeout
    print_poll: _Seconds = FlowTimings.print_poll
    cash_call: _Seconds = FlowTimings.cash_call
    printer_call: _Seconds = FlowTimings.printer_call
    health_interval: _Seconds = FlowTimings.health_interval


# a timing added to FlowTimings must be added above, or the config could never set it
assert set(_Timings.__struct_fields__) == {f.name for f in fields(FlowTimings)}, "kiosk.config._Timings is behind"


class _Options(Schema):
    card: dict[str, Any] | None = None
    cash: dict[str, Any] | None = None
    printer: dict[str, Any] | None = None
    renderer: dict[str, Any] | None = None
    center: dict[str, Any] | None = None


class _Operator(Schema):
    pin_hash: _PinHash = ""


class _Storage(Schema):
    min_free_mb: Annotated[int, between(0, 1 << 20)] = KioskConfig.journal_min_free_bytes >> 20


class _Voice(Schema):
    output: Annotated[str, one_of(*VOICE_OUTPUTS)] = VoiceSettings.output
    reminder_interval: Annotated[float, seconds(3600)] = VoiceSettings.reminder_interval
    volume: Annotated[int, between(0, VOLUME_LEVELS)] = VoiceSettings.volume
    synth_timeout: Annotated[float, seconds(120)] = VoiceSettings.synth_timeout


class _Printing(Schema):
    sides: Annotated[str, one_of(*SIDES)] = PrintingSettings.sides


class _ConfigFile(Schema):
    kiosk_id: _KioskId = KioskConfig.kiosk_id
    data_dir: _DataDir = "var"
    adapters: _Adapters = msgspec.field(default_factory=_Adapters)
    cash: _Cash = msgspec.field(default_factory=_Cash)
    timings: _Timings = msgspec.field(default_factory=_Timings)
    options: _Options = msgspec.field(default_factory=_Options)
    operator: _Operator = msgspec.field(default_factory=_Operator)
    storage: _Storage = msgspec.field(default_factory=_Storage)
    voice: _Voice = msgspec.field(default_factory=_Voice)
    printing: _Printing = msgspec.field(default_factory=_Printing)


def _build(path: Path, raw: _ConfigFile) -> KioskConfig:
    adapters = AdapterChoice(**msgspec.structs.asdict(raw.adapters))
    options = {}
    for family in ADAPTER_CHOICES:
        table = getattr(raw.options, family)
        if table is None:
            continue
        chosen = getattr(adapters, family)
        # the chosen adapter's own option schema: a key it does not read is a mistake, not a no-op
        convert(table, OPTIONS[family][chosen], file=str(path), error=ConfigError,
                prefix=f"options.{family}", unknown={"": f"not an option of the {family} adapter {chosen!r}"})
        options[family] = table
    given = {} if raw.cash.float is None else msgspec.structs.asdict(raw.cash.float)
    change_float = {int(name.removeprefix("yen_")): n for name, n in given.items() if n is not None}
    return KioskConfig(
        kiosk_id=raw.kiosk_id,
        data_dir=Path(os.environ.get("KIOSK_DATA_DIR") or raw.data_dir),
        adapters=adapters,
        denominations=tuple(raw.cash.denominations),
        change_float=change_float or KioskConfig().change_float,
        timings=FlowTimings(**msgspec.structs.asdict(raw.timings)),
        adapter_options=options,
        operator_pin_hash=raw.operator.pin_hash,
        journal_min_free_bytes=raw.storage.min_free_mb << 20,
        voice=VoiceSettings(**msgspec.structs.asdict(raw.voice)),
        printing=PrintingSettings(sides=raw.printing.sides),
    )
