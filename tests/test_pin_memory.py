"""From the key presses to the card the PIN lies only in bytearrays, and after a session with two
wrong PINs and a right one no PIN is left in the process: not in a live object, and not in
memory freed but not yet overwritten (/proc/self/mem).

A real session through the composition root: the simulated reader sends every APDU to the card
emulator, the flow journals what it does. The PINs are typed as the PIN pad keeps them (one
bytearray, wiped after OK). They are chosen from a few unlikely values, each checked absent from
memory after a warm-up session and before it is used, so a hit is a copy the kiosk made, not a
number that happens to be there. The card (emulated in this process) holds the right PIN as its
reference data, so for that one only the forms the kiosk would make count (tests/memory_scan.py).

A copy freed at once is soon overwritten, so looking only afterwards can miss it; hence also,
from ``Pin(...)`` until the VERIFY reaches the card, every line run has its local variables
checked, and when the VERIFY arrives every object is. Reports name the form and the holder,
never the digits.
"""
from __future__ import annotations

import sys

import pytest

from kiosk import events as ev
from app.bootstrap import build_kiosk
from kiosk.clock import ManualClock
from kiosk.pin import PIN_LENGTH, Pin, wipe_buffer
from app.provision import DEMO_REFERENCE_TIME
from kiosk.session_view import Screen
from memory_scan import KeysToCard, SecretScan, give_card_pin, pin_forms, session_forms, unused_pins

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/maps and /proc/self/mem")

CARD = "sato-ichiro"
WARM_UP_PIN = (4, 7, 2, 1)  # the demo card's own PIN, before the test gives it another


def type_pin(kiosk, digits, watch: KeysToCard | None = None, pin_scan: SecretScan | None = None) -> None:
    """As the PIN pad does it: one bytearray of the final size, handed to a Pin, then wiped."""
    pad = bytearray(PIN_LENGTH)
    for i, d in enumerate(digits):
        pad[i] = 0x30 + d
    if watch is not None:
        watch.track(pin_scan)
    try:
        pin = Pin(pad)
        wipe_buffer(pad)
        kiosk.runtime.post(ev.PinEntered(pin))
    finally:
        if watch is not None:
            watch.stop()


def session(kiosk, pins, watch: KeysToCard | None = None, pin_scans=()) -> None:
    """Set the card, type ``pins`` (only the last one right), take the card, cancel, finish."""
    kiosk.card.insert(CARD)
    for n, digits in enumerate(pins):
        assert kiosk.flow.screen is Screen.PIN
        type_pin(kiosk, digits, watch, pin_scans[n] if watch else None)
    assert kiosk.flow.screen is Screen.REMOVE_CARD
    kiosk.card.remove()
    assert kiosk.flow.screen is not Screen.PIN
    kiosk.runtime.post(ev.CancelTouched())
    kiosk.runtime.post(ev.FinishTouched())
    assert kiosk.flow.screen is Screen.ATTRACT and not kiosk.flow.session_open


def report(what: str, hits: list[str]) -> str:
    return f"{what}:\n  " + "\n  ".join(hits)


def test_no_pin_is_copied_on_its_way_nor_left_after_two_wrong_pins_and_a_right_one(kiosk_config, monkeypatch):
    kiosk = build_kiosk(kiosk_config, clock=ManualClock(DEMO_REFERENCE_TIME))
    try:
        kiosk.start()
        session(kiosk, [WARM_UP_PIN])  # every module loaded, every cache filled: a quiet baseline
        chosen = unused_pins(3)
        assert chosen, "every candidate PIN is already somewhere in memory: add other candidates"
        first_wrong, second_wrong, right = chosen
        give_card_pin(kiosk_config.data_dir / "cards", CARD, right)
        pins = [first_wrong, second_wrong, right]

        with SecretScan(session_forms(*pins)) as every_pin, \
                SecretScan(pin_forms("first wrong PIN", first_wrong)) as first, \
                SecretScan(pin_forms("second wrong PIN", second_wrong)) as second, \
                SecretScan(pin_forms("right PIN", right, card_side_known=True)) as last:
            watch = KeysToCard(monkeypatch, every_pin)
            session(kiosk, pins, watch, [first, second, last])
            monkeypatch.undo()
            # the kiosk is still up, so live references count too
            in_memory = every_pin.memory()  # first: the object scan churns the heap it would look at
            in_objects = every_pin.objects()
        on_the_way = sorted(set(watch.found))
        assert not on_the_way, report("PIN digits in str or bytes on the way from the keys to the card", on_the_way)
        assert not in_objects, report("PIN digits held by live objects after the session", in_objects)
        assert not in_memory, report("PIN digits left in memory after the session", in_memory)
    finally:
        kiosk.close()
