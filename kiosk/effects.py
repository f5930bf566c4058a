"""What the session flow asks of devices and the center, and how each request is carried out.

The flow returns effects as plain data; a runtime runs them (inline when headless, on worker
threads under Qt) and posts the resulting event back. ``family`` names the device whose I/O
an effect does, so a threaded runtime can keep one worker per device family.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

from kiosk.documents import CertificateDocument, Receipt
from kiosk.events import (
    CardAuthenticated, CardProbed, CashReturned, CashStacked, ChangeDispensed, DocumentsIssued,
    Event, OffersLoaded, PrintJobSubmitted, PrintJobsPolled,
)
from kiosk.order import OrderLine
from kiosk.pin import Pin
from kiosk.ports.card import CardReader, Signed
from kiosk.ports.cash import CashUnit
from kiosk.ports.center import Identity, IssuanceCenter
from kiosk.ports.printer import Printer
from kiosk.ports.renderer import Renderer
from kiosk.clock import Clock


@dataclass(frozen=True)
class ProbeCard:
    session_id: str
    family = "card"


@dataclass(frozen=True)
class AuthenticateCard:
    session_id: str
    pin: Pin
    certificate_der: bytes | None  # None for phones: they hand it over after VERIFY
    family = "card"


@dataclass(frozen=True)
class LoadOffers:
    session_id: str
    identity: Identity
    municipality_code: str
    family = "center"


@dataclass(frozen=True)
class IssueDocuments:
    session_id: str
    identity: Identity
    lines: tuple[OrderLine, ...]
    family = "center"


@dataclass(frozen=True)
class EndCenterSession:
    identity: Identity
    family = "center"


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
    family = "cash"


@dataclass(frozen=True)
class ReturnCash:
    session_id: str
    family = "cash"


@dataclass(frozen=True)
class DispenseChange:
    session_id: str
    amount: int
    family = "cash"


@dataclass(frozen=True)
class PrintDocument:
    session_id: str
    index: int
    document: CertificateDocument
    family = "printer"


@dataclass(frozen=True)
class PrintReceipt:
    session_id: str
    receipt: Receipt
    family = "printer"


@dataclass(frozen=True)
class PollPrintJobs:
    session_id: str
    job_ids: tuple[str, ...]
    family = "printer"


@dataclass(frozen=True)
class CancelPrintJobs:
    session_id: str
    job_ids: tuple[str, ...]
    family = "printer"


Effect = Union[
    ProbeCard, AuthenticateCard, LoadOffers, IssueDocuments, EndCenterSession, EnableCash,
    DisableCash, StackCash, ReturnCash, DispenseChange, PrintDocument, PrintReceipt, PollPrintJobs,
    CancelPrintJobs,
]

_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?!s)")


def count_pages(pdf: bytes) -> int:
    """Pages in a PDF we rendered ourselves (uncompressed object headers): for progress only."""
    return max(1, len(_PAGE_OBJECT.findall(pdf)))


class EffectRunner:
    """Carries out one effect against the ports; blocking, so never on the GUI thread."""

    def __init__(
        self, *, card: CardReader, center: IssuanceCenter, cash: CashUnit, printer: Printer,
        renderer: Renderer, clock: Clock,
    ) -> None:
        self._card, self._center, self._cash = card, center, cash
        self._printer, self._renderer, self._clock = printer, renderer, clock

    def run(self, effect: Effect) -> Event | None:
        handler = getattr(self, "_" + type(effect).__name__)
        return handler(effect)

    def _ProbeCard(self, e: ProbeCard) -> Event:
        return CardProbed(e.session_id, self._card.probe())

    def _AuthenticateCard(self, e: AuthenticateCard) -> Event:
        try:
            challenge = self._center.new_challenge()
        except Exception:  # a networked center may be down; the session reports it, never crashes
            e.pin.wipe()
            return CardAuthenticated(e.session_id, None, None)
        sign = self._card.verify_and_sign(e.pin, challenge.nonce)
        if not isinstance(sign, Signed):
            return CardAuthenticated(e.session_id, sign, None)
        certificate = sign.certificate_der or e.certificate_der or b""
        auth = self._center.authenticate(certificate, challenge.challenge_id, sign.signature)
        return CardAuthenticated(e.session_id, sign, auth)

    def _LoadOffers(self, e: LoadOffers) -> Event:
        offers = self._center.offers(e.identity, e.municipality_code, self._clock.now())
        return OffersLoaded(e.session_id, e.municipality_code, offers)

    def _IssueDocuments(self, e: IssueDocuments) -> Event:
        # Never ask for (or take money for) certificates the printer cannot print now.
        if not self._printer.health().ok:
            return DocumentsIssued(e.session_id, None)
        return DocumentsIssued(e.session_id, self._center.issue(e.identity, e.session_id, e.lines, self._clock.now()))

    def _EndCenterSession(self, e: EndCenterSession) -> None:
        self._center.end(e.identity)

    def _EnableCash(self, e: EnableCash) -> None:
        self._cash.enable(e.amount_due)

    def _DisableCash(self, e: DisableCash) -> None:
        self._cash.disable()

    def _StackCash(self, e: StackCash) -> Event:
        return CashStacked(e.session_id, self._cash.stack())

    def _ReturnCash(self, e: ReturnCash) -> Event:
        return CashReturned(e.session_id, self._cash.return_held())

    def _DispenseChange(self, e: DispenseChange) -> Event:
        return ChangeDispensed(e.session_id, self._cash.dispense(e.amount))

    def _PrintDocument(self, e: PrintDocument) -> Event:
        return self._print(e.session_id, e.index, lambda: self._renderer.render(e.document), e.document.kind.value)

    def _PrintReceipt(self, e: PrintReceipt) -> Event:
        return self._print(e.session_id, -1, lambda: self._renderer.render_receipt(e.receipt), "receipt")

    def _print(self, session_id: str, index: int, render, title: str) -> Event:
        try:
            pdf = render()
            job_id = self._printer.submit(pdf, title)
        except Exception as exc:  # a renderer or spooler failure becomes a failed job, never a crash
            return PrintJobSubmitted(session_id, index, None, 0, type(exc).__name__)
        return PrintJobSubmitted(session_id, index, job_id, count_pages(pdf))

    def _CancelPrintJobs(self, e: CancelPrintJobs) -> None:
        for job_id in e.job_ids:
            self._printer.cancel(job_id)

    def _PollPrintJobs(self, e: PollPrintJobs) -> Event:
        return PrintJobsPolled(e.session_id, tuple((j, self._printer.job_status(j)) for j in e.job_ids))
