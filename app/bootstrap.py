"""The composition root: the one place that picks and constructs every adapter, from config.

Adapters are imported lazily by name, so the core never loads a device library it does not
use (and ``import kiosk`` loads none). Each adapter class says whether it can run here; a
configured adapter that cannot is refused at start-up with its reason.
"""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Protocol

from kiosk.clock import Clock, SystemClock
from kiosk.adapters import ADAPTERS
from kiosk.catalog.catalog import Catalog
from kiosk.catalog.snapshot import write_snapshot
from kiosk.config import KioskConfig
from kiosk.journal.events import allow_name
from kiosk.journal.journal import JournalDamaged, MoneyJournal
from kiosk.journal.recovery import RecoveredSession, recover_unfinished
from kiosk.journal.unusable import UnusableJournal
from kiosk.ports.card import CardReader
from kiosk.ports.cash import CashUnit
from kiosk.ports.center import IssuanceCenter
from kiosk.ports.printer import Printer
from kiosk.ports.renderer import Renderer
from kiosk.runtime import EffectExecutor, KioskRuntime, card_event_to_flow, cash_event_to_flow
from kiosk.effects import EffectRunner
from kiosk.readiness import Readiness
from kiosk.session import SessionFlow

if TYPE_CHECKING:  # for annotations only
    from datetime import datetime

    from kiosk import events as ev
    from kiosk.runtime import Post


CATALOG_CACHE = "catalog"  # a kiosk of a real center: the center's catalog as last served

log = logging.getLogger(__name__)


class AdapterUnavailable(RuntimeError):
    pass


class _Adapter(Protocol):
    """What every adapter class offers the composition root."""

    @classmethod
    def from_config(cls, config: KioskConfig, **given: Any) -> Any: ...


def adapter_class(family: str, name: str) -> type[_Adapter]:
    module_name, _, class_name = ADAPTERS[family][name].partition(":")
    cls: type[_Adapter] = getattr(importlib.import_module(module_name), class_name)
    availability = getattr(cls, "availability", None)
    if availability is not None:
        verdict = availability()
        if not verdict.usable:
            raise AdapterUnavailable(f"{family} adapter {name!r} cannot run here: {verdict.reason}")
    return cls


@dataclass
class Kiosk:
    config: KioskConfig
    clock: Clock
    catalog: Catalog  # the municipalities served, as the screens show their hours and names
    journal: MoneyJournal | UnusableJournal  # the stand-in when the journal is damaged
    center: IssuanceCenter
    card: CardReader
    cash: CashUnit
    printer: Printer
    renderer: Renderer
    flow: SessionFlow
    runtime: KioskRuntime
    recovered: list[RecoveredSession]
    _closers: list[Callable[[], None]]

    def start(self) -> None:
        """Start watching devices; a card already on the reader starts a session."""
        self.card.start()

    def close(self) -> None:
        self.card.stop()
        for close in reversed(self._closers):
            close()


def build_kiosk(config: KioskConfig, clock: Clock | None = None, executor: EffectExecutor | None = None,
                post_from_devices: Callable[[Post], Post] | None = None) -> Kiosk:
    """Everything wired; the journal recovered before any new session can start.

    ``post_from_devices`` wraps the runtime's ``post`` for device events that arrive on an
    adapter's own thread (the Qt shell marshals them to the GUI thread); headless, they are
    posted directly.
    """
    from app.provision import provision

    clock = clock or SystemClock()
    allow_name(config.kiosk_id)  # journaled with every session; a PIN-like id stays redacted
    if config.adapters.center == "embedded":
        # the demo path only: its registry, PKI and cards. A kiosk of a real center makes and trusts
        # none of them, and keeps no resident data (tests/center/test_center_network_mode.py)
        provision(config)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    center, center_closers = _build_center(config, clock)
    catalog = _catalog(config, center)
    a = config.adapters
    card = _build("card", a.card, config)
    cash = _build("cash", a.cash, config)
    printer = _build("printer", a.printer, config)
    # [printing] sides: the renderer draws each front's back, the runner submits certificates two-sided
    two_sided = config.printing.two_sided
    renderer = _build("renderer", a.renderer, config, two_sided=two_sided)
    damage = None
    journal: MoneyJournal | UnusableJournal
    try:
        journal = MoneyJournal(config.journal_path, clock)
    except JournalDamaged as exc:
        # never replaced by an empty one (the refunds owed would vanish): start, but take no money
        damage = " ".join(str(exc).split())
        journal = UnusableJournal(damage)
    recovered: list[RecoveredSession] = []
    if isinstance(journal, MoneyJournal):
        # before any new session: what the last run left unfinished is settled with the devices' own word,
        # once the cash unit has caught up with what its devices did while the kiosk was down
        cash.settle()
        recovered = recover_unfinished(journal, cash, printer, config.kiosk_id)
        journal.kiosk_started(config.kiosk_id)
    flow = SessionFlow(
        journal=journal, clock=clock, timings=config.timings, kiosk_id=config.kiosk_id,
        service_status=lambda at: _closed_reason(catalog, at),
    )
    if damage is not None:
        flow.report_fault(f"journal: {damage}")
    readiness = Readiness(printer=printer, renderer=renderer, cash=cash, journal=journal, center=center,
                          municipality_codes=catalog.codes(), min_free_bytes=config.journal_min_free_bytes)
    runner = EffectRunner(card=card, center=center, cash=cash, printer=printer, renderer=renderer, clock=clock,
                          readiness=readiness, two_sided_certificates=two_sided)
    runtime = KioskRuntime(flow, runner, executor)
    post = (post_from_devices or (lambda p: p))(runtime.post)
    card.set_listener(lambda e: _forward(post, card_event_to_flow(e)))
    cash.set_listener(lambda e: _forward(post, cash_event_to_flow(e)))
    # a unit with threads and ports of its own (the serial one) stops with the kiosk, before the journal closes
    cash_close = getattr(cash, "close", None)
    return Kiosk(config, clock, catalog, journal, center, card, cash, printer, renderer, flow, runtime, recovered,
                 [*center_closers, journal.close, *([cash_close] if callable(cash_close) else [])])


def build_cash_unit(config: KioskConfig) -> CashUnit:
    """The configured cash unit alone, for staff commands (collect, top up, check the books). A
    unit that drives devices of its own (the serial one) is built as the staff's view of its book:
    it polls and resets nothing, and leaves the ports to a kiosk that may be running."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    cls = adapter_class("cash", config.adapters.cash)
    build = getattr(cls, "staff_view", cls.from_config)  # an adapter with devices of its own says how
    try:
        cash: CashUnit = build(config)
    except ValueError as exc:
        raise AdapterUnavailable(f"cash adapter {config.adapters.cash!r}: {exc}") from None
    return cash


def build_renderer(config: KioskConfig) -> Renderer:
    """The configured renderer alone, for printing the daily close from the command line."""
    renderer: Renderer = _build("renderer", config.adapters.renderer, config, two_sided=config.printing.two_sided)
    return renderer


def _build(family: str, name: str, config: KioskConfig, **given: Any) -> Any:
    """The adapter named in the config; what port it plays is the caller's to say. ``given``: what
    the composition root decides for the adapter beyond its own options table (the renderer's
    ``two_sided``, from [printing] sides), passed to ``from_config`` by keyword."""
    try:
        return adapter_class(family, name).from_config(config, **given)
    except ValueError as exc:  # a bad [options.<family>] table: one line, not a traceback
        raise AdapterUnavailable(f"{family} adapter {name!r}: {exc}") from None


def _forward(post: Post, event: ev.Event | None) -> None:
    if event is not None:
        post(event)


def _closed_reason(catalog: Catalog, at: datetime) -> str | None:
    status = catalog.service_status(at)
    if status.open:
        return None
    assert status.reason is not None  # ServiceStatus: a reason whenever closed
    return status.reason.value


def _catalog(config: KioskConfig, center: IssuanceCenter) -> Catalog:
    """The embedded center reads the catalog files itself; a kiosk of a real center keeps the last
    snapshot the center served (data_dir/catalog), refreshed at start, used as is if it cannot be."""
    if config.adapters.center == "embedded":
        return Catalog.load(config.municipalities_dir)
    cached = config.data_dir / CATALOG_CACHE
    try:
        write_snapshot(center.catalog(), cached)
    except Exception as exc:  # unreachable now: the last snapshot serves, and readiness says the center is down
        log.warning("catalog not refreshed from the center: %s", type(exc).__name__)
    if not any(cached.glob("*.toml")):
        raise AdapterUnavailable("center: no catalog yet (the center has not answered since this kiosk was set up)")
    return Catalog.load(cached)


def _build_center(config: KioskConfig, clock: Clock) -> tuple[IssuanceCenter, list[Callable[[], None]]]:
    if config.adapters.center == "grpc":  # a center elsewhere, over mutual TLS (center/api/client.py)
        remote = _build("center", "grpc", config)
        return remote, [remote.close]
    if config.adapters.center != "embedded":
        raise AdapterUnavailable(f"center adapter {config.adapters.center!r} does not exist")
    from center.build import open_data_dir_center

    center, close = open_data_dir_center(config.data_dir, municipalities_dir=config.municipalities_dir, clock=clock,
                                         kiosk_id=config.kiosk_id, pool_size=2)
    return center, [close]
