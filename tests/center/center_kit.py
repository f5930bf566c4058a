"""The issuance center over gRPC: a fleet, real TLS servers on 127.0.0.1, kiosk clients, demo
cards. Test modules import the fixtures they use from here.

Neither ``__init__.py`` nor ``conftest.py`` here, on purpose: as a package, ``tests/center`` would
be imported as ``center`` and hide the real center package (pytest puts ``tests/`` on sys.path for
packages under it); and a second top-level ``conftest`` module would replace tests/conftest.py in
sys.modules for the tests that do ``from conftest import ...``.
"""
from __future__ import annotations

import dataclasses
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest

from app.provision import copy_provisioned, demo_cards
from center.api.client import GrpcCenter
from center.api.server import CenterServer, ServerTls, TokenBinder, serve
from center.cli import build_demo_center
from center.fleet import Enrolled, Fleet
from hardware.card.simulated import SimulatedCardReader
from kiosk.clock import JST, ManualClock
from kiosk.config import load_config
from kiosk.pin import Pin
from kiosk.ports.card import CardProbe, Signed
from kiosk.ports.center import AuthResult, Identity, IssuanceCenter

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=JST)  # a Wednesday morning: every kind is open
KIOSKS = ("KIOSK-A", "KIOSK-B", "DEMO-0001", "KIOSK-GONE", "KIOSK-LATE")


@dataclass
class FleetFiles:
    fleet: Fleet
    kiosks: dict[str, Enrolled]
    expired: Enrolled  # enrolled two days ago for one day
    stranger: Enrolled  # same kiosk id as KIOSK-A, from another fleet's CA


@pytest.fixture(scope="session")
def fleet(tmp_path_factory) -> FleetFiles:
    root = tmp_path_factory.mktemp("fleet")
    fleet = Fleet.init(root / "fleet")
    kiosks = {k: fleet.enroll_kiosk(k, root / "kiosks" / k) for k in KIOSKS}
    expired = fleet.enroll_kiosk("KIOSK-OLD", root / "kiosks" / "KIOSK-OLD", days=1,
                                 now=datetime.now(timezone.utc) - timedelta(days=2))
    fleet.revoke_kiosk("KIOSK-GONE")
    other = Fleet.init(root / "other-fleet")
    stranger = other.enroll_kiosk("KIOSK-A", root / "stranger" / "KIOSK-A")
    return FleetFiles(fleet, kiosks, expired, stranger)


def center_data(provisioned_dir: Path, target: Path) -> Path:
    """A private copy of the demo data: registry, PKI, cards, and a fresh 発行番号 sequence."""
    copy_provisioned(provisioned_dir, target)
    return target


@dataclass
class Served:
    server: CenterServer
    center: IssuanceCenter
    data_dir: Path
    address: str
    closers: list[Any]

    def close(self) -> None:
        self.server.stop(None)
        for close in reversed(self.closers):
            close()


def serve_demo_center(data_dir: Path, fleet: FleetFiles, tokens: TokenBinder | None = None) -> Served:
    """The EmbeddedCenter over ``data_dir`` (built as the kiosk builds it) served with mutual TLS."""
    center, closers = build_demo_center(data_dir, clock=ManualClock(NOW))
    server = serve(center, "127.0.0.1:0", ServerTls.from_fleet(fleet.fleet.directory), tokens=tokens)
    return Served(server, center, data_dir, f"127.0.0.1:{server.port}", closers)


def client(address: str, enrolled: Enrolled, **kw: Any) -> GrpcCenter:
    return GrpcCenter(address, ca_pem=enrolled.ca.read_bytes(), cert_pem=enrolled.cert.read_bytes(),
                      key_pem=enrolled.key.read_bytes(), **kw)


@pytest.fixture(scope="module")
def served(provisioned_dir, fleet, tmp_path_factory) -> Iterator[Served]:
    """One center for the module, served on a free port."""
    s = serve_demo_center(center_data(provisioned_dir, tmp_path_factory.mktemp("served")), fleet)
    yield s
    s.close()


@pytest.fixture(scope="module")
def kiosk_a(served, fleet) -> Iterator[GrpcCenter]:
    c = client(served.address, fleet.kiosks["KIOSK-A"])
    yield c
    c.close()


@pytest.fixture(scope="module")
def embedded(provisioned_dir, tmp_path_factory) -> Iterator[IssuanceCenter]:
    """The in-process center, over its own copy of the demo data."""
    center, closers = build_demo_center(center_data(provisioned_dir, tmp_path_factory.mktemp("embedded")),
                                        clock=ManualClock(NOW))
    yield center
    for close in reversed(closers):
        close()


class Cards:
    """The demo cards, signing challenges with their demo PINs (a simulated reader)."""

    def __init__(self, data_dir: Path) -> None:
        self.reader = SimulatedCardReader(data_dir / "cards")
        self.pins = {spec.name: spec.effective_pin for spec in demo_cards(load_config())}

    def sign(self, name: str, nonce: bytes) -> tuple[bytes, bytes]:
        """(certificate DER, signature over ``nonce``)."""
        self.reader.insert(name)
        try:
            probe = self.reader.probe()
            assert isinstance(probe, CardProbe) and probe.certificate_der is not None, probe
            signed = self.reader.verify_and_sign(Pin(self.pins[name]), nonce)
            assert isinstance(signed, Signed), signed
            return probe.certificate_der, signed.signature
        finally:
            self.reader.remove()

    def authenticate(self, center: IssuanceCenter, name: str = "sato-ichiro") -> AuthResult:
        challenge = center.new_challenge()
        certificate, signature = self.sign(name, challenge.nonce)
        return center.authenticate(certificate, challenge.challenge_id, signature)

    def login(self, center: IssuanceCenter, name: str = "sato-ichiro") -> Identity:
        identity = self.authenticate(center, name)
        assert isinstance(identity, Identity), identity
        return identity


@pytest.fixture(scope="module")
def cards(provisioned_dir, tmp_path_factory) -> Cards:
    return Cards(center_data(provisioned_dir, tmp_path_factory.mktemp("cards")))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def grpc_options(address: str, enrolled: Enrolled, **timings: float) -> dict[str, Any]:
    """[options.center] for a kiosk config pointing at ``address`` with ``enrolled``'s files."""
    return {"address": address, "ca": str(enrolled.ca), "cert": str(enrolled.cert), "key": str(enrolled.key),
            **timings}


def with_grpc_center(config, options: dict[str, Any]):
    return dataclasses.replace(
        config, adapters=dataclasses.replace(config.adapters, center="grpc"),
        adapter_options={**config.adapter_options, "center": options},
    )
