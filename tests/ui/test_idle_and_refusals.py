"""The idle question on every screen that waits for the resident, and refusals that say why."""
from __future__ import annotations

import threading

import pytest

from kiosk.session_view import Screen


def _to(kiosk, screen: Screen) -> None:
    """Bring a fresh session to ``screen``."""
    if screen is Screen.SET_CARD:
        kiosk.touch("start")
        kiosk.wait_for(Screen.SET_CARD)
        return
    kiosk.set_card("sato-ichiro")
    kiosk.wait_for(Screen.PIN)
    if screen is Screen.PIN:
        return
    kiosk.enter_pin("4721")
    kiosk.wait_for(Screen.REMOVE_CARD)
    if screen is Screen.REMOVE_CARD:
        return
    kiosk.pull_card()
    kiosk.wait_for(Screen.KIND)
    if screen is Screen.KIND:
        return
    kiosk.touch("kind_juminhyo")
    kiosk.wait_for(Screen.ORDER)
    if screen is Screen.ORDER:
        return
    kiosk.touch("confirm")
    kiosk.wait_for(Screen.PAYMENT)
    kiosk.insert(100)
    kiosk.qtbot.waitUntil(lambda: kiosk.view.paid == 100)


@pytest.mark.parametrize("screen", [Screen.SET_CARD, Screen.PIN, Screen.REMOVE_CARD, Screen.KIND, Screen.ORDER, Screen.PAYMENT],
                         ids=lambda s: s.value)
def test_idle_question_then_timeout(kiosk, screen):
    _to(kiosk, screen)
    view = kiosk.view
    idle = kiosk.shell.window.idle
    assert not idle.isVisible()
    kiosk.advance((view.idle_warning_at - kiosk.clock.now()).total_seconds() + 1)
    assert idle.isVisible() and "続けますか" in kiosk.text()
    kiosk.touch("still_here")  # the countdown starts again
    assert not idle.isVisible() and kiosk.screen is screen
    kiosk.advance((kiosk.view.idle_deadline - kiosk.clock.now()).total_seconds() + 1)
    if screen is Screen.SET_CARD:  # nothing to clean up: straight back to the start
        kiosk.wait_for(Screen.ATTRACT)
        return
    kiosk.wait_for(Screen.NOTICE)
    assert kiosk.view.notice.code.value == "timed_out"
    if screen is Screen.PAYMENT:
        assert "100円 をお返ししました" in kiosk.text()
    if kiosk.view.card_present:
        kiosk.pull_card()
        kiosk.settle()
    kiosk.advance(21)  # the notice page counts down to the start by itself
    kiosk.wait_for(Screen.ATTRACT)


def test_done_counts_down_to_the_start(kiosk):
    _to(kiosk, Screen.PAYMENT)
    kiosk.insert(100, 100)
    kiosk.wait_for(Screen.DONE)
    assert "20秒後" in kiosk.text()
    assert not kiosk.shell.window.idle.isVisible()
    kiosk.advance(10)
    assert "10秒後" in kiosk.text()
    kiosk.advance(11)
    kiosk.wait_for(Screen.ATTRACT)


def test_refused_kind_is_shown_with_its_reason(kiosk):
    kiosk.sign_in()
    kiosk.wait_for(Screen.KIND)
    button = kiosk.button("kind_tax_hikazei")
    assert not button.isEnabled()
    # the tax status is private: someone behind the resident reads only what to do
    assert "課税されているため" not in kiosk.text() and "窓口" in kiosk.text()
    kiosk.touch("kind_details")
    assert "課税されているため非課税証明書は発行できません" in kiosk.text()


def test_resident_refused_at_the_counter_only_is_told_where_to_go(kiosk):
    kiosk.sign_in("kobayashi-aya", "5173")
    kiosk.settle()
    text = kiosk.text()
    assert "窓口で請求してください" in text


def test_two_municipalities_residence_or_honseki(kiosk):
    kiosk.sign_in("watanabe-misaki", "2580")
    kiosk.wait_for(Screen.MUNICIPALITY)
    assert "本籍地の市区町村" in kiosk.text() and "お住まいの市区町村" in kiosk.text()
    honseki = next(m for m in kiosk.view.municipalities if m.role == "honseki")
    kiosk.touch(f"municipality_{honseki.code}")
    kiosk.wait_for(Screen.KIND)
    assert {o.kind.value for o in kiosk.view.offers} >= {"koseki_zenbu", "fuhyo"}


def test_device_calls_never_run_on_the_gui_thread(kiosk):
    seen = []
    probe = kiosk.k.card.probe

    def spying_probe():
        seen.append(threading.current_thread() is threading.main_thread())
        return probe()

    kiosk.k.card.probe = spying_probe
    kiosk.set_card("sato-ichiro")
    kiosk.wait_for(Screen.PIN)
    assert seen == [False]


@pytest.mark.parametrize("size", [(1280, 1024), (1920, 1080), (1080, 1920)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_button_is_a_touch_target_at_each_panel_size(make_kiosk, size):
    from PySide6.QtWidgets import QPushButton

    kiosk = make_kiosk(size=size)
    assert kiosk.shell.window.size().width() == size[0]
    kiosk.sign_in()
    kiosk.wait_for(Screen.KIND)
    kiosk.touch("kind_juminhyo")
    kiosk.wait_for(Screen.ORDER)
    kiosk.text()
    small = [(b.objectName(), b.width(), b.height()) for b in kiosk.shell.window.findChildren(QPushButton)
             if b.isVisible() and min(b.width(), b.height()) < 80]
    assert not small
