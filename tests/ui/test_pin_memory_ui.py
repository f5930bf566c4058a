"""The PIN typed on the Qt kiosk's keypad: no str or bytes copy of it is made while the keys are
touched (a line trace on the GUI thread) nor exists when its VERIFY reaches the card (which the
card worker sends on its own thread), and after a session with two wrong PINs and a right one it
is nowhere in the process's memory. tests/test_pin_memory.py does the same headless."""
from __future__ import annotations

import sys

import pytest

from kiosk.session_view import Screen
from memory_scan import KeysToCard, SecretScan, give_card_pin, pin_forms, session_forms, unused_pins

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/maps and /proc/self/mem")

CARD = "sato-ichiro"
WARM_UP_PIN = (4, 7, 2, 1)  # the demo card's own PIN, before the test gives it another


def session(kiosk, pins, watch: KeysToCard | None = None, pin_scans=()) -> None:
    """Set the card, type ``pins`` on the keypad (only the last one right), take the card, cancel."""
    kiosk.set_card(CARD)
    for n, digits in enumerate(pins):
        kiosk.wait_for(Screen.PIN)
        if watch is not None:
            watch.track(pin_scans[n])
        try:
            for d in digits:
                kiosk.touch(f"pin_key_{d}")
            kiosk.touch("pin_ok")
        finally:
            if watch is not None:
                watch.stop()
    kiosk.wait_for(Screen.REMOVE_CARD)
    kiosk.pull_card()
    kiosk.settle()
    kiosk.touch("cancel")
    kiosk.touch("cancel_yes")
    kiosk.wait_for(Screen.NOTICE)
    kiosk.touch("finish")
    kiosk.wait_for(Screen.ATTRACT)


def test_no_pin_typed_on_the_keypad_is_copied_nor_left_in_memory(kiosk, kiosk_config, monkeypatch):
    session(kiosk, [WARM_UP_PIN])  # every module loaded, every cache filled: a quiet baseline
    chosen = unused_pins(3)
    assert chosen, "every candidate PIN is already somewhere in memory: add other candidates"
    give_card_pin(kiosk_config.data_dir / "cards", CARD, chosen[2])

    first_wrong, second_wrong, right = chosen
    with SecretScan(session_forms(*chosen)) as every_pin, \
            SecretScan(pin_forms("first wrong PIN", first_wrong)) as first, \
            SecretScan(pin_forms("second wrong PIN", second_wrong)) as second, \
            SecretScan(pin_forms("right PIN", right, card_side_known=True)) as last:
        watch = KeysToCard(monkeypatch, every_pin)
        session(kiosk, chosen, watch, [first, second, last])
        monkeypatch.undo()
        in_memory = every_pin.memory()  # first: the object scan churns the heap it would look at
        in_objects = every_pin.objects()
    on_the_way = sorted(set(watch.found))
    assert not on_the_way, "PIN digits in str or bytes on the way from the keys to the card:\n  " + "\n  ".join(on_the_way)
    assert not in_objects, "PIN digits held by live objects after the session:\n  " + "\n  ".join(in_objects)
    assert not in_memory, "PIN digits left in memory after the session:\n  " + "\n  ".join(in_memory)
