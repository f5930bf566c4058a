"""The facts of each screen, in one table that the flow, the UI, the scenario runner, the demo
autopilot and the tests all read: how long it waits, whether 中止 works there, whether it only
waits on a device, whether the card must stay on the reader, and whether it counts down itself."""
from __future__ import annotations

from dataclasses import dataclass
from typing import assert_never

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

def _facts_of(screen: Screen) -> ScreenFacts:
    # Matched exhaustively: a screen without its facts fails the type check.
    match screen:
        case Screen.ATTRACT:
            return ScreenFacts(None, cancellable=False, waits_on_device=False, card_needed=False, own_countdown=False)
        case Screen.SET_CARD:
            return ScreenFacts("set_card", cancellable=True, waits_on_device=False, card_needed=False, own_countdown=False)
        case Screen.READING_CARD | Screen.AUTHENTICATING:
            return _CARD_DEVICE
        case Screen.PIN:
            return ScreenFacts("pin", cancellable=True, waits_on_device=False, card_needed=True, own_countdown=False)
        case Screen.REMOVE_CARD:
            return ScreenFacts("remove_card", cancellable=True, waits_on_device=False, card_needed=False, own_countdown=False)
        case Screen.MUNICIPALITY | Screen.KIND | Screen.ORDER:
            return _CHOOSING
        case Screen.ISSUING:
            return _DEVICE
        case Screen.PAYMENT:
            return ScreenFacts("payment", cancellable=True, waits_on_device=False, card_needed=False, own_countdown=False)
        case Screen.TAKING_PAYMENT:
            # the cash unit is stacking the money: too late to cancel, not yet paid for
            return ScreenFacts("cash_call", cancellable=False, waits_on_device=True, card_needed=False, own_countdown=False)
        case Screen.PRINTING:
            return ScreenFacts("print_timeout", cancellable=False, waits_on_device=True, card_needed=False, own_countdown=False)
        case Screen.DONE:
            return ScreenFacts("done", cancellable=False, waits_on_device=False, card_needed=False, own_countdown=True)
        case Screen.NOTICE:
            return ScreenFacts("notice", cancellable=False, waits_on_device=False, card_needed=False, own_countdown=True)
        case Screen.OUT_OF_SERVICE:
            return ScreenFacts(None, cancellable=False, waits_on_device=False, card_needed=False, own_countdown=False)
        case _:
            assert_never(screen)


SCREEN_FACTS: dict[Screen, ScreenFacts] = {screen: _facts_of(screen) for screen in Screen}


WAITS_ON_DEVICE = frozenset(screen for screen, f in SCREEN_FACTS.items() if f.waits_on_device)


def facts(screen: Screen) -> ScreenFacts:
    return SCREEN_FACTS[screen]
