"""The six steps the header shows (カード → 暗証番号 → 証明書の選択 → 確認 → お支払い → 印刷), and
which one each screen belongs to. Screens outside a session (the start, closed, out of service,
a notice that ended it) show no step."""
from __future__ import annotations

from enum import Enum
from typing import assert_never

from kiosk.session_view import Screen


class Step(Enum):
    CARD = "card"
    PIN = "pin"
    CHOOSE = "choose"
    CONFIRM = "confirm"
    PAY = "pay"
    PRINT = "print"


STEPS = tuple(Step)


def step_of(screen: Screen) -> Step | None:
    match screen:
        case Screen.SET_CARD | Screen.READING_CARD:
            return Step.CARD
        case Screen.PIN | Screen.AUTHENTICATING:
            return Step.PIN
        case Screen.REMOVE_CARD | Screen.MUNICIPALITY | Screen.KIND:
            return Step.CHOOSE
        case Screen.ORDER | Screen.ISSUING:
            return Step.CONFIRM
        case Screen.PAYMENT | Screen.TAKING_PAYMENT:
            return Step.PAY
        case Screen.PRINTING | Screen.DONE:
            return Step.PRINT
        case Screen.ATTRACT | Screen.NOTICE | Screen.OUT_OF_SERVICE:
            return None
        case _:
            assert_never(screen)
