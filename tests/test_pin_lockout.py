"""Three wrong PINs lock the card, and no fourth VERIFY is ever sent to it."""
import pytest

from kiosk import events as ev
from app.bootstrap import build_kiosk
from kiosk.clock import ManualClock
from kiosk.pin import Pin, PinFormatError
from app.provision import DEMO_REFERENCE_TIME
from kiosk.session_view import Screen

VERIFY_WITH_PIN = (bytes.fromhex("00200080"), 4)


def _verifies(log) -> int:
    return sum(1 for e in log.entries if (e.header, e.lc) == VERIFY_WITH_PIN)


def test_no_fourth_verify_after_three_wrong_pins(kiosk_config):
    kiosk = build_kiosk(kiosk_config, clock=ManualClock(DEMO_REFERENCE_TIME))
    try:
        kiosk.start()
        post = kiosk.runtime.post
        kiosk.card.insert("sato-ichiro")
        for wrong in ("0000", "1111", "2222"):
            assert kiosk.flow.screen is Screen.PIN
            post(ev.PinEntered(Pin(wrong)))
        view = kiosk.flow.view()
        assert view.screen is Screen.NOTICE and view.notice.code.value == "pin_blocked"
        post(ev.PinEntered(Pin("4721")))  # a touch on the notice screen sends nothing
        kiosk.card.remove()
        post(ev.FinishTouched())
        kiosk.card.insert("sato-ichiro")  # next session, same card: refused from the probe alone
        assert kiosk.flow.view().notice.code.value == "pin_blocked"
        assert _verifies(kiosk.card.apdu_log) == 3
    finally:
        kiosk.close()


def test_the_pin_is_wiped_once_used(kiosk_config):
    kiosk = build_kiosk(kiosk_config, clock=ManualClock(DEMO_REFERENCE_TIME))
    try:
        kiosk.start()
        kiosk.card.insert("sato-ichiro")
        pin = Pin("4721")
        kiosk.runtime.post(ev.PinEntered(pin))
        assert kiosk.flow.screen is Screen.REMOVE_CARD
        assert repr(pin) == "Pin(****)"
        assert pin.wiped
        with pytest.raises(PinFormatError):
            pin.copy_into(bytearray(4), 0)
    finally:
        kiosk.close()
