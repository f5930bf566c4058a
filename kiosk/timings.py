"""How long the kiosk waits on each screen before it gives up (seconds)."""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.session_view import Screen


@dataclass(frozen=True)
class FlowTimings:
    # konbini.md §11: the real timeout is not public; these follow common kiosk practice and
    # leave a slow reader enough time. The idle warning (「続けますか?」) shows this long before.
    idle_warning: float = 15
    set_card: float = 60
    pin: float = 60
    choose: float = 90  # municipality, kind, order
    payment: float = 120
    device: float = 30  # reading the card, authenticating, issuing
    remove_card: float = 60
    notice: float = 20
    done: float = 20
    print_timeout: float = 300
    print_poll: float = 0.5

    def idle_for(self, screen: Screen) -> float | None:
        return {
            Screen.SET_CARD: self.set_card,
            Screen.READING_CARD: self.device,
            Screen.PIN: self.pin,
            Screen.AUTHENTICATING: self.device,
            Screen.REMOVE_CARD: self.remove_card,
            Screen.MUNICIPALITY: self.choose,
            Screen.KIND: self.choose,
            Screen.ORDER: self.choose,
            Screen.ISSUING: self.device,
            Screen.PAYMENT: self.payment,
            Screen.NOTICE: self.notice,
            Screen.DONE: self.done,
        }.get(screen)
