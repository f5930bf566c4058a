"""The center built from where its data lives: one database URL (SQLite file or PostgreSQL), the
trust anchors and CRLs of the card PKI, the catalog files, and the pseudonym key (kept outside the
database it protects). The kiosk's embedded center and ``kiosk-center serve`` are both built here.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from center.authentication import CertificateAuthenticator
from center.embedded import EmbeddedCenter
from center.pki import trust
from center.storage.engine import open_engine
from center.storage.store import CenterStore, load_pseudonym_key
from kiosk.catalog.catalog import Catalog
from kiosk.catalog.snapshot import snapshot_of
from kiosk.clock import Clock

CENTER_DATABASE = "center.sqlite"  # a data directory's own center database: registry, numbers, 交付記録
CENTER_KEY = "center.key"  # its pseudonym key, beside the database it protects, never in it


def open_center(database: str, *, trust_dir: Path, municipalities_dir: Path, key_file: Path, clock: Clock,
                kiosk_id: str = "", pool_size: int = 10,
                registry_cache_seconds: float = 0.0) -> tuple[EmbeddedCenter, Callable[[], None]]:
    """The center over ``database`` (migrated already: ``kiosk-center migrate``), and its closer."""
    engine = open_engine(database, pool_size=pool_size)
    store = CenterStore(engine, pseudonym_key=load_pseudonym_key(key_file),
                        registry_cache_seconds=registry_cache_seconds)
    center = EmbeddedCenter(
        store=store, catalog=Catalog.load(municipalities_dir), authenticator=CertificateAuthenticator(trust.load_trust(trust_dir)),
        clock=clock, kiosk_id=kiosk_id, snapshot=snapshot_of(municipalities_dir),
    )
    return center, engine.dispose


def open_data_dir_center(data_dir: Path, *, municipalities_dir: Path, clock: Clock, kiosk_id: str = "",
                         pool_size: int = 10) -> tuple[EmbeddedCenter, Callable[[], None]]:
    """The center over a data directory set up by `kiosk setup`: its SQLite database and key, the
    demo card PKI's trust (the kiosk's embedded center, and `kiosk-center serve` without a database)."""
    return open_center(f"sqlite:///{data_dir / CENTER_DATABASE}", trust_dir=data_dir,
                       municipalities_dir=municipalities_dir, key_file=data_dir / CENTER_KEY, clock=clock,
                       kiosk_id=kiosk_id, pool_size=pool_size)
