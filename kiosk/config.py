"""Kiosk configuration: which adapter plays each device, where data lives, how long to wait.

Read from a TOML file (``assets/kiosk.toml`` for the demo); ``KIOSK_DATA_DIR`` overrides the
data directory so tests and CI never touch a developer's ``var/``.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from kiosk.adapters import ADAPTERS
from kiosk.ports.cash import YEN_DENOMINATIONS
from kiosk.timings import FlowTimings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ASSETS = PROJECT_ROOT / "assets"
DEFAULT_CONFIG = ASSETS / "kiosk.toml"

ADAPTER_CHOICES = {family: tuple(names) for family, names in ADAPTERS.items()} | {"center": ("embedded",)}


class ConfigError(ValueError):
    def __init__(self, path: Path, key: str, problem: str) -> None:
        super().__init__(f"{path}: {key}: {problem}")


@dataclass(frozen=True)
class AdapterChoice:
    card: str = "simulated"
    cash: str = "simulated"
    printer: str = "folder"
    renderer: str = "reportlab"
    center: str = "embedded"


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
    adapter_options: dict[str, dict] = field(default_factory=dict)
    # [operator] pin_hash: PBKDF2 of the operator code (ui/operator/credential.py); "" = no operator mode
    operator_pin_hash: str = ""
    # [storage] min_free_mb: below this much free space the journal's disk takes the kiosk out of service
    journal_min_free_bytes: int = 64 << 20

    @property
    def journal_path(self) -> Path:
        return self.data_dir / "journal.sqlite"

    @property
    def printed_dir(self) -> Path:
        return self.data_dir / "printed"


def load_config(path: Path | None = None) -> KioskConfig:
    path = Path(path or os.environ.get("KIOSK_CONFIG") or DEFAULT_CONFIG)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "-", "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "-", f"not valid TOML ({exc})") from None
    return _parse(path, raw)


def _parse(path: Path, raw: dict) -> KioskConfig:
    known = {"kiosk_id", "data_dir", "adapters", "cash", "timings", "options", "operator", "storage"}
    for key in raw:
        if key not in known:
            raise ConfigError(path, key, "unknown key")
    adapters = raw.get("adapters", {})
    for key, value in adapters.items():
        if key not in ADAPTER_CHOICES:
            raise ConfigError(path, f"adapters.{key}", "unknown device family")
        if value not in ADAPTER_CHOICES[key]:
            raise ConfigError(path, f"adapters.{key}", f"{value!r} is not one of {', '.join(ADAPTER_CHOICES[key])}")
    cash = raw.get("cash", {})
    denominations = tuple(cash.get("denominations", YEN_DENOMINATIONS))
    if not denominations or any(d not in YEN_DENOMINATIONS for d in denominations):
        raise ConfigError(path, "cash.denominations", f"each must be one of {YEN_DENOMINATIONS}")
    try:
        change_float = {int(k): int(v) for k, v in cash.get("float", {}).items()}
    except ValueError:
        raise ConfigError(path, "cash.float", "keys are denominations, values counts") from None
    timing_names = {f.name for f in fields(FlowTimings)}
    timings = raw.get("timings", {})
    for key, value in timings.items():
        if key not in timing_names:
            raise ConfigError(path, f"timings.{key}", "unknown timing")
        if not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(path, f"timings.{key}", "must be a positive number of seconds")
    options = raw.get("options", {})
    for key, value in options.items():
        if key not in ADAPTER_CHOICES or not isinstance(value, dict):
            raise ConfigError(path, f"options.{key}", "must be a table named after a device family")
    storage = raw.get("storage", {})
    if not isinstance(storage, dict) or set(storage) - {"min_free_mb"}:
        raise ConfigError(path, "storage", "only min_free_mb may be set")
    min_free_mb = storage.get("min_free_mb", KioskConfig().journal_min_free_bytes >> 20)
    if not isinstance(min_free_mb, int) or isinstance(min_free_mb, bool) or not 0 <= min_free_mb <= 1 << 20:
        raise ConfigError(path, "storage.min_free_mb", "must be a whole number of MiB")
    data_dir = Path(os.environ.get("KIOSK_DATA_DIR") or raw.get("data_dir", "var"))
    return KioskConfig(
        kiosk_id=str(raw.get("kiosk_id", "DEMO-0001")),
        data_dir=data_dir,
        adapters=AdapterChoice(**adapters),
        denominations=denominations,
        change_float=change_float or KioskConfig().change_float,
        timings=FlowTimings(**timings),
        adapter_options=options,
        operator_pin_hash=str(raw.get("operator", {}).get("pin_hash", "")),
        journal_min_free_bytes=min_free_mb << 20,
    )
