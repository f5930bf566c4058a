"""Every scenario under tests/scenarios/ runs headless through the real flow, center and
simulated devices, and meets its expectations; and every detail it journals is in the journal's
vocabulary (kiosk/journal/events.py), so none was redacted."""
import dataclasses
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from kiosk.journal.events import REDACTED
from app.scenario_cli import run_scenario_file

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path, kiosk_config, tmp_path):
    run = tmp_path / "run"
    result = run_scenario_file(kiosk_config, path, keep=run, quiet=True)
    assert result.passed, "\n".join(result.failures)
    journal = dataclasses.replace(kiosk_config, data_dir=run).journal_path
    with closing(sqlite3.connect(f"file:{journal}?mode=ro", uri=True)) as db:
        redacted = [t for (t,) in db.execute("SELECT type FROM events WHERE instr(detail, ?) > 0", (REDACTED,))]
    assert not redacted, f"a detail the flow wrote was redacted in rows of type {sorted(set(redacted))}"
