"""Every scenario again with device and center results delayed and reordered, under 20 seeds.

The outcome a scenario expects must not depend on when answers come; each run also ends with
the books checked (every closed session balances and agrees with the cash unit's counters).
"""
from pathlib import Path

import pytest

from app.scenario_cli import run_scenario_file

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.toml"))
SEEDS = range(20)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_under_shuffled_results(path, kiosk_config):
    failed = {}
    for seed in SEEDS:
        result = run_scenario_file(kiosk_config, path, quiet=True, shuffle=seed)
        if not result.passed:
            failed[seed] = result.failures
    assert not failed, f"seeds that failed: {failed}"
