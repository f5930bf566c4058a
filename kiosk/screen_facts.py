"""The facts of each screen, in one table that the flow, the UI, the scenario runner, the demo
autopilot and the tests all read: how long it waits, whether 中止 works there, whether it only
waits on a device, whether the card must stay on the reader, and whether it counts down itself."""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.session_view import Screen


@dataclass(frozen=True)
class ScreenFacts:
    timeout: str | None  # the FlowTimings field that says how long the screen waits; None: for ever
    cancellable: bool  # 中止 means something to the flow here
    waits_on_device: bool  # nothing for the resident to do: the timeout runs from entering the screen
    card_needed: bool  # pulling the card here ends the session
    own_countdown: bool  # the page shows its own countdown, so 「続けますか?」 would only repeat it

    @property
    def asks_still_here(self) -> bool:
        return self.timeout is not None and not self.waits_on_device and not self.own_countdown


_CHOOSING = ScreenFacts("choose", cancellable=True, waits_on_device=False, card_needed=False, own_countdown=False)
_DEVICE = ScreenFacts("device", cancellable=True, waits_on_device=True, card_needed=False, own_countdown=False)
_CARD_DEVICE = ScreenFacts("device", cancellable=True, waits_on_device=True, card_needed=True, own_countdown=False)

SCREEN_FACTS: dict[Screen, ScreenFacts] = {
    Screen.ATTRACT: ScreenFacts(None, cancellable=False, waits_on_device=False, card_needed=False, own_countdown=False),
    Screen.SET_CARD: ScreenFacts("set_card", cancellable=True, waits_on_device=False, card_needed=False, own_countdown=False),
    Screen.READING_CARD: _CARD_DEVICE,
    Screen.PIN: ScreenFacts("pin", cancellable=True, waits_on_device=False, card_needed=True, own_countdown=False),
    Screen.AUTHENTICATING: _CARD_DEVICE,
    Screen.REMOVE_CARD: ScreenFacts("remove_card", cancellable=True, waits_on_device=False, card_needed=False, own_countdown=False),
    Screen.MUNICIPALITY: _CHOOSING,
    Screen.KIND: _CHOOSING,
    Screen.ORDER: _CHOOSING,
    Screen.ISSUING: _DEVICE,
    Screen.PAYMENT: ScreenFacts("payment", cancellable=True, waits_on_device=False, card_needed=False, own_countdown=False),
    # the cash unit is stacking the money: too late to cancel, not yet paid for
    Screen.TAKING_PAYMENT: ScreenFacts("cash_call", cancellable=False, waits_on_device=True, card_needed=False, own_countdown=False),
    Screen.PRINTING: ScreenFacts("print_timeout", cancellable=False, waits_on_device=True, card_needed=False, own_countdown=False),
    Screen.DONE: ScreenFacts("done", cancellable=False, waits_on_device=False, card_needed=False, own_countdown=True),
    Screen.NOTICE: ScreenFacts("notice", cancellable=False, waits_on_device=False, card_needed=False, own_countdown=True),
    Screen.OUT_OF_SERVICE: ScreenFacts(None, cancellable=False, waits_on_device=False, card_needed=False, own_countdown=False),
}


WAITS_ON_DEVICE = frozenset(screen for screen, f in SCREEN_FACTS.items() if f.waits_on_device)


def facts(screen: Screen) -> ScreenFacts:
    return SCREEN_FACTS[screen]
