"""A read-only picture of the session for the screens (and the scenario runner)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from kiosk.notices import Notice
from kiosk.order import Order, OrderLine
from kiosk.ports.center import KindOffer, MunicipalityChoice


class Screen(Enum):
    ATTRACT = "attract"
    SET_CARD = "set_card"
    READING_CARD = "reading_card"
    PIN = "pin"
    AUTHENTICATING = "authenticating"
    REMOVE_CARD = "remove_card"
    MUNICIPALITY = "municipality"
    KIND = "kind"
    ORDER = "order"
    ISSUING = "issuing"
    PAYMENT = "payment"
    TAKING_PAYMENT = "taking_payment"  # the unit stacks the money; change and printing follow
    PRINTING = "printing"
    DONE = "done"
    NOTICE = "notice"  # refusals, errors, cancel: says why and what to do; then the card must go
    OUT_OF_SERVICE = "out_of_service"


@dataclass(frozen=True)
class SessionView:
    screen: Screen
    session_id: str | None = None
    card_present: bool = False
    tries_left: int | None = None
    wrong_pin: bool = False  # the last PIN was wrong: say so on the PIN screen
    municipalities: tuple[MunicipalityChoice, ...] = ()
    municipality_code: str | None = None
    offers: tuple[KindOffer, ...] = ()
    draft: OrderLine | None = None
    order: Order = Order()
    due: int = 0
    paid: int = 0
    change: int = 0
    last_cash_rejected: str | None = None
    sheets_total: int = 0
    sheets_done: int = 0
    notice: Notice | None = None  # also on DONE: e.g. a refund owed for a failed print
    refund_owed: int = 0
    refund_references: tuple[str, ...] = ()  # what the resident quotes to the staff
    idle_warning_at: datetime | None = None  # show 「続けますか?」 from here
    idle_deadline: datetime | None = None
    closed_reason: str | None = None  # attract: why the service is closed now
    out_of_service_reasons: tuple[str, ...] = ()  # for the operator: why no new session starts
