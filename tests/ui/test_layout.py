"""The one layout every screen shares: the step indicator, 戻る and 次へ in the footer, 中止 that asks
first, 言語 far from 中止, a keypad that never moves, controls within reach in portrait, 大きな文字."""
from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from kiosk.session_view import Screen

PORTRAIT = (1080, 1920)


def _at(kiosk, name: str) -> QPoint:
    """Where a visible button's centre is on the window."""
    button = kiosk.button(name)
    return button.mapTo(kiosk.shell.window, button.rect().center())


def _marked(kiosk) -> list[str]:
    QApplication.processEvents()
    steps = kiosk.shell.window.steps
    return [step.value for step, label in steps.labels.items() if label.property("role") == "step_now"]


def test_the_header_marks_the_step_of_each_screen(kiosk):
    assert not kiosk.shell.window.steps.isVisible()  # the start screen is before the steps
    kiosk.set_card("sato-ichiro")
    kiosk.wait_for(Screen.PIN)
    assert _marked(kiosk) == ["pin"]
    kiosk.enter_pin("4721")
    kiosk.wait_for(Screen.REMOVE_CARD)
    kiosk.pull_card()
    kiosk.wait_for(Screen.KIND)
    assert _marked(kiosk) == ["choose"]
    kiosk.touch("kind_juminhyo")
    kiosk.wait_for(Screen.ORDER)
    assert _marked(kiosk) == ["confirm"]
    assert "申請内容の確認" in kiosk.text() and "注文" not in kiosk.text()
    kiosk.touch("confirm")
    kiosk.wait_for(Screen.PAYMENT)
    assert _marked(kiosk) == ["pay"]


def test_back_goes_one_step_back_and_keeps_the_choice(kiosk):
    kiosk.to_order()
    kiosk.touch("copies_more")
    kiosk.touch("back")
    kiosk.wait_for(Screen.KIND)
    assert [l.copies for l in kiosk.view.order.lines] == [2]
    kiosk.touch("back_to_order")
    kiosk.wait_for(Screen.ORDER)
    assert kiosk.view.order.total == 600


def test_back_from_the_card_screen_is_the_start(kiosk):
    kiosk.touch("start")
    kiosk.wait_for(Screen.SET_CARD)
    kiosk.touch("back")
    kiosk.wait_for(Screen.ATTRACT)


def test_cancel_asks_on_the_same_screen_and_keeps_the_order_when_withdrawn(kiosk):
    kiosk.to_order()
    kiosk.touch("cancel")
    assert "手続きを中止しますか" in kiosk.text() and kiosk.screen is Screen.ORDER
    kiosk.touch("cancel_no")
    assert kiosk.screen is Screen.ORDER and kiosk.view.draft is not None
    assert "手続きを中止しますか" not in kiosk.text()


def test_language_and_cancel_sit_far_apart(kiosk):
    kiosk.touch("start")
    kiosk.wait_for(Screen.SET_CARD)
    a, b = _at(kiosk, "language"), _at(kiosk, "cancel")
    window = kiosk.shell.window
    assert math.dist((a.x(), a.y()), (b.x(), b.y())) > 0.5 * math.hypot(window.width(), window.height())


@pytest.mark.parametrize("size", [(1280, 1024), PORTRAIT], ids=["landscape", "portrait"])
def test_the_keypad_never_moves(make_kiosk, size):
    kiosk = make_kiosk(size=size)
    kiosk.set_card("sato-ichiro")
    kiosk.wait_for(Screen.PIN)
    keys = {name: _at(kiosk, name) for name in ("pin_key_1", "pin_ok")}
    kiosk.enter_pin("0000")  # wrong: two warnings appear
    kiosk.wait_for(Screen.PIN)
    assert "暗証番号が違います" in kiosk.text()
    warning_at = kiosk.view.idle_warning_at
    kiosk.advance((warning_at - kiosk.clock.now()).total_seconds() + 0.5)
    assert "続けますか" in kiosk.text()  # the idle question too
    assert {name: _at(kiosk, name) for name in keys} == keys


def test_in_portrait_the_controls_are_in_the_lower_part(make_kiosk):
    kiosk = make_kiosk(size=PORTRAIT)
    kiosk.set_card("sato-ichiro")
    kiosk.wait_for(Screen.PIN)
    height = kiosk.shell.window.height()
    for name in ("pin_key_1", "pin_ok", "cancel", "voice_stop", "large_text"):
        assert _at(kiosk, name).y() > height / 2, name


def test_large_text_makes_every_text_bigger_and_the_next_resident_starts_normal(kiosk):
    def body_size() -> int:
        QApplication.processEvents()
        label = next(l for l in kiosk.shell.window.pages[Screen.ATTRACT].findChildren(QLabel) if l.isVisible())
        return label.font().pixelSize()

    normal = body_size()
    kiosk.touch("large_text")
    assert body_size() >= normal * 1.2
    assert kiosk.button("large_text").isChecked()
    kiosk.touch("start")
    kiosk.wait_for(Screen.SET_CARD)
    kiosk.touch("back")
    kiosk.wait_for(Screen.ATTRACT)
    assert body_size() == normal


def test_volume_buttons_show_the_level(kiosk):
    level = kiosk.shell.voice.volume
    kiosk.touch("voice_louder")
    QApplication.processEvents()
    assert kiosk.shell.voice.volume == level + 1
    assert str(level + 1) in kiosk.shell.window.volume.text()


def test_every_footer_and_tool_button_is_a_touch_target_in_every_language(kiosk):
    kiosk.sign_in()
    kiosk.wait_for(Screen.KIND)
    for code in kiosk.shell.tr.languages:
        kiosk.shell.set_language(code)
        QApplication.processEvents()
        small = [(b.objectName(), b.width(), b.height()) for b in kiosk.shell.window.findChildren(QPushButton)
                 if b.isVisible() and min(b.width(), b.height()) < 80]
        assert not small, code
