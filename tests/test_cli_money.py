"""The staff's money commands: refunds owed (and what recovery will owe), settling a refund by
reference, checking the books against the cash unit, cash collection and top-up, the daily close."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from kiosk.clock import SystemClock
from kiosk.journal import EventType, MoneyJournal
from app.scenario_cli import run_scenario_file

SCENARIOS = Path(__file__).parent / "scenarios"


@pytest.fixture
def cli(capsys, monkeypatch):
    def run(data_dir: Path, *args: str) -> tuple[int, str, str]:
        monkeypatch.setenv("KIOSK_DATA_DIR", str(data_dir))
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err
    return run


@pytest.fixture
def print_failed(kiosk_config, tmp_path) -> Path:
    """The data directory a paid session left behind when its printer ran out of paper: 300 yen owed."""
    run_dir = tmp_path / "run"
    result = run_scenario_file(kiosk_config, SCENARIOS / "money_print_fails_after_payment.toml", keep=run_dir, quiet=True)
    assert result.passed
    return run_dir


def journal_of(data_dir: Path) -> MoneyJournal:
    return MoneyJournal(data_dir / "journal.sqlite", SystemClock())


def test_owed_counts_what_recovery_will_owe_for_an_unfinished_session(print_failed, cli):
    with journal_of(print_failed) as journal:
        crashed = journal.open_session("K1")
        journal.record(crashed, EventType.CASH_CREDITED, 500)
    code, out, _ = cli(print_failed, "journal", "--owed")
    assert code == 0
    lines = out.splitlines()
    assert any(" owed 300 yen" in line for line in lines)
    assert f"unfinished {crashed[:8]} recovery will owe 500 yen" in lines
    assert lines[-1] == "total owed: 800 yen"


def test_a_refund_is_paid_by_reference_once(print_failed, cli):
    with journal_of(print_failed) as journal:
        [refund] = journal.refunds_owed()
    code, out, err = cli(print_failed, "journal", "--pay", refund.reference, "--operator", "staff1")
    assert code == 0 and out == f"refund {refund.reference} paid: 300 yen by op-staff1\n" and not err
    code, out, err = cli(print_failed, "journal", "--pay", refund.reference, "--operator", "staff1")
    assert code == 2 and err.count("\n") == 1 and "already paid" in err
    code, out, _ = cli(print_failed, "journal", "--owed")
    assert out.splitlines()[-1] == "total owed: 0 yen"
    with journal_of(print_failed) as journal:
        [paid] = journal.refunds_paid()
    assert paid.operator == "op-staff1" and paid.session_id == refund.session_id


@pytest.mark.parametrize("args, words", [
    (("--pay", "000001"), "--operator"),
    (("--operator", "staff1"), "--pay"),
    (("--pay", "424242", "--operator", "staff1"), "no such refund"),
    (("--pay", "twelve", "--operator", "staff1"), "number on the slip"),
    (("--pay", "000013", "--operator", "Yamada Taro"), "operator id"),
])
def test_bad_payment_input_is_one_line(print_failed, cli, args, words):
    code, _, err = cli(print_failed, "journal", *args)
    assert code == 2 and err.count("\n") == 1 and words in err and "Yamada" not in err


def test_check_agrees_with_the_cash_unit_until_it_does_not(print_failed, cli):
    code, out, _ = cli(print_failed, "journal", "--check")
    assert code == 0 and out.startswith("books agree")
    state_file = print_failed / "cash_unit.json"
    state = json.loads(state_file.read_text())
    state["counters"]["paid_out"] += 100  # the unit paid out change the journal never heard of
    state_file.write_text(json.dumps(state))
    code, out, _ = cli(print_failed, "journal", "--check")
    assert code == 1
    assert out.splitlines() == [f"cash unit paid out: journal {state['counters']['paid_out'] - 100} yen, "
                                f"unit's counter {state['counters']['paid_out']} yen"]


def test_collection_and_top_up_are_journaled_and_keep_the_books(print_failed, cli):
    code, out, _ = cli(print_failed, "cash", "collect", "--operator", "staff1")
    assert code == 0 and out.startswith("collected ") and "(op-staff1)" in out
    code, out, _ = cli(print_failed, "cash", "top-up", "100=50", "10=100")
    assert code == 0 and out == "topped up the change float with 6000 yen (op-cli)\n"
    with journal_of(print_failed) as journal:
        kinds = [(e.type, e.amount, e.detail) for e in journal.events() if e.session_id is None][-2:]
    assert kinds[1] == (EventType.FLOAT_TOPPED_UP, 6000, "op-cli d-100=50 d-10=100")
    assert kinds[0][0] is EventType.CASH_COLLECTED and kinds[0][2] == "op-staff1"
    assert cli(print_failed, "journal", "--check")[0] == 0


@pytest.mark.parametrize("pieces, words", [(("100",), "YEN=COUNT"), (("5=10",), "5 yen"), (("100=-1",), "YEN=COUNT")])
def test_a_bad_top_up_is_one_line_and_moves_nothing(print_failed, cli, pieces, words):
    before = (print_failed / "cash_unit.json").read_text()
    code, _, err = cli(print_failed, "cash", "top-up", *pieces)
    assert code == 2 and err.count("\n") == 1 and words in err
    assert (print_failed / "cash_unit.json").read_text() == before


def test_the_daily_close_writes_csv_and_pdf_and_is_journaled(print_failed, cli, tmp_path):
    csv_file, pdf_file = tmp_path / "close.csv", tmp_path / "close.pdf"
    code, out, _ = cli(print_failed, "day-close", "--date", "2026-11-25", "--csv", str(csv_file), "--pdf", str(pdf_file))
    assert code == 0
    assert out.startswith("day close DEMO-0001 2026-11-25") and f"csv: {csv_file}" in out
    assert "refunds: owed 300 yen" in out
    assert csv_file.read_text(encoding="utf-8").startswith("section,item,municipality,count,yen,value\n")
    assert pdf_file.read_bytes().startswith(b"%PDF-")
    with journal_of(print_failed) as journal:
        [closed] = [e for e in journal.events() if e.type is EventType.DAY_CLOSED]
    assert closed.detail.startswith("day-2026-11-25 to-")


def test_a_bad_date_is_one_line_and_closes_nothing(print_failed, cli):
    code, _, err = cli(print_failed, "day-close", "--date", "25/11/2026")
    assert code == 2 and err.count("\n") == 1 and "YYYY-MM-DD" in err
    with journal_of(print_failed) as journal:
        assert not [e for e in journal.events() if e.type is EventType.DAY_CLOSED]
