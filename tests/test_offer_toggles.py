"""The core decides which 住民票 items a resident may switch; the order screen only shows them."""
import pytest

from kiosk import events as ev
from app.bootstrap import build_kiosk
from kiosk.clock import ManualClock
from kiosk.kinds import CertificateKind
from kiosk.pin import Pin
from app.provision import DEMO_REFERENCE_TIME


@pytest.mark.parametrize("card, pin, toggles", [
    ("sato-ichiro", "4721", ("household_head_and_relationship", "honseki_and_hittousha", "my_number")),
    ("silva-rafael", "6640", ("household_head_and_relationship", "my_number", "foreign_items")),  # no 本籍
])
def test_juminhyo_toggles_follow_nationality_and_municipality(kiosk_config, card, pin, toggles):
    kiosk = build_kiosk(kiosk_config, clock=ManualClock(DEMO_REFERENCE_TIME))
    try:
        kiosk.start()
        kiosk.card.insert(card)
        kiosk.runtime.post(ev.PinEntered(Pin(pin)))
        kiosk.card.remove()
        offers = {o.kind: o for o in kiosk.flow.view().offers}
        assert offers[CertificateKind.JUMINHYO].toggles == toggles
        assert offers.get(CertificateKind.INKAN) is None or offers[CertificateKind.INKAN].toggles == ()
    finally:
        kiosk.close()
