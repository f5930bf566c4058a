"""`kiosk scenario --keep DIR` deletes nothing it did not make: a directory that is not empty and
holds no marker of an earlier scenario run, and the data directory itself, are refused in one
line with exit status 2 and left as they were; an empty or new directory, or one an earlier run
wrote, is used."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.scenario_cli import KEEP_MARKER

SCENARIO = Path(__file__).parent / "scenarios" / "happy_juminhyo_self.toml"


@pytest.fixture
def data(kiosk_config, monkeypatch) -> Path:
    """A copy of the demo data with a money journal in it, as a kiosk that has sold things has."""
    monkeypatch.setenv("KIOSK_DATA_DIR", str(kiosk_config.data_dir))
    (kiosk_config.data_dir / "journal.sqlite").write_bytes(b"the money journal")
    return kiosk_config.data_dir


def refused(capsys, keep: Path) -> str:
    assert main(["scenario", str(SCENARIO), "--keep", str(keep)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kiosk: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert str(keep) in err and "nothing was deleted" in err
    return err


def test_a_directory_that_is_not_empty_and_unmarked_is_refused(data, tmp_path, capsys):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"precious")
    assert "not empty" in refused(capsys, folder)
    assert (folder / "holiday.jpg").read_bytes() == b"precious"
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    refused(capsys, a_file)
    assert a_file.read_text() == "mine"


def test_the_data_directory_and_what_holds_it_are_refused(data, capsys):
    refused(capsys, data)
    refused(capsys, data.parent)
    (data / KEEP_MARKER).write_text("")  # even marked: it is still the data directory
    refused(capsys, data)
    assert (data / "journal.sqlite").read_bytes() == b"the money journal"


def test_an_empty_directory_is_used_and_marked_and_a_marked_one_is_used_again(data, tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    assert main(["scenario", str(SCENARIO), "--keep", str(run)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("PASSED")
    assert (run / KEEP_MARKER).is_file() and (run / "journal.sqlite").is_file()
    (run / "left-over").write_text("from the first run")
    assert main(["scenario", str(SCENARIO), "--keep", str(run)]) == 0
    assert not (run / "left-over").exists() and (run / KEEP_MARKER).is_file()
    assert (data / "journal.sqlite").read_bytes() == b"the money journal"
