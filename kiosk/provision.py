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
from datetime import datetime
from pathlib import Path

from kiosk.catalog.catalog import Catalog
from kiosk.clock import JST
from kiosk.config import KioskConfig
from kiosk.pki.cards import DemoCardSpec, load_card_specs
from kiosk.pki.demo import provision_demo_pki
from kiosk.pki.layout import DemoPkiLayout
from kiosk.pki.seals import load_seal_key_list, provision_seal_keys
from kiosk.registry.sqlite_registry import SqliteRegistry, build_registry

DEMO_REFERENCE_TIME = datetime(2026, 11, 25, 9, 0, tzinfo=JST)
_FORMAT = 2  # bump when the layout of the data directory changes (2: seal keys with ids, pki/seals/)
_STAMP = "provisioned.json"
REGISTRY_FILE = "registry.sqlite"
ISSUE_NUMBERS_FILE = "issue_numbers.sqlite"


def provision(config: KioskConfig, force: bool = False) -> str:
    data_dir = config.data_dir
    fingerprint = _fingerprint(config)
    stamp = data_dir / _STAMP
    if not force and stamp.exists() and json.loads(stamp.read_text()).get("inputs") == fingerprint:
        return f"{data_dir}: already set up"
    load_seal_key_list(data_dir)  # a damaged key list stops set-up before anything is made anew
    data_dir.mkdir(parents=True, exist_ok=True)
    build_registry(data_dir / REGISTRY_FILE, config.demo_residents)
    with SqliteRegistry(data_dir / REGISTRY_FILE) as registry:
        cards = provision_demo_pki(
            data_dir, load_card_specs(config.demo_cards),
            lambda ref: registry.resident(ref).birth_date, DEMO_REFERENCE_TIME,
        )
        for card in cards:
            if card.resident_ref and card.certificate_sha256:
                registry.link_certificate(card.certificate_sha256, card.resident_ref)
    added = provision_seal_keys(data_dir, Catalog.load(config.municipalities_dir).codes())
    stamp.write_text(json.dumps({"inputs": fingerprint, "cards": len(cards)}))
    new_keys = "".join(f", seal key {k.key_id} added for {k.municipality_code}" for k in added)
    return f"{data_dir}: registry, demo PKI and {len(cards)} demo cards set up; existing seal keys kept{new_keys}"


def demo_cards(config: KioskConfig) -> list[DemoCardSpec]:
    return load_card_specs(config.demo_cards)


def copy_provisioned(source: Path, target: Path) -> None:
    """A private copy for one scenario run: fresh PIN counters, an empty journal."""
    target.mkdir(parents=True, exist_ok=True)
    for name in (REGISTRY_FILE, _STAMP):
        shutil.copy2(source / name, target / name)
    shutil.copytree(source / "pki", target / "pki", dirs_exist_ok=True)
    shutil.copytree(
        DemoPkiLayout(source).cards_dir, DemoPkiLayout(target).cards_dir,
        ignore=shutil.ignore_patterns("*.state.json"), dirs_exist_ok=True,
    )


def _fingerprint(config: KioskConfig) -> str:
    digest = hashlib.sha256(str(_FORMAT).encode())
    for path in (config.demo_residents, config.demo_cards, *sorted(config.municipalities_dir.glob("*.toml"))):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
