"""The crash harness (bench/crash.py): kills at the boundaries that matter most leave the world
and the books in agreement after a restart, and its comparison does see it when they are not."""
from __future__ import annotations

import json
import shutil
import sys
from datetime import datetime
from pathlib import Path

import pytest

from hardware.cash.simulated import SimulatedCashUnit
from kiosk.clock import JST, ManualClock
from kiosk.journal.check import check_books
from kiosk.journal.events import EventType
from kiosk.journal.journal import MoneyJournal
from kiosk.journal.recovery import recover_unfinished

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import crash_runs  # noqa: E402
import crash_driver  # noqa: E402
from crash_books import figures  # noqa: E402

SCENARIOS = ROOT / "tests" / "scenarios"
OWN = ROOT / "bench" / "crash_scenarios"
KILLS = {
    # a coin saved in escrow, its journal row not yet written; the stack's intent without the stack;
    # a print job named at the printer before the kiosk learnt its id
    "happy_juminhyo_self": ["cash:escrowed", "journal:stack_started", "printer:named"],
    # the job held by the paused queue, unknown to the journal; polled while held; cancelled, not yet journaled
    "money_print_timeout_paused": ["after:PrintDocument", "after:PollPrintJobs", "after:CancelPrintJobs"],
}


# Late answers to requests given up on, whose session closed before the crash: the unit returned
# the coin, or the printer printed the document, and the kiosk died before journaling it.
LATE_KILLS = {
    SCENARIOS / "timing_c_late_return_withdraws_refund.toml": ["cash:return"],
    OWN / "late_print_after_giving_up.toml": ["after:PrintDocument", "journal:print_completed"],
}


def _kill_each(harness, path: Path, wanted: list[str]) -> None:
    traced = harness.trace(path, timing_runs=1)
    assert traced.baseline.ok, traced.baseline.describe()
    for boundary in wanted:
        k = traced.boundaries.index(boundary) + 1  # its first occurrence
        kill = harness.kill_at(path, k, boundary)
        assert kill.died, kill.describe()
        assert kill.ok, kill.describe()
        assert kill.first.put_in > 0, kill.describe()  # the kill came with money in the kiosk


@pytest.fixture
def harness(provisioned_dir, tmp_path):
    harness = crash_runs.Harness(tmp_path, jobs=2, template=provisioned_dir)
    yield harness
    harness.close()


def test_kills_at_the_boundaries_that_matter_leave_nothing_owed_twice_or_lost(harness):
    for name, wanted in KILLS.items():
        _kill_each(harness, SCENARIOS / f"{name}.toml", wanted)


def test_a_late_answer_lost_after_its_session_closed_is_settled_at_start_up(harness):
    for path, wanted in LATE_KILLS.items():
        _kill_each(harness, path, wanted)


@pytest.fixture
def paused_run(kiosk_config, monkeypatch):
    """The paused-printer scenario played to its end and restarted: 300 yen owed, the job cancelled."""
    monkeypatch.setenv("KIOSK_DATA_DIR", str(kiosk_config.data_dir))
    with open(kiosk_config.data_dir.parent / "out.txt", "w") as out:
        crash_driver.run(SCENARIOS / "money_print_timeout_paused.toml", out)
    crash_driver.restart()
    return kiosk_config.data_dir


def _cancelled_job(data_dir: Path) -> Path:
    titles = [p for p in (data_dir / "printed").glob("*.title") if p.read_text().startswith("op-")]
    assert len(titles) == 1
    return titles[0].with_suffix(".failed")


def test_the_comparison_agrees_with_books_that_are_right(paused_run):
    f = figures(paused_run)
    assert (f.put_in, f.printed, f.owed) == (300, 0, 300)
    assert f.ok, f.describe()


def test_the_comparison_sees_a_refunded_document_that_printed(paused_run):
    failed = _cancelled_job(paused_run)
    shutil.move(failed, failed.with_suffix(".pdf"))  # as if the cancel had not reached the queue
    f = figures(paused_run)
    assert (f.owed_twice, f.lost, f.refunded_printed) == (300, 0, 1), f.describe()


def test_the_comparison_sees_a_held_document_that_could_still_print(paused_run):
    failed = _cancelled_job(paused_run)
    shutil.move(failed, failed.with_suffix(".pending"))
    f = figures(paused_run)
    assert (f.held, f.refunded_printed, f.owed_twice) == (1, 1, 0), f.describe()


def test_the_comparison_sees_cash_the_journal_never_heard_of(paused_run):
    state_file = paused_run / "cash_unit.json"
    state = json.loads(state_file.read_text())
    state["counters"]["credited"] += 100
    state_file.write_text(json.dumps(state))
    f = figures(paused_run)
    assert f.lost == 100 and f.books, f.describe()


def test_recovery_retains_escrow_a_jammed_unit_cannot_stack(tmp_path):
    """Killed after a return's intent, before the (jammed) unit heard of it: the escrow is owed
    once, and retained, so a later start-up or the next resident never finds it again."""
    journal = MoneyJournal(tmp_path / "journal.sqlite", ManualClock(datetime(2026, 11, 25, 10, tzinfo=JST)))
    cash = SimulatedCashUnit(state_file=tmp_path / "cash_unit.json")
    session_id = journal.open_session("kiosk-01")
    cash.enable(300)
    cash.insert(100)
    journal.record(session_id, EventType.CASH_CREDITED, 100)
    journal.record(session_id, EventType.RETURN_STARTED, 100)
    cash.jam()

    for _ in range(2):  # two start-ups: the second finds nothing left to do
        recover_unfinished(journal, SimulatedCashUnit(state_file=tmp_path / "cash_unit.json"), None)
    cash = SimulatedCashUnit(state_file=tmp_path / "cash_unit.json")
    assert [r.amount for r in journal.refunds_owed()] == [100]
    assert (cash.held(), cash.counters().retained) == (0, 100)
    assert check_books(journal, cash.counters()) == []
