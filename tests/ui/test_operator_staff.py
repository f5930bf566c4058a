"""Operator mode: settling refunds by reference, emptying the cash box, topping up the change, the
daily close, and why the kiosk is out of service — each journaled, at 1280×1024."""
from __future__ import annotations

import csv
import os
import re
from pathlib import Path

from PySide6.QtWidgets import QApplication, QPushButton

from kiosk.journal.check import check_books
from kiosk.journal.events import EventType
from kiosk.ports.printer import PrinterState
from kiosk.journal.journal import CREATED_SUFFIX
from kiosk.session_view import Screen
from ui.i18n import FIRST, load_catalogs
from ui.operator import staff_work

SHOTS = os.environ.get("KIOSK_SHOTS")  # set it to keep the screenshots for a look


def sign_in_operator(kiosk):
    kiosk.shell.window.open_operator()
    for digit in "135790":
        kiosk.touch(f"pin_key_{digit}")
    kiosk.touch("pin_ok")
    kiosk.settle()
    return kiosk.shell.window.operator


def owe(kiosk, *amounts: int) -> list[str]:
    """Refunds owed as a crashed or failed session leaves them; their references."""
    journal = kiosk.k.journal
    references = []
    for amount in amounts:
        session = journal.open_session("K1")
        journal.close_session(session, "print failed", refund_owed=amount, refund_reason="print_failed")
        references.append(journal.refunds_owed()[-1].reference)
    return references


def of_type(kiosk, event_type: EventType):
    return [e for e in kiosk.k.journal.events() if e.type is event_type]


def shoot(kiosk, tmp_path: Path, name: str) -> Path:
    QApplication.processEvents()
    path = Path(SHOTS or tmp_path) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    assert kiosk.shell.window.grab().save(str(path))
    return path


def assert_usable(kiosk) -> None:
    """Every visible operator button lies inside the 1280×1024 window and is finger-sized."""
    window = kiosk.shell.window
    assert (window.width(), window.height()) == (1280, 1024)
    for button in window.operator.findChildren(QPushButton):
        if not button.isVisible():
            continue
        top_left = button.mapTo(window, button.rect().topLeft())
        bottom_right = button.mapTo(window, button.rect().bottomRight())
        assert window.rect().contains(top_left) and window.rect().contains(bottom_right), button.objectName()
        assert min(button.width(), button.height()) >= 80, button.objectName()


def test_refunds_owed_are_listed_by_reference_and_one_is_marked_paid(kiosk, tmp_path):
    first, second = owe(kiosk, 300, 450)
    sign_in_operator(kiosk)
    assert f"返金番号 {first}" in kiosk.text() and "返金が必要な金額: 750円" in kiosk.text()
    shoot(kiosk, tmp_path, "operator-board")
    assert_usable(kiosk)
    kiosk.touch("operator_refunds")
    kiosk.qtbot.waitUntil(lambda: f"返金番号 {second}" in kiosk.text())
    assert not kiosk.button("operator_pay").isEnabled()  # nothing chosen yet
    shoot(kiosk, tmp_path, "operator-refunds")
    assert_usable(kiosk)
    kiosk.touch(f"refund_{second}")
    kiosk.touch("operator_pay")
    [paid] = of_type(kiosk, EventType.REFUND_PAID)
    assert paid.amount == 450 and paid.detail == f"ref-{second} {staff_work.OPERATOR_ID}"
    assert [r.reference for r in kiosk.k.journal.refunds_owed()] == [first]
    kiosk.qtbot.waitUntil(lambda: f"返金番号 {second} の 450円 を支払済みにしました" in kiosk.text())
    kiosk.qtbot.waitUntil(lambda: not [b for b in kiosk.shell.window.findChildren(QPushButton, f"refund_{second}")
                                       if b.isVisible()])
    assert kiosk.button(f"refund_{first}").isVisible()


def test_paying_the_last_refund_returns_to_the_dashboard(kiosk):
    [reference] = owe(kiosk, 200)
    sign_in_operator(kiosk)
    kiosk.touch("operator_refunds")
    kiosk.touch(f"refund_{reference}")
    kiosk.touch("operator_pay")
    kiosk.qtbot.waitUntil(lambda: kiosk.button("operator_day_close").isVisible())
    assert not kiosk.button("operator_refunds").isEnabled()
    assert "返金が必要な金額: 0円" in kiosk.text()


def test_the_reasons_for_being_out_of_service_are_shown(kiosk):
    kiosk.on_device("printer", lambda: kiosk.k.printer.set_fault(PrinterState.MEDIA_EMPTY))
    kiosk.advance(kiosk.k.config.timings.health_interval + 1)
    kiosk.wait_for(Screen.OUT_OF_SERVICE)
    sign_in_operator(kiosk)
    reasons = kiosk.view.out_of_service_reasons
    assert any(r.startswith("printer:") for r in reasons)
    text = kiosk.text()
    assert "休止の理由:" in text and all(r in text for r in reasons)


def test_the_operators_own_switch_is_named_as_a_reason(kiosk):
    sign_in_operator(kiosk)
    assert "休止の理由:" not in kiosk.text()
    kiosk.touch("operator_service")
    kiosk.qtbot.waitUntil(lambda: "係員が休止にしました" in kiosk.text())


def test_collecting_the_cash_box_is_journaled_and_agrees_with_the_unit(kiosk):
    kiosk.to_payment("juminhyo")
    kiosk.insert(1000)  # a bill goes to the cash box, not the change float
    kiosk.wait_for(Screen.DONE)
    kiosk.touch("finish")
    kiosk.wait_for(Screen.ATTRACT)
    sign_in_operator(kiosk)
    kiosk.touch("operator_collect")
    kiosk.settle()
    [collected] = of_type(kiosk, EventType.CASH_COLLECTED)
    assert collected.amount == 1000 and collected.detail == staff_work.OPERATOR_ID
    assert kiosk.k.cash.cash_box() == {}
    kiosk.qtbot.waitUntil(lambda: "現金を回収しました: 1,000円" in kiosk.text())
    assert check_books(kiosk.k.journal, kiosk.k.cash.counters()) == []


def test_a_top_up_counts_the_coins_entered_and_journals_them(kiosk, tmp_path):
    before = kiosk.k.cash.float_counts()
    sign_in_operator(kiosk)
    kiosk.touch("operator_top_up")
    assert not kiosk.button("top_up_confirm").isEnabled()
    for _ in range(3):
        kiosk.touch("top_up_more_100")
    kiosk.touch("top_up_less_100")
    kiosk.touch("top_up_more_10")
    kiosk.qtbot.waitUntil(lambda: "合計 2,100円" in kiosk.text())
    shoot(kiosk, tmp_path, "operator-top-up")
    assert_usable(kiosk)
    kiosk.touch("top_up_confirm")
    kiosk.settle()
    [topped] = of_type(kiosk, EventType.FLOAT_TOPPED_UP)
    assert topped.amount == 2100 and topped.detail == f"{staff_work.OPERATOR_ID} d-100=20 d-10=10"
    after = kiosk.k.cash.float_counts()
    assert after[100] == before.get(100, 0) + 20 and after[10] == before.get(10, 0) + 10
    kiosk.qtbot.waitUntil(lambda: "つり銭を補充しました: 2,100円" in kiosk.text())
    assert check_books(kiosk.k.journal, kiosk.k.cash.counters()) == []


def test_a_top_up_is_refused_when_the_journal_cannot_record_it(kiosk):
    before = kiosk.k.cash.float_counts()
    sign_in_operator(kiosk)
    kiosk.k.journal.inject_write_fault(OSError("disk full"))
    kiosk.touch("operator_top_up")
    kiosk.touch("top_up_more_500")
    kiosk.touch("top_up_confirm")
    kiosk.settle()
    assert kiosk.k.cash.float_counts() == before  # the unit was never asked
    kiosk.qtbot.waitUntil(lambda: "記録できないため行いませんでした" in kiosk.text())


def test_the_daily_close_is_printed_saved_as_csv_and_journaled(kiosk, tmp_path):
    owe(kiosk, 300)
    sign_in_operator(kiosk)
    kiosk.touch("operator_day_close")
    kiosk.settle()
    [closed] = of_type(kiosk, EventType.DAY_CLOSED)
    assert closed.detail.startswith("since-000000 to-")
    [saved] = (kiosk.k.config.data_dir / "day-close").glob("*.csv")
    rows = list(csv.reader(saved.open(encoding="utf-8")))
    assert rows[0] == ["section", "item", "municipality", "count", "yen", "value"]
    assert ["refunds", "outstanding", "", "1", "300", ""] in rows
    printed = list(kiosk.k.config.printed_dir.glob("*.pdf"))
    assert printed and any(b"/Title" in p.read_bytes() for p in printed)
    kiosk.qtbot.waitUntil(lambda: f"日計を印刷しました（CSV: {saved.name}）" in kiosk.text())
    shoot(kiosk, tmp_path, "operator-day-close")


def test_every_staff_outcome_has_words():
    source = Path(staff_work.__file__).read_text(encoding="utf-8")
    keys = set(re.findall(r'"(operator\.(?:done|failed)\.[a-z_]+)"', source))
    assert len(keys) >= 10 and not keys - set(load_catalogs()[FIRST])


def test_a_kiosk_on_a_damaged_journal_shows_why_and_staff_cannot_move_money(make_kiosk, kiosk_config, tmp_path):
    kiosk_config.data_dir.mkdir(parents=True, exist_ok=True)
    kiosk_config.journal_path.write_bytes(b"")  # a journal that existed (its marker says so), emptied
    kiosk_config.journal_path.with_name(kiosk_config.journal_path.name + CREATED_SUFFIX).write_text("had one\n")
    kiosk = make_kiosk(config=kiosk_config)
    assert kiosk.screen is Screen.OUT_OF_SERVICE
    before = kiosk.k.cash.float_counts()
    sign_in_operator(kiosk)
    kiosk.qtbot.waitUntil(lambda: "empty (0 bytes)" in kiosk.text())
    shoot(kiosk, tmp_path, "operator-damaged-journal")
    assert_usable(kiosk)
    kiosk.touch("operator_top_up")
    kiosk.touch("top_up_more_100")
    kiosk.touch("top_up_confirm")
    kiosk.settle()
    assert kiosk.k.cash.float_counts() == before
    kiosk.qtbot.waitUntil(lambda: "記録できないため行いませんでした" in kiosk.text())
    assert kiosk_config.journal_path.read_bytes() == b""
