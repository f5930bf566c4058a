"""First-use set-up of the data directory: the registry database, the demo PKI and demo cards,
the certificate links and the seal keys. Idempotent: done again only when its inputs change.
Done again (or forced), it makes the demo data anew but keeps every seal key: only a
municipality without one gets a key, so certificates already issued keep verifying.

The demo PKI is dated from a fixed reference day, not from the clock, so scenarios that start
on a fixed date and the demo agree on which card is valid, expired or revoked.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import msgspec

from kiosk.catalog.catalog import Catalog
from kiosk.clock import JST
from kiosk.config import KioskConfig
from center.pki.cards import CardProfile, DemoCardSpec, load_card_specs
from center.pki.demo import provision_demo_pki
from center.pki.layout import DemoPkiLayout
from center.pki.seals import load_seal_key_list, provision_seal_keys
from center.registry.demo_loader import load_demo_population
from center.registry.impressions import RECIPE_VERSION
from center.build import CENTER_DATABASE, CENTER_KEY
from center.registry.demo_loader import DemoPopulation
from center.storage.engine import open_engine
from center.storage.migrate import migrate
from center.storage.registry import load_demo
from center.storage.store import load_pseudonym_key
from kiosk.validation import KIB, MIB, InputFileError, Schema, Text, load_json, load_toml, one_of, pattern

DEMO_REFERENCE_TIME = datetime(2026, 11, 25, 9, 0, tzinfo=JST)
_FORMAT = 4  # bump when the layout of the data directory changes (3: the center's database, center.sqlite; 4: 印影 pictures in it)
_STAMP = "provisioned.json"


def provision(config: KioskConfig, force: bool = False) -> str:
    data_dir = config.data_dir
    # Every input is checked before anything is compared or made: a bad file is reported in one
    # line and leaves the data directory as it was.
    catalog = Catalog.load(config.municipalities_dir)
    specs = demo_cards(config)
    population = load_demo_population(config.demo_residents)
    fingerprint = _fingerprint(config)
    stamp = data_dir / _STAMP
    if not force and _stamped_inputs(stamp) == fingerprint:
        return f"{data_dir}: already set up"
    load_seal_key_list(data_dir)  # a damaged key list stops set-up before anything is made anew
    data_dir.mkdir(parents=True, exist_ok=True)
    cards = provision_demo_pki(data_dir, specs, lambda ref: _birth_date(population, ref), DEMO_REFERENCE_TIME)
    links = [(c.certificate_sha256, c.resident_ref) for c in cards if c.resident_ref and c.certificate_sha256]
    database = data_dir / CENTER_DATABASE
    database.unlink(missing_ok=True)  # made anew from the demo inputs, as the cards are
    engine = open_engine(f"sqlite:///{database}", pool_size=1)
    try:
        migrate(engine)
        load_demo(engine, population, links=links)
    finally:
        engine.dispose()
    load_pseudonym_key(data_dir / CENTER_KEY)
    added = provision_seal_keys(data_dir, catalog.codes())
    stamp.write_text(json.dumps({"inputs": fingerprint, "cards": len(cards)}))
    new_keys = "".join(f", seal key {k.key_id} added for {k.municipality_code}" for k in added)
    return f"{data_dir}: center database, demo PKI and {len(cards)} demo cards set up; existing seal keys kept{new_keys}"


def _birth_date(population: DemoPopulation, ref: str) -> date:
    """A demo card's holder: cards.toml names only residents the registry holds (checked above)."""
    resident = next((r for r in population.residents if r.resident_ref == ref), None)
    if resident is None:
        raise InputFileError("cards.toml", "resident", "a card names a resident the demo registry does not hold")
    return resident.birth_date


def demo_cards(config: KioskConfig) -> list[DemoCardSpec]:
    path = config.demo_cards
    # the shared checks first (size, UTF-8, nesting, types, unknown keys), then the card rules
    load_toml(path, _CardsFile, file=str(path), error=DemoCardsError, max_bytes=MIB, where=_card_label)
    return load_card_specs(path)


class DemoCardsError(InputFileError):
    """``assets/demo/cards.toml`` cannot be used: file, card and key."""


_CardName = Annotated[str, pattern(r"^[a-z0-9][a-z0-9_-]{0,63}$", "a demo card name (see `kiosk cards`)")]
_ResidentRef = Annotated[str, pattern(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$",
                                      "an opaque reference: letters, digits, '-' and '_'")]


class _CardSpec(Schema, kw_only=True):
    name: _CardName
    profile: Annotated[str, one_of(*(p.value for p in CardProfile))]
    purpose_ja: Text
    purpose_en: Text
    resident_ref: _ResidentRef | None = None
    pin: Annotated[str, pattern(r"^[0-9]{4}$", "a string of exactly 4 digits")] | None = None


class _CardsFile(Schema):
    card: Annotated[list[_CardSpec], msgspec.Meta(min_length=1, max_length=1000)]


def _card_label(segments: list[str | int]) -> tuple[str, int] | None:
    if len(segments) >= 2 and segments[0] == "card" and isinstance(segments[1], int):
        return f"card #{segments[1] + 1}", 2
    return None


class _Stamp(msgspec.Struct):  # written by provision() itself; anything else reads as "not set up"
    inputs: str


def _stamped_inputs(stamp: Path) -> str | None:
    if not stamp.exists():
        return None
    try:
        return load_json(stamp, _Stamp, file=str(stamp), max_bytes=64 * KIB).inputs
    except InputFileError:
        return None  # damaged: set up again (seal keys are kept), as if never done


def copy_provisioned(source: Path, target: Path) -> None:
    """A private copy for one scenario run: fresh PIN counters, an empty journal."""
    target.mkdir(parents=True, exist_ok=True)
    for name in (CENTER_DATABASE, CENTER_KEY, _STAMP):
        shutil.copy2(source / name, target / name)
    shutil.copytree(source / "pki", target / "pki", dirs_exist_ok=True)
    shutil.copytree(
        DemoPkiLayout(source).cards_dir, DemoPkiLayout(target).cards_dir,
        ignore=shutil.ignore_patterns("*.state.json"), dirs_exist_ok=True,
    )


def _fingerprint(config: KioskConfig) -> str:
    digest = hashlib.sha256(str(_FORMAT).encode())
    digest.update(f"印影 {RECIPE_VERSION}".encode())  # the registry's pictures are drawn again when their drawing changes
    for path in (config.demo_residents, config.demo_cards, *sorted(config.municipalities_dir.glob("*.toml"))):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
