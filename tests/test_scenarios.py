"""Every scenario under tests/scenarios/ runs headless through the real flow, center and
simulated devices, and meets its expectations."""
from pathlib import Path

import pytest

from kiosk.scenario_cli import run_scenario_file

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path, kiosk_config):
    result = run_scenario_file(kiosk_config, path, quiet=True)
    assert result.passed, "\n".join(result.failures)
