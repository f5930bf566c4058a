"""The network path against a real PostgreSQL: `kiosk-center serve`'s center over a database
(migrated, the demo registry loaded with the demo cards' links), served with mutual TLS, and whole
kiosk sessions through GrpcCenter to printed; then the 交付記録 in PostgreSQL says what left."""
from __future__ import annotations

from argparse import Namespace
from pathlib import Path

import pytest
from center_kit import NOW, fleet, grpc_options, with_grpc_center  # noqa: F401  (fixtures)
from postgres_fixture import postgres_server  # noqa: F401  (the session's private server)

from app.scenario_cli import run_scenario_file
from center.api.server import ServerTls, serve
from center.build import CENTER_KEY, open_center
from center.storage.cli_commands import load_demo_command
from center.storage.engine import open_engine
from center.storage.store import CenterStore, load_pseudonym_key
from kiosk.clock import ManualClock
from kiosk.config import KioskConfig

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"

pytestmark = pytest.mark.realstack


@pytest.fixture(scope="module")
def pg_center(postgres_server, provisioned_dir, fleet, tmp_path_factory):  # noqa: F811
    url = postgres_server.create_database()
    assert load_demo_command(Namespace(database=url, residents=None, links_from=provisioned_dir, replace=False)) == 0
    key = tmp_path_factory.mktemp("center") / CENTER_KEY
    center, close = open_center(url, trust_dir=provisioned_dir, municipalities_dir=KioskConfig().municipalities_dir,
                                key_file=key, clock=ManualClock(NOW))
    server = serve(center, "127.0.0.1:0", ServerTls.from_fleet(fleet.fleet.directory))
    yield url, key, f"127.0.0.1:{server.port}"
    server.stop(None)
    close()


def test_a_session_over_the_network_is_recorded_in_postgresql(pg_center, fleet, kiosk_config, tmp_path):  # noqa: F811
    url, key, address = pg_center
    config = with_grpc_center(kiosk_config, grpc_options(address, fleet.kiosks["DEMO-0001"]))
    # a session that runs to its close (the card taken): its outcome is reported when it closes
    result = run_scenario_file(config, SCENARIOS / "happy_juminhyo_self.toml", keep=tmp_path / "run", quiet=True)
    assert result.passed, "\n".join(result.failures)
    store = CenterStore(open_engine(url), pseudonym_key=load_pseudonym_key(key))
    try:
        outcomes = {}
        for record in store.records():
            outcomes.setdefault(record.issue_number, set()).add(record.outcome.value)
    finally:
        store.engine.dispose()
    assert outcomes and all(done == {"issued", "printed"} for done in outcomes.values()), outcomes
