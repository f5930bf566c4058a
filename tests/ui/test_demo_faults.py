"""The demo panel's system faults on the Qt kiosk: a full disk, an unreadable seal key, a slow
cash unit, device calls that raise. Every wait is on a condition or a signal, never a fixed sleep."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QPushButton

from kiosk.notices import NoticeCode
from center.pki.layout import DemoPkiLayout
from kiosk.session_view import Screen
from tests.ui.conftest import WAIT_MS
from hardware.printer.folder import FolderPrinter
from ui.demo_faults import ASIDE, PrinterLinkDown, fail_next_submit
from ui.demo_panel import DemoPanel


@pytest.fixture
def demo(kiosk, qtbot):
    panel = DemoPanel(kiosk.shell)
    qtbot.addWidget(panel)
    kiosk.settle()
    return kiosk, panel


def press(kiosk, panel, name: str) -> None:
    """A panel button (some sit on the tab not shown), then until its device action has run."""
    panel.findChild(QPushButton, name).click()
    kiosk.qtbot.waitUntil(lambda: kiosk.shell.executor.idle, timeout=WAIT_MS)


def test_slow_cash_unit_keeps_the_notice_until_the_coins_are_back(demo, qtbot):
    kiosk, panel = demo
    kiosk.to_payment()
    kiosk.insert(100)
    qtbot.waitUntil(lambda: kiosk.view.paid == 100, timeout=WAIT_MS)
    panel.slow_family.setCurrentIndex(panel.slow_family.findData("cash"))
    panel.slow_seconds.setValue(60)  # longer than the test: the delay ends when the panel lifts it
    panel.findChild(QPushButton, "demo_fault_slow_set").click()
    assert "入出金機の応答が60秒遅れる" in panel.active.text()

    kiosk.touch("cancel")
    kiosk.touch("cancel_yes")
    qtbot.waitUntil(lambda: kiosk.screen is Screen.NOTICE, timeout=WAIT_MS)
    kiosk.touch("finish")
    kiosk.advance(25)  # past the notice's own countdown: it still waits for the coin to come back
    assert kiosk.screen is Screen.NOTICE and kiosk.k.flow.session_open
    assert not kiosk.shell.executor.idle

    with qtbot.waitSignal(kiosk.shell.executor.settled, timeout=WAIT_MS):
        panel.set_slow("cash", 0)  # the answer that was held back arrives
    qtbot.waitUntil(lambda: kiosk.screen is Screen.ATTRACT, timeout=WAIT_MS)
    assert kiosk.k.cash.held() == 0 and kiosk.k.cash.counters().returned == 100
    assert kiosk.k.journal.refunds_owed() == []


def test_disk_full_then_a_coin_takes_the_kiosk_out_of_service_and_gives_it_back(demo, qtbot):
    kiosk, panel = demo
    kiosk.to_payment()
    press(kiosk, panel, "demo_fault_disk_full")
    assert "ディスク満杯" in panel.active.text()
    kiosk.insert(100)
    qtbot.waitUntil(lambda: kiosk.screen is Screen.NOTICE, timeout=WAIT_MS)
    kiosk.settle()
    assert any(r.startswith("journal:") for r in kiosk.view.out_of_service_reasons)
    assert kiosk.k.cash.held() == 0 and kiosk.k.cash.counters().returned == 100
    kiosk.touch("finish")
    kiosk.wait_for(Screen.OUT_OF_SERVICE)

    press(kiosk, panel, "demo_fault_disk_ok")
    kiosk.shell.set_in_service(True)  # the operator has looked at it
    kiosk.advance(1)
    kiosk.wait_for(Screen.ATTRACT)


def test_unreadable_seal_key_takes_the_idle_kiosk_out_of_service(demo, qtbot):
    kiosk, panel = demo
    interval = kiosk.shell.config.timings.health_interval
    [key] = DemoPkiLayout(kiosk.shell.config.data_dir).seal_private_keys("990001")
    press(kiosk, panel, "demo_fault_seal_key_aside")
    assert not key.exists() and key.with_name(key.name + ASIDE).exists()
    qtbot.waitUntil(lambda: "公印鍵なし" in panel.active.text(), timeout=WAIT_MS)
    kiosk.advance(interval)  # the idle health check runs on ticks
    kiosk.wait_for(Screen.OUT_OF_SERVICE)
    assert any(r.startswith("renderer:") for r in kiosk.view.out_of_service_reasons)

    press(kiosk, panel, "demo_fault_seal_key_back")
    assert key.exists()
    kiosk.advance(interval)
    kiosk.wait_for(Screen.ATTRACT)


def test_printer_link_error_ends_in_a_refund_owed_not_a_stuck_kiosk(demo, qtbot):
    kiosk, panel = demo
    kiosk.to_payment()
    press(kiosk, panel, "demo_fault_printer_link")
    kiosk.insert(100, 100, 100)
    qtbot.waitUntil(lambda: kiosk.screen in (Screen.DONE, Screen.NOTICE), timeout=WAIT_MS)
    kiosk.settle()
    assert kiosk.view.notice.code is NoticeCode.PRINT_FAILED and kiosk.view.refund_owed == 300
    assert kiosk.shell.executor.escaped == 0  # the EffectRunner answered it: a device fault, not a bug
    kiosk.advance(25)
    assert kiosk.screen is Screen.DONE  # the refund's reference stays until someone touches 終了
    kiosk.touch("finish")
    kiosk.wait_for(Screen.ATTRACT)


def test_cash_link_error_on_the_return_is_settled_by_asking_the_unit(demo, qtbot):
    kiosk, panel = demo
    kiosk.to_payment()
    kiosk.insert(100)
    qtbot.waitUntil(lambda: kiosk.view.paid == 100, timeout=WAIT_MS)
    press(kiosk, panel, "demo_fault_cash_link")  # the return does its work, then its call raises
    kiosk.touch("cancel")
    kiosk.touch("cancel_yes")
    kiosk.wait_for(Screen.NOTICE)
    kiosk.touch("finish")
    kiosk.wait_for(Screen.ATTRACT)
    assert kiosk.k.cash.counters().returned == 100
    assert kiosk.k.journal.refunds_owed() == []


def test_the_panel_speaks_the_kiosks_language_and_shows_the_card_on_the_reader(demo, qtbot):
    kiosk, panel = demo
    set_card = panel.findChild(QPushButton, "demo_set_card")
    assert set_card.text() == "カードを置く"
    kiosk.touch("language")
    kiosk.touch("language_en")
    qtbot.waitUntil(lambda: set_card.text() == "Set card", timeout=WAIT_MS)
    assert panel.findChild(QPushButton, "demo_insert_1000").text() == "¥1,000"
    other = panel.card_choice.itemText(panel.card_choice.count() - 1)
    panel.set_card(other)  # as the autopilot does
    assert panel.card_choice.currentText() == other


def test_injected_print_fault_is_the_dropped_link_for_two_sided_jobs_too(tmp_path):
    """Certificates go two-sided: the injected fault must raise as the link, not as a bad call."""
    printer = FolderPrinter(tmp_path)
    fail_next_submit(printer)
    with pytest.raises(PrinterLinkDown):
        printer.submit(b"%PDF-1.4", "job", two_sided=True)
    assert printer.submit(b"%PDF-1.4", "job", two_sided=True)  # one shot: the adapter's own method is back
