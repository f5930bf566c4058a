"""Whole sessions through the Qt kiosk: touches on its buttons, cards and coins on the simulated devices."""
from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtWidgets import QPushButton

from kiosk.clock import JST
from kiosk.journal.events import EventType
from kiosk.kinds import CertificateKind
from kiosk.ports.printer import PrinterState
from kiosk.session_view import Screen

# Which demo card can get which kind (cards.toml): everything from sato-ichiro, but he is taxed.
_CARD_FOR = {kind: ("sato-ichiro", "4721") for kind in CertificateKind}
_CARD_FOR[CertificateKind.TAX_HIKAZEI] = ("sato-hanako", "3850")


def _printed(k) -> int:
    return sum(1 for e in k.journal.events() if e.type is EventType.PRINT_COMPLETED)


@pytest.mark.parametrize("kind", list(CertificateKind), ids=lambda k: k.value)
def test_happy_path_of_each_kind(kiosk, kind):
    card, pin = _CARD_FOR[kind]
    kiosk.sign_in(card, pin)
    kiosk.wait_for(Screen.KIND)
    kiosk.touch(f"kind_{kind.value}")
    kiosk.wait_for(Screen.ORDER)
    kiosk.touch("confirm")
    kiosk.wait_for(Screen.PAYMENT)
    kiosk.insert(1000)
    kiosk.wait_for(Screen.DONE)
    assert _printed(kiosk.k) == 1
    assert "おつり" in kiosk.text()
    kiosk.advance(25)
    kiosk.wait_for(Screen.ATTRACT)


def test_touches_for_one_juminhyo_from_attract_to_printed_page(kiosk):
    """住民票の写し, 本人, one copy: no more than 7 touches, PIN digits included."""
    kiosk.set_card("sato-ichiro")  # setting the card on the attract screen starts the session
    kiosk.wait_for(Screen.PIN)
    kiosk.enter_pin("4721")
    kiosk.wait_for(Screen.REMOVE_CARD)
    kiosk.pull_card()
    kiosk.wait_for(Screen.KIND)
    kiosk.touch("kind_juminhyo")
    kiosk.wait_for(Screen.ORDER)
    kiosk.touch("confirm")
    kiosk.wait_for(Screen.PAYMENT)
    kiosk.insert(100, 100, 100)
    kiosk.wait_for(Screen.DONE)
    assert _printed(kiosk.k) == 1
    assert kiosk.touches <= 7, f"{kiosk.touches} touches"


def test_wrong_pin_warns_then_locks_and_says_where_to_unlock(kiosk):
    kiosk.set_card("sato-ichiro")
    kiosk.wait_for(Screen.PIN)
    assert "ロック" not in kiosk.text()  # three tries left: no warning yet
    kiosk.enter_pin("0000")
    kiosk.wait_for(Screen.PIN)
    assert "暗証番号が違います" in kiosk.text()
    assert "あと2回" in kiosk.text()
    kiosk.enter_pin("1111")
    kiosk.wait_for(Screen.PIN)
    assert "あと1回" in kiosk.text()
    kiosk.enter_pin("2222")
    kiosk.wait_for(Screen.NOTICE)
    assert kiosk.view.notice.code.value == "pin_blocked"
    assert "市区町村の窓口で暗証番号の初期化" in kiosk.text()
    assert "カードをお取りください" in kiosk.text()
    kiosk.pull_card()
    kiosk.settle()
    kiosk.touch("finish")
    kiosk.wait_for(Screen.ATTRACT)


def test_pin_pad_ok_only_with_four_digits_and_keys_correct_and_clear(kiosk):
    kiosk.set_card("sato-ichiro")
    kiosk.wait_for(Screen.PIN)
    page = kiosk.shell.window.pages[Screen.PIN]
    for digit in "472":
        kiosk.touch(f"pin_key_{digit}")
    assert page.dots.filled == 3 and not kiosk.button("pin_ok").isEnabled()
    kiosk.touch("pin_back")
    assert page.dots.filled == 2
    kiosk.touch("pin_clear")
    assert page.dots.filled == 0
    for digit in "4721":
        kiosk.touch(f"pin_key_{digit}")
    assert kiosk.button("pin_ok").isEnabled()
    assert "4721" not in kiosk.text()  # dots only, never the digits
    kiosk.touch("pin_ok")
    kiosk.wait_for(Screen.REMOVE_CARD)


@pytest.mark.parametrize("where", ["pin", "while_signing", "remove_card"])
def test_card_pulled_at_each_step(kiosk, where):
    kiosk.set_card("sato-ichiro")
    kiosk.wait_for(Screen.PIN)
    if where == "pin":
        kiosk.pull_card()
    elif where == "while_signing":
        kiosk.on_device("card", kiosk.k.card.pull_during_next_sign)
        kiosk.enter_pin("4721")
    else:
        kiosk.enter_pin("4721")
        kiosk.wait_for(Screen.REMOVE_CARD)
        kiosk.pull_card()
        kiosk.wait_for(Screen.KIND)  # here taking the card is what the kiosk asked for
        return
    kiosk.wait_for(Screen.NOTICE)
    assert kiosk.view.notice.code.value == "card_pulled"
    assert "もう一度はじめから" in kiosk.text()
    kiosk.touch("finish")
    kiosk.wait_for(Screen.ATTRACT)


def test_card_set_again_after_removal_is_ignored_until_the_end(kiosk):
    kiosk.sign_in()
    kiosk.wait_for(Screen.KIND)
    kiosk.set_card("sato-ichiro")
    kiosk.settle()
    assert kiosk.screen is Screen.KIND


def test_cancel_with_cash_inserted_returns_it(kiosk):
    kiosk.to_payment("inkan")
    kiosk.insert(100, 100)
    kiosk.qtbot.waitUntil(lambda: kiosk.view.paid == 200)
    assert "200円" in kiosk.text()
    kiosk.touch("cancel")  # 中止 asks first, on the same screen
    assert kiosk.screen is Screen.PAYMENT and "入れたお金はお返しします" in kiosk.text()
    kiosk.touch("cancel_yes")
    kiosk.wait_for(Screen.NOTICE)
    assert kiosk.view.notice.code.value == "cash_returned"
    assert "200円 をお返ししました" in kiosk.text()
    returned = sum(e.amount for e in kiosk.k.journal.events() if e.type is EventType.CASH_RETURNED)
    assert returned == 200 and not kiosk.k.journal.refunds_owed()


def test_printer_failure_after_payment_shows_the_refund_to_resident_and_operator(kiosk):
    kiosk.to_payment("juminhyo")
    kiosk.on_device("printer", lambda: kiosk.k.printer.set_fault(PrinterState.MEDIA_EMPTY))
    kiosk.insert(500)
    kiosk.wait_for(Screen.DONE)
    assert kiosk.view.refund_owed == 300
    text = kiosk.text()
    [reference] = kiosk.view.refund_references
    assert "印刷に失敗" in text and "300円 を返金" in text and f"返金番号 {reference}" in text
    assert "印刷できなかった証明書: 住民票の写し" in text and "ありがとう" not in text
    kiosk.advance(120)
    assert kiosk.screen is Screen.DONE and f"返金番号 {reference}" in kiosk.text()  # stays until touched
    kiosk.touch("finish")
    kiosk.advance(0.5)  # the next health check finds the printer out of paper
    kiosk.wait_for(Screen.OUT_OF_SERVICE)  # health before money: no paper, no new session
    operator = _sign_in_operator(kiosk)
    assert "返金が必要な金額: 300円" in kiosk.text()
    assert operator.signed_in


def _sign_in_operator(kiosk, code: str = "135790"):
    kiosk.shell.window.open_operator()
    for digit in code:
        kiosk.touch(f"pin_key_{digit}")
    kiosk.touch("pin_ok")
    return kiosk.shell.window.operator


def test_operator_takes_the_kiosk_out_of_service_and_back(kiosk):
    operator = _sign_in_operator(kiosk, "000000")
    assert not operator.signed_in and "コードが違います" in kiosk.text()
    operator = _sign_in_operator(kiosk)
    assert operator.signed_in
    kiosk.qtbot.waitUntil(lambda: "カードリーダー: 正常" in kiosk.text())
    kiosk.touch("operator_service")
    assert kiosk.screen is Screen.OUT_OF_SERVICE
    kiosk.touch("operator_sign_out")
    assert "休止中" in kiosk.text()
    kiosk.set_card("sato-ichiro")
    kiosk.settle()
    assert kiosk.screen is Screen.OUT_OF_SERVICE  # no session while out of service
    _sign_in_operator(kiosk)
    kiosk.touch("operator_service")
    kiosk.touch("operator_sign_out")
    assert kiosk.screen is Screen.OUT_OF_SERVICE  # back only once a fresh health check says so
    kiosk.advance(0.5)
    kiosk.wait_for(Screen.ATTRACT)


def test_operator_resumes_a_paused_print_queue(kiosk):
    kiosk.on_device("printer", lambda: kiosk.k.printer.set_fault(PrinterState.PAUSED))
    operator = _sign_in_operator(kiosk)
    kiosk.qtbot.waitUntil(lambda: "プリンター: 一時停止" in kiosk.text())
    kiosk.touch("operator_resume")
    kiosk.qtbot.waitUntil(lambda: "プリンター: 待機中" in kiosk.text())
    assert operator.signed_in


@pytest.mark.parametrize("when, reason", [
    (datetime(2026, 11, 25, 23, 30, tzinfo=JST), "outside_hours"),
    (datetime(2026, 12, 30, 10, 0, tzinfo=JST), "year_end"),
])
def test_closed_hours(make_kiosk, when, reason):
    kiosk = make_kiosk(start=when)
    assert kiosk.view.closed_reason == reason
    start = kiosk.shell.window.findChildren(QPushButton, "start")
    assert not any(b.isVisible() for b in start)  # no dead はじめる on a closed kiosk
    assert "から利用できます" in kiosk.text()  # and it says when it opens again
    assert {"outside_hours": "ご利用時間外", "year_end": "年末年始"}[reason] in kiosk.text()
    kiosk.set_card("sato-ichiro")
    kiosk.settle()
    assert kiosk.screen is Screen.ATTRACT


def test_language_switch_mid_flow_keeps_the_order(kiosk):
    kiosk.to_order()
    kiosk.touch("language")
    kiosk.touch("language_en")
    text = kiosk.text()
    assert "Check your application" in text and "Copy of residence record" in text and "¥300" in text
    assert "申請内容" not in text
    kiosk.touch("confirm")
    kiosk.wait_for(Screen.PAYMENT)
    assert "Please insert money" in kiosk.text()
    kiosk.insert(500)
    kiosk.wait_for(Screen.DONE)
    assert "Change: ¥200" in kiosk.text()
    kiosk.advance(25)
    kiosk.wait_for(Screen.ATTRACT)
    assert kiosk.shell.tr.language == "ja"  # the next resident starts in Japanese


def test_order_details_change_copies_members_and_add_another_kind(kiosk):
    kiosk.to_order()
    kiosk.touch("copies_more")
    assert kiosk.view.draft.copies == 2
    kiosk.touch("member_1")  # a household member besides 本人
    assert len(kiosk.view.draft.options.members) == 2
    kiosk.touch("option_honseki_and_hittousha")
    assert kiosk.view.draft.options.honseki_and_hittousha
    kiosk.touch("add_kind")
    kiosk.wait_for(Screen.KIND)
    assert "申請中" in kiosk.text()
    kiosk.touch("kind_inkan")
    kiosk.wait_for(Screen.ORDER)
    assert "合計 900円" in kiosk.text()
    kiosk.touch("confirm")
    kiosk.wait_for(Screen.PAYMENT)
    assert kiosk.view.due == 900
