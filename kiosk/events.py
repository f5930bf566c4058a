"""Everything that can happen to a session: touches, device results, time.

The session flow consumes these one at a time on one thread. Device results name the
session they belong to, so a late answer for an ended session is recognised and handled.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Union

from kiosk.kinds import CertificateKind
from kiosk.order import OrderLine
from kiosk.pin import Pin
from kiosk.ports.card import CardProbe, CardFault, CardGone, SignOutcome
from kiosk.ports.cash import CashOperation, Dispensed
from kiosk.ports.center import AuthResult, IssueResult, KindOffer
from kiosk.ports.printer import JobStatus


# --- the resident's touches ---------------------------------------------------------------
@dataclass(frozen=True)
class StartTouched:
    """「行政サービス」 on the attract screen (setting the card there starts a session too)."""


@dataclass(frozen=True)
class CancelTouched:
    pass


@dataclass(frozen=True)
class StillHereTouched:
    """「続けますか?」 answered: the idle countdown starts again."""


@dataclass(frozen=True)
class PinEntered:
    pin: Pin


@dataclass(frozen=True)
class MunicipalityChosen:
    code: str


@dataclass(frozen=True)
class KindChosen:
    kind: CertificateKind


@dataclass(frozen=True)
class LineEdited:
    """The order screen changed the draft line (options, members, copies)."""

    line: OrderLine


@dataclass(frozen=True)
class AddAnotherKindTouched:
    """Keep the draft line in the order and choose one more kind."""


@dataclass(frozen=True)
class BackToOrderTouched:
    """Changed one's mind on the kind screen: back to the order as it stands."""


@dataclass(frozen=True)
class LineRemoved:
    kind: CertificateKind
    municipality_code: str


@dataclass(frozen=True)
class OrderConfirmed:
    pass


@dataclass(frozen=True)
class FinishTouched:
    """「終了」 on the done or notice screen."""


# --- devices (adapter events) -------------------------------------------------------------
@dataclass(frozen=True)
class CardWasInserted:
    pass


@dataclass(frozen=True)
class CardWasRemoved:
    pass


@dataclass(frozen=True)
class CoinOrBillCredited:
    denomination: int


@dataclass(frozen=True)
class CoinOrBillRejected:
    reason: str


@dataclass(frozen=True)
class CashUnitFailed:
    detail: str


# --- results of effects --------------------------------------------------------------------
# Each names its session and the request it answers, so that a late, repeated or unexpected
# answer is recognised: a late money answer is still journaled, a repeated one is ignored.
@dataclass(frozen=True)
class CardProbed:
    session_id: str
    request_id: str
    result: CardProbe | CardGone | CardFault


@dataclass(frozen=True)
class CardAuthenticated:
    """PIN verified, challenge signed and checked at the center (or why not)."""

    session_id: str
    request_id: str
    sign: SignOutcome | None  # None when the center could not be reached for a challenge
    auth: AuthResult | None  # None unless the card signed


@dataclass(frozen=True)
class OffersLoaded:
    session_id: str
    request_id: str
    municipality_code: str
    offers: tuple[KindOffer, ...]


@dataclass(frozen=True)
class DocumentsIssued:
    session_id: str
    request_id: str
    result: IssueResult | None  # None: the kiosk cannot deliver now, so nothing was asked of the center
    unready: tuple[str, ...] = ()  # why not (health before money)


@dataclass(frozen=True)
class CashReturned:
    session_id: str
    request_id: str
    result: Dispensed


@dataclass(frozen=True)
class CashStacked:
    session_id: str
    request_id: str
    amount: int


@dataclass(frozen=True)
class ChangeDispensed:
    session_id: str
    request_id: str
    result: Dispensed


@dataclass(frozen=True)
class CashOutcomeAsked:
    """The unit's own record of an operation whose answer was lost (its call raised)."""

    session_id: str
    request_id: str  # the operation asked about
    operation: CashOperation | None  # None: the unit never started it
    known: bool = True  # False: the unit cannot tell (decided in the resident's favour)


@dataclass(frozen=True)
class PrintJobSubmitted:
    session_id: str
    request_id: str
    document_index: int  # -1 for the receipt or a slip
    job_id: str | None  # None: rendering or submission failed
    sheets: int  # sheets of paper the job prints (a front and its back are one)
    detail: str = ""


@dataclass(frozen=True)
class PrintJobsPolled:
    session_id: str
    request_id: str
    statuses: tuple[tuple[str, JobStatus], ...]


@dataclass(frozen=True)
class PrintJobsCancelled:
    """Jobs given up on, cancelled; each with its state afterwards (a completed one did print)."""

    session_id: str
    request_id: str
    statuses: tuple[tuple[str, JobStatus], ...]
    found: tuple[tuple[str, str], ...] = ()  # (print request, job id) of submissions whose answer was lost


@dataclass(frozen=True)
class RequestFailed:
    """A device or center call raised, or its deadline passed: the flow settles what it was for."""

    session_id: str
    request_id: str
    reason: str


@dataclass(frozen=True)
class HealthChecked:
    problems: tuple[str, ...]  # empty: everything a paid session needs works


# --- time ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tick:
    now: datetime


Event = Union[
    StartTouched, CancelTouched, StillHereTouched, PinEntered, MunicipalityChosen, KindChosen,
    LineEdited, AddAnotherKindTouched, BackToOrderTouched, LineRemoved, OrderConfirmed, FinishTouched,
    CardWasInserted, CardWasRemoved, CoinOrBillCredited, CoinOrBillRejected, CashUnitFailed,
    CardProbed, CardAuthenticated, OffersLoaded, DocumentsIssued, CashReturned, CashStacked,
    ChangeDispensed, CashOutcomeAsked, PrintJobSubmitted, PrintJobsPolled, PrintJobsCancelled, RequestFailed,
    HealthChecked, Tick,
]
