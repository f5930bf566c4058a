"""What the session flow asks of devices and the center, and how each request is carried out.

The flow returns effects as plain data; a runtime runs them (inline when headless, on worker
threads under Qt) and posts the resulting event back. ``family`` names the device whose I/O
an effect does, so a threaded runtime can keep one worker per device family.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Callable, Union

from kiosk.documents import CertificateDocument, Receipt
from kiosk.events import (
    CardAuthenticated, CardProbed, CashOutcomeAsked, CashReturned, CashStacked, ChangeDispensed, DocumentsIssued,
    Event, HealthChecked, OffersLoaded, PrintJobsCancelled, PrintJobSubmitted, PrintJobsPolled, RequestFailed,
)
from kiosk.order import OrderLine
from kiosk.pin import Pin
from kiosk.ports.card import CardReader, Signed
from kiosk.ports.cash import CashUnit, OutcomeUnknown
from kiosk.ports.center import DocumentOutcome, Identity, IssuanceCenter
from kiosk.ports.printer import Printer
from kiosk.ports.renderer import Renderer
from kiosk.clock import Clock
from kiosk.crashpoints import crashpoint

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProbeCard:
    session_id: str
    request_id: str
    family = "card"


@dataclass(frozen=True)
class AuthenticateCard:
    session_id: str
    request_id: str
    pin: Pin
    certificate_der: bytes | None  # None for phones: they hand it over after VERIFY
    family = "card"


@dataclass(frozen=True)
class LoadOffers:
    session_id: str
    request_id: str
    identity: Identity
    municipality_code: str
    family = "center"


@dataclass(frozen=True)
class IssueDocuments:
    """Check that the kiosk can deliver (health before money), then have the center issue."""

    session_id: str
    request_id: str
    identity: Identity
    lines: tuple[OrderLine, ...]
    family = "center"


@dataclass(frozen=True)
class EndCenterSession:
    identity: Identity
    family = "center"


@dataclass(frozen=True)
class ReportOutcomes:
    """What became of each issued document, for the center's 交付記録 (no answer is waited for)."""

    session_id: str
    outcomes: tuple[tuple[str, DocumentOutcome], ...]  # (発行番号, outcome)
    family = "center"


@dataclass(frozen=True)
class CheckHealth:
    """Everything a paid session needs: printer, renderer and seal key, journal, cash unit."""

    family = "health"


@dataclass(frozen=True)
class EnableCash:
    amount_due: int
    family = "cash"


@dataclass(frozen=True)
class DisableCash:
    family = "cash"


@dataclass(frozen=True)
class StackCash:
    session_id: str
    request_id: str  # also the unit's reference for this operation
    family = "cash"


@dataclass(frozen=True)
class ReturnCash:
    session_id: str
    request_id: str
    family = "cash"


@dataclass(frozen=True)
class DispenseChange:
    session_id: str
    request_id: str
    amount: int
    family = "cash"


@dataclass(frozen=True)
class AskCashOutcome:
    session_id: str
    request_id: str  # the operation whose answer was lost
    family = "cash"


@dataclass(frozen=True)
class PrintDocument:
    session_id: str
    request_id: str  # also the job's name in the queue, so a lost answer can be found again
    index: int
    document: CertificateDocument
    family = "printer"


@dataclass(frozen=True)
class PrintReceipt:
    session_id: str
    request_id: str
    receipt: Receipt
    family = "printer"


@dataclass(frozen=True)
class PollPrintJobs:
    session_id: str
    request_id: str
    job_ids: tuple[str, ...]
    family = "printer"


@dataclass(frozen=True)
class CancelPrintJobs:
    session_id: str
    request_id: str
    job_ids: tuple[str, ...]
    print_requests: tuple[str, ...] = ()  # submissions whose answer never came: find and cancel them too
    family = "printer"


Effect = Union[
    ProbeCard, AuthenticateCard, LoadOffers, IssueDocuments, EndCenterSession, ReportOutcomes, CheckHealth, EnableCash,
    DisableCash, StackCash, ReturnCash, DispenseChange, AskCashOutcome, PrintDocument, PrintReceipt,
    PollPrintJobs, CancelPrintJobs,
]

_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?!s)")


def count_pages(pdf: bytes) -> int:
    """Pages in a PDF we rendered ourselves (uncompressed object headers): for progress only."""
    return max(1, len(_PAGE_OBJECT.findall(pdf)))


class EffectRunner:
    """Carries out one effect against the ports; blocking, so never on the GUI thread.

    A call that raises becomes ``RequestFailed`` for its request: never a lost result.

    ``two_sided_certificates`` (the config's ``[printing] sides``, given by the composition root,
    which also has the renderer draw each front's back): certificate jobs are submitted
    two-sided, their backs on the backs of their fronts; receipts are always one-sided.
    """

    def __init__(
        self, *, card: CardReader, center: IssuanceCenter, cash: CashUnit, printer: Printer,
        renderer: Renderer, clock: Clock, readiness: Callable[[], tuple[str, ...]] = tuple,
        two_sided_certificates: bool = False,
    ) -> None:
        self._card, self._center, self._cash = card, center, cash
        self._printer, self._renderer, self._clock = printer, renderer, clock
        self._readiness = readiness
        self._two_sided = two_sided_certificates

    def run(self, effect: Effect) -> Event | None:
        name = type(effect).__name__
        handler = getattr(self, "_" + name)
        try:
            crashpoint(f"before:{name}")
            result: Event | None = handler(effect)
            crashpoint(f"after:{name}")
            return result
        except Exception as exc:  # a device or center fault is an event for the flow, never a crash
            request_id = getattr(effect, "request_id", None)
            log.warning("%s failed: %s", type(effect).__name__, type(exc).__name__)
            if request_id is None:
                return None
            session_id: str = getattr(effect, "session_id")  # every effect with a request id has one
            return RequestFailed(session_id, request_id, type(exc).__name__)

    def _ProbeCard(self, e: ProbeCard) -> Event:
        return CardProbed(e.session_id, e.request_id, self._card.probe())

    def _AuthenticateCard(self, e: AuthenticateCard) -> Event | None:
        if e.pin.wiped:  # its session ended before the card could be asked: never verify it late
            return None
        try:
            challenge = self._center.new_challenge()
        except Exception:  # a networked center may be down; the session reports it, never crashes
            e.pin.wipe()
            return CardAuthenticated(e.session_id, e.request_id, None, None)
        try:
            sign = self._card.verify_and_sign(e.pin, challenge.nonce)
        finally:
            e.pin.wipe()  # used once, whatever the card did: never kept
        if not isinstance(sign, Signed):
            return CardAuthenticated(e.session_id, e.request_id, sign, None)
        certificate = sign.certificate_der or e.certificate_der or b""
        try:
            auth = self._center.authenticate(certificate, challenge.challenge_id, sign.signature)
        except Exception:  # the card did its part; the center is what failed: the session says so
            return CardAuthenticated(e.session_id, e.request_id, sign, None)
        return CardAuthenticated(e.session_id, e.request_id, sign, auth)

    def _LoadOffers(self, e: LoadOffers) -> Event:
        offers = self._center.offers(e.identity, e.municipality_code, self._clock.now())
        return OffersLoaded(e.session_id, e.request_id, e.municipality_code, offers)

    def _IssueDocuments(self, e: IssueDocuments) -> Event:
        # Never ask for (or take money for) certificates the kiosk cannot deliver now.
        problems = self._readiness()
        if problems:
            return DocumentsIssued(e.session_id, e.request_id, None, problems)
        issued = self._center.issue(e.identity, e.session_id, e.lines, self._clock.now())
        return DocumentsIssued(e.session_id, e.request_id, issued)

    def _EndCenterSession(self, e: EndCenterSession) -> None:
        self._center.end(e.identity)

    def _ReportOutcomes(self, e: ReportOutcomes) -> None:
        for issue_number, outcome in e.outcomes:
            self._center.report(e.session_id, issue_number, outcome)

    def _CheckHealth(self, e: CheckHealth) -> Event:
        return HealthChecked(self._readiness())

    def _EnableCash(self, e: EnableCash) -> None:
        self._cash.enable(e.amount_due)

    def _DisableCash(self, e: DisableCash) -> None:
        self._cash.disable()

    def _StackCash(self, e: StackCash) -> Event:
        return CashStacked(e.session_id, e.request_id, self._cash.stack(e.request_id))

    def _ReturnCash(self, e: ReturnCash) -> Event:
        return CashReturned(e.session_id, e.request_id, self._cash.return_held(e.request_id))

    def _DispenseChange(self, e: DispenseChange) -> Event:
        return ChangeDispensed(e.session_id, e.request_id, self._cash.dispense(e.amount, e.request_id))

    def _AskCashOutcome(self, e: AskCashOutcome) -> Event:
        try:
            return CashOutcomeAsked(e.session_id, e.request_id, self._cash.outcome(e.request_id))
        except OutcomeUnknown:
            return CashOutcomeAsked(e.session_id, e.request_id, None, known=False)

    def _PrintDocument(self, e: PrintDocument) -> Event:
        return self._print(e.session_id, e.request_id, e.index, lambda: self._renderer.render(e.document),
                           self._two_sided)

    def _PrintReceipt(self, e: PrintReceipt) -> Event:
        return self._print(e.session_id, e.request_id, -1, lambda: self._renderer.render_receipt(e.receipt), False)

    def _print(self, session_id: str, request_id: str, index: int, render: Callable[[], bytes],
               two_sided: bool) -> Event:
        try:
            pdf = render()
        except Exception as exc:  # a renderer failure is a failed job, never a crash
            return PrintJobSubmitted(session_id, request_id, index, None, 0, type(exc).__name__)
        job_id = self._printer.submit(pdf, request_id, two_sided=two_sided)  # one that raises: RequestFailed
        # sheets, not faces: the resident is told how many sheets to take (a front and its back are one)
        pages = count_pages(pdf)
        return PrintJobSubmitted(session_id, request_id, index, job_id, (pages + 1) // 2 if two_sided else pages)

    def _CancelPrintJobs(self, e: CancelPrintJobs) -> Event:
        found = tuple((ref, job) for ref in e.print_requests if (job := self._printer.find_job(ref)) is not None)
        jobs = tuple(dict.fromkeys((*e.job_ids, *(job for _, job in found))))
        for job_id in jobs:
            self._printer.cancel(job_id)
        return PrintJobsCancelled(e.session_id, e.request_id, tuple((j, self._printer.job_status(j)) for j in jobs), found)

    def _PollPrintJobs(self, e: PollPrintJobs) -> Event:
        return PrintJobsPolled(e.session_id, e.request_id, tuple((j, self._printer.job_status(j)) for j in e.job_ids))
