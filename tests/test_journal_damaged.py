"""A damaged money journal (missing where it existed, empty, not SQLite, failing its integrity
check) is never recreated or repaired: the kiosk starts out of service and takes no money, and
every ``kiosk`` command that needs it says so in one line."""
from __future__ import annotations

import dataclasses
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import events as ev
from app.bootstrap import build_kiosk
from app.cli import main
from kiosk.clock import ManualClock
from kiosk.journal import EventType, JournalDamaged, MoneyJournal
from kiosk.journal.journal import CREATED_SUFFIX
from app.provision import DEMO_REFERENCE_TIME
from kiosk.session_view import Screen

DAMAGE = ("empty", "not_sqlite", "missing", "corrupt")


def damage(path: Path, how: str) -> bytes | None:
    """Leave a damaged journal at ``path``; returns its bytes (None when it is gone)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if how == "empty":  # a journal that existed (its marker is there), emptied
        path.write_bytes(b"")
        path.with_name(path.name + CREATED_SUFFIX).write_text("had a journal\n")
    elif how == "not_sqlite":
        path.write_bytes(b"this is no journal\n" * 20)
    else:
        with MoneyJournal(path, ManualClock(DEMO_REFERENCE_TIME)) as journal:
            journal.open_session("K1")
        with sqlite3.connect(path) as db:  # many pages of rows, in one transaction
            db.executemany("INSERT INTO events (session_id, at, type, amount, detail) VALUES ('s', 't', ?, 100, ?)",
                           [(EventType.CASH_CREDITED.value, "x" * 40)] * 300)
        sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
        if how == "missing":
            path.unlink()
            return None
        data = bytearray(path.read_bytes())
        for page in range(4096, len(data), 4096):  # every page after the first
            data[page + 8:page + 600] = b"\xff" * 592
        path.write_bytes(bytes(data))
    return path.read_bytes()


def as_found(path: Path, before: bytes | None) -> bool:
    return (not path.exists()) if before is None else path.read_bytes() == before


@pytest.mark.parametrize("how", DAMAGE)
def test_the_journal_refuses_to_open_damaged(tmp_path, how):
    path = tmp_path / "journal.sqlite"
    before = damage(path, how)
    with pytest.raises(JournalDamaged):
        MoneyJournal(path, ManualClock(DEMO_REFERENCE_TIME))
    assert as_found(path, before)


# --- the kiosk ---------------------------------------------------------------------------------
@pytest.fixture
def damaged_kiosk(kiosk_config):
    before = damage(kiosk_config.journal_path, "empty")
    clock = ManualClock(DEMO_REFERENCE_TIME)
    k = build_kiosk(kiosk_config, clock=clock)
    k.start()
    k.test_clock, k.before = clock, before
    yield k
    k.close()


def test_a_kiosk_on_a_zero_byte_journal_starts_out_of_service_with_the_reason(damaged_kiosk):
    k = damaged_kiosk
    view = k.flow.view()
    assert view.screen is Screen.OUT_OF_SERVICE
    [reason] = [r for r in view.out_of_service_reasons if r.startswith("journal:")]
    assert "empty (0 bytes)" in reason and "\n" not in reason
    assert k.recovered == [] and k.journal.events() == [] and k.journal.refunds_owed() == []


def test_no_session_can_start_and_the_file_is_untouched(damaged_kiosk):
    k = damaged_kiosk
    k.runtime.post(ev.StartTouched())
    k.card.insert("sato-ichiro")
    for _ in range(3):
        k.test_clock.advance(k.config.timings.health_interval + 1)
        k.runtime.post(ev.Tick(k.test_clock.now()))
    assert not k.flow.session_open and k.flow.screen is Screen.OUT_OF_SERVICE
    k.flow.set_in_service(True)  # the operator tries: the health check and the journal still refuse
    k.runtime.post(ev.Tick(k.test_clock.now()))
    k.card.remove()
    k.card.insert("sato-ichiro")
    assert not k.flow.session_open
    assert any(r.startswith("journal:") for r in k.flow.view().out_of_service_reasons)
    k.close()
    assert k.config.journal_path.read_bytes() == k.before == b""
    assert Path(str(k.config.journal_path) + CREATED_SUFFIX).exists()  # still remembered: never recreated empty


# --- the command line ----------------------------------------------------------------------------
def run(capsys, monkeypatch, data_dir: Path, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("KIOSK_DATA_DIR", str(data_dir))
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


MODES = (("journal",), ("journal", "--owed"), ("journal", "--pay", "000001", "--operator", "staff1"),
         ("journal", "--check"), ("day-close",), ("cash", "collect"), ("cash", "top-up", "100=5"))


@pytest.mark.parametrize("how", DAMAGE)
@pytest.mark.parametrize("mode", MODES, ids=" ".join)
def test_every_journal_command_reports_damage_in_one_line_and_leaves_it(tmp_path, capsys, monkeypatch, how, mode):
    data = tmp_path / "data"
    path = data / "journal.sqlite"
    before = damage(path, how)
    cash_state = data / "cash_unit.json"
    code, out, err = run(capsys, monkeypatch, data, *mode)
    assert code == 2
    assert err.count("\n") == 1 and "journal" in err and "Traceback" not in err
    assert as_found(path, before)
    assert not cash_state.exists()  # the journal is looked at before any device

def test_a_damaged_journal_is_one_line_from_a_real_process_too(tmp_path):
    data = tmp_path / "data"
    damage(data / "journal.sqlite", "not_sqlite")
    out = subprocess.run([sys.executable, "-m", "app", "journal", "--owed"], capture_output=True, text=True,
                         env={**os.environ, "KIOSK_DATA_DIR": str(data)}, timeout=120)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert "not an SQLite file" in out.stderr


def test_no_journal_yet_is_not_damage(tmp_path, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, tmp_path / "fresh", "journal", "--owed")
    assert code == 0 and "empty" in out
    assert not (tmp_path / "fresh" / "journal.sqlite").exists()  # reading never creates one


def test_the_config_of_a_damaged_kiosk_is_unchanged(kiosk_config):
    # build_kiosk must not swap in a new journal path or data dir to get going
    damage(kiosk_config.journal_path, "not_sqlite")
    k = build_kiosk(dataclasses.replace(kiosk_config), clock=ManualClock(DEMO_REFERENCE_TIME))
    try:
        assert k.config.journal_path == kiosk_config.journal_path
        assert [p.name for p in kiosk_config.data_dir.glob("journal*")] == ["journal.sqlite"]
    finally:
        k.close()


def test_an_empty_file_from_a_first_start_that_died_is_initialised(tmp_path):
    """A first start killed between creating the file and writing its first page left 0 bytes and
    no marker: it never held a row, so it is set up, not refused for ever."""
    from kiosk.clock import SystemClock
    from kiosk.journal import MoneyJournal

    (tmp_path / "journal.sqlite").touch()
    with MoneyJournal(tmp_path / "journal.sqlite", SystemClock()) as journal:
        assert journal.events() == []
    assert (tmp_path / "journal.sqlite.created").exists()
