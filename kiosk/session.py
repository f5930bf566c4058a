"""The session flow: one resident, from setting the card to taking the certificates.

attract → set card → reading card → PIN → authenticating → remove card → municipality
(skipped when only one applies) → kind → order → issuing → payment → printing → done → attract.
Cancel and the idle timeout work from every screen, each with its clean-up: inserted cash goes
back, the card must be taken. Money events are journaled before the kiosk acts on them.

The flow is single-threaded and never blocks: ``handle`` takes one event and returns the effects
(device and center requests) for the runtime to carry out; their results come back as events.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Callable

from kiosk import effects as fx
from kiosk import events as ev
from kiosk.clock import Clock
from kiosk.documents import CertificateDocument, Receipt, ReceiptLine
from kiosk.journal.events import EventType
from kiosk.notices import Notice, NoticeCode
from kiosk.order import Order, OrderLine
from kiosk.ports.card import CardFault, CardGone, CardProbe, PinBlocked, PinState, Signed, TokenKind, WrongPin
from kiosk.ports.center import AuthRefusalReason, AuthRefused, Identity, Issued, KindOffer
from kiosk.ports.printer import JobState
from kiosk.session_view import Screen, SessionView
from kiosk.timings import FlowTimings

ServiceStatus = Callable[[datetime], "str | None"]  # None when open, else why closed

_TOKEN_NOTICES = {
    TokenKind.JUKI_CARD: NoticeCode.JUKI_CARD,
    TokenKind.NOT_JPKI: NoticeCode.NOT_A_MY_NUMBER_CARD,
}

_AUTH_NOTICES = {
    AuthRefusalReason.EXPIRED: NoticeCode.CERTIFICATE_EXPIRED,
    AuthRefusalReason.NOT_YET_VALID: NoticeCode.CERTIFICATE_NOT_YET_VALID,
    AuthRefusalReason.REVOKED: NoticeCode.CERTIFICATE_REVOKED,
    AuthRefusalReason.CHALLENGE_EXPIRED: NoticeCode.TIMED_OUT,
}

_TOUCHES = (
    ev.StartTouched, ev.CancelTouched, ev.StillHereTouched, ev.PinEntered, ev.MunicipalityChosen,
    ev.KindChosen, ev.LineEdited, ev.AddAnotherKindTouched, ev.BackToOrderTouched, ev.LineRemoved, ev.OrderConfirmed,
    ev.FinishTouched,
)

# Screens where a card pulled out ends the session: it was needed and not yet released.
_CARD_NEEDED = {Screen.READING_CARD, Screen.PIN, Screen.AUTHENTICATING}


@dataclass
class _PrintJob:
    index: int
    amount: int
    pages: int
    state: JobState = JobState.PENDING


@dataclass
class _Session:
    id: str
    probe: CardProbe | None = None
    wrong_pin: bool = False
    identity: Identity | None = None
    municipality_code: str | None = None
    offers: dict[str, tuple[KindOffer, ...]] = field(default_factory=dict)
    draft: OrderLine | None = None
    order: Order = Order()
    documents: tuple[CertificateDocument, ...] = ()
    paid: int = 0
    charged: int = 0
    change_due: int = 0
    jobs: dict[str, _PrintJob] = field(default_factory=dict)
    documents_settled: set[int] = field(default_factory=set)
    awaiting_money: int = 0  # cash effects whose result is still out: the session stays open
    notice: Notice | None = None
    returned: int = 0
    refund_owed: int = 0
    stray: bool = False  # opened only to give back cash inserted while no session ran
    last_cash_rejected: str | None = None
    next_poll: datetime | None = None
    print_deadline: datetime | None = None
    outcome: str = "cancelled"


class SessionFlow:
    def __init__(
        self, *, journal, clock: Clock, timings: FlowTimings, kiosk_id: str,
        service_status: ServiceStatus,
    ) -> None:
        self._journal = journal
        self._clock = clock
        self._t = timings
        self._kiosk_id = kiosk_id
        self._service_status = service_status
        self._screen = Screen.ATTRACT
        self._s: _Session | None = None
        self._card_present = False
        self._in_service = True
        self._last_activity = clock.now()

    # --- reading -------------------------------------------------------------------------
    @property
    def screen(self) -> Screen:
        return self._screen

    def view(self) -> SessionView:
        now = self._clock.now()
        s = self._s
        deadline = self._idle_deadline()
        warn = deadline - timedelta(seconds=self._t.idle_warning) if deadline else None
        if s is None:
            return SessionView(
                screen=self._screen, card_present=self._card_present,
                closed_reason=self._service_status(now) if self._screen is Screen.ATTRACT else None,
            )
        offers = s.offers.get(s.municipality_code or "", ())
        return SessionView(
            screen=self._screen, session_id=s.id, card_present=self._card_present,
            tries_left=s.probe.tries_left.value if s.probe and s.probe.tries_left else None,
            wrong_pin=s.wrong_pin,
            municipalities=s.identity.municipalities if s.identity else (),
            municipality_code=s.municipality_code, offers=offers, draft=s.draft, order=s.order,
            due=sum(d.fee for d in s.documents), paid=s.paid, change=s.change_due,
            last_cash_rejected=s.last_cash_rejected,
            pages_total=sum(j.pages for j in s.jobs.values() if j.index >= 0),
            pages_done=sum(j.pages for j in s.jobs.values() if j.index >= 0 and j.state is JobState.COMPLETED),
            notice=s.notice, refund_owed=s.refund_owed, idle_warning_at=warn, idle_deadline=deadline,
        )

    # --- the one entry point ----------------------------------------------------------------
    def handle(self, event: ev.Event) -> list[fx.Effect]:
        if isinstance(event, ev.Tick):
            return self._on_tick(event.now)
        if isinstance(event, _TOUCHES):
            self._last_activity = self._clock.now()
        handler = getattr(self, "_on_" + type(event).__name__)
        result = handler(event)
        return result or []

    def set_in_service(self, in_service: bool) -> None:
        """Operator: take the kiosk out of service (effective once no session is running)."""
        self._in_service = in_service
        if self._s is None:
            self._screen = Screen.ATTRACT if in_service else Screen.OUT_OF_SERVICE

    # --- touches -------------------------------------------------------------------------------
    def _on_StartTouched(self, e: ev.StartTouched) -> list[fx.Effect]:
        if self._screen is not Screen.ATTRACT or not self._in_service or self._service_status(self._clock.now()):
            return []
        self._open_session()
        if self._card_present:
            return self._start_reading()
        self._screen = Screen.SET_CARD
        return []

    def _on_CancelTouched(self, e: ev.CancelTouched) -> list[fx.Effect]:
        return self._abandon(NoticeCode.CANCELLED)

    def _on_StillHereTouched(self, e: ev.StillHereTouched) -> list[fx.Effect]:
        return []

    def _on_PinEntered(self, e: ev.PinEntered) -> list[fx.Effect]:
        s = self._s
        if self._screen is not Screen.PIN or s is None or s.probe is None:
            e.pin.wipe()
            return []
        self._screen = Screen.AUTHENTICATING
        return [fx.AuthenticateCard(s.id, e.pin, s.probe.certificate_der)]

    def _on_MunicipalityChosen(self, e: ev.MunicipalityChosen) -> list[fx.Effect]:
        s = self._s
        if s is None or s.identity is None or self._screen not in (Screen.MUNICIPALITY, Screen.KIND):
            return []
        choice = next((m for m in s.identity.municipalities if m.code == e.code), None)
        if choice is None or choice.refusal is not None:
            return []
        return self._choose_municipality(e.code)

    def _on_KindChosen(self, e: ev.KindChosen) -> list[fx.Effect]:
        s = self._s
        if self._screen is not Screen.KIND or s is None:
            return []
        offer = self._offer(e.kind)
        if offer is None or offer.refusal is not None or offer.default_line is None:
            return []
        existing = next((l for l in s.order.lines if (l.kind, l.municipality_code) == (e.kind, s.municipality_code)), None)
        s.draft = existing or offer.default_line
        self._screen = Screen.ORDER
        return []

    def _on_LineEdited(self, e: ev.LineEdited) -> list[fx.Effect]:
        s = self._s
        if self._screen is not Screen.ORDER or s is None or s.draft is None:
            return []
        if self._line_acceptable(e.line):
            s.draft = e.line
        return []

    def _on_AddAnotherKindTouched(self, e: ev.AddAnotherKindTouched) -> list[fx.Effect]:
        s = self._s
        if self._screen is not Screen.ORDER or s is None:
            return []
        if s.draft is not None:
            s.order = s.order.with_line(s.draft)
            s.draft = None
        self._screen = Screen.KIND
        return []

    def _on_BackToOrderTouched(self, e: ev.BackToOrderTouched) -> list[fx.Effect]:
        s = self._s
        if self._screen is Screen.KIND and s is not None and s.order.lines:
            self._screen = Screen.ORDER
        return []

    def _on_LineRemoved(self, e: ev.LineRemoved) -> list[fx.Effect]:
        s = self._s
        if self._screen is not Screen.ORDER or s is None:
            return []
        s.order = s.order.without(e.kind, e.municipality_code)
        if s.draft and (s.draft.kind, s.draft.municipality_code) == (e.kind, e.municipality_code):
            s.draft = None
        if s.draft is None and not s.order.lines:
            self._screen = Screen.KIND
        return []

    def _on_OrderConfirmed(self, e: ev.OrderConfirmed) -> list[fx.Effect]:
        s = self._s
        if self._screen is not Screen.ORDER or s is None or s.identity is None:
            return []
        if s.draft is not None:
            s.order = s.order.with_line(s.draft)
            s.draft = None
        if not s.order.lines:
            return []
        self._screen = Screen.ISSUING
        return [fx.IssueDocuments(s.id, s.identity, s.order.lines)]

    def _on_FinishTouched(self, e: ev.FinishTouched) -> list[fx.Effect]:
        if self._screen in (Screen.DONE, Screen.NOTICE):
            return self._close_if_possible()
        return []

    # --- devices ------------------------------------------------------------------------------
    def _on_CardWasInserted(self, e: ev.CardWasInserted) -> list[fx.Effect]:
        self._card_present = True
        effects: list[fx.Effect] = []
        if self._screen in (Screen.DONE, Screen.NOTICE) and self._s is not None and self._s.awaiting_money == 0:
            effects = self._close()  # the next resident did not wait for the countdown
        if self._screen is Screen.ATTRACT:
            if self._service_status(self._clock.now()) or not self._in_service:
                return effects
            self._last_activity = self._clock.now()
            self._open_session()
            return effects + self._start_reading()
        if self._screen is Screen.SET_CARD:
            self._last_activity = self._clock.now()
            return self._start_reading()
        return []  # a card set mid-session is ignored; it will have to be taken at the end

    def _on_CardWasRemoved(self, e: ev.CardWasRemoved) -> list[fx.Effect]:
        self._card_present = False
        s = self._s
        if s is None:
            return []
        self._last_activity = self._clock.now()
        if self._screen in _CARD_NEEDED:
            return self._abandon(NoticeCode.CARD_PULLED)
        if self._screen is Screen.REMOVE_CARD:
            return self._after_card_removed()
        return []  # on the notice or done screen the resident still reads it; touch or timeout closes

    def _on_CoinOrBillCredited(self, e: ev.CoinOrBillCredited) -> list[fx.Effect]:
        s = self._s
        if s is None:
            s = self._open_session()
            s.stray = True
        self._record(EventType.CASH_CREDITED, e.denomination)
        s.paid += e.denomination
        s.last_cash_rejected = None
        if self._screen is not Screen.PAYMENT or s.charged:
            # Money that arrives when none is due goes straight back.
            s.awaiting_money += 1
            return [fx.DisableCash(), fx.ReturnCash(s.id)]
        self._last_activity = self._clock.now()
        due = sum(d.fee for d in s.documents)
        if s.paid < due:
            return []
        return self._take_payment(due)

    def _on_CoinOrBillRejected(self, e: ev.CoinOrBillRejected) -> list[fx.Effect]:
        if self._s is not None:
            self._s.last_cash_rejected = e.reason
        return []

    def _on_CashUnitFailed(self, e: ev.CashUnitFailed) -> list[fx.Effect]:
        if self._screen is Screen.PAYMENT:
            return self._abandon(NoticeCode.CASH_FAULT)
        return []

    # --- effect results -------------------------------------------------------------------------
    def _on_CardProbed(self, e: ev.CardProbed) -> list[fx.Effect]:
        s = self._current(e.session_id, Screen.READING_CARD)
        if s is None:
            return []
        r = e.result
        if isinstance(r, CardGone):
            return self._abandon(NoticeCode.CARD_PULLED)
        if isinstance(r, CardFault):
            return self._abandon(NoticeCode.CARD_ERROR)
        if r.token in _TOKEN_NOTICES:
            return self._abandon(_TOKEN_NOTICES[r.token])
        if r.pin_state is PinState.NOT_SET:
            return self._abandon(NoticeCode.FACE_AUTH_CARD)
        if r.pin_state is PinState.BLOCKED or (r.tries_left and r.tries_left.blocked):
            return self._abandon(NoticeCode.PIN_BLOCKED)
        if r.certificate_der is None and r.token is TokenKind.MY_NUMBER_CARD:
            return self._abandon(NoticeCode.CARD_ERROR)
        s.probe = r
        self._screen = Screen.PIN
        return []

    def _on_CardAuthenticated(self, e: ev.CardAuthenticated) -> list[fx.Effect]:
        s = self._current(e.session_id, Screen.AUTHENTICATING)
        if s is None or s.probe is None:
            return []
        sign = e.sign
        if sign is None:
            return self._abandon(NoticeCode.CENTER_UNAVAILABLE)
        if isinstance(sign, WrongPin):
            s.probe = replace(s.probe, tries_left=sign.tries_left)
            if sign.tries_left.blocked:
                return self._abandon(NoticeCode.PIN_BLOCKED)
            s.wrong_pin = True
            self._screen = Screen.PIN
            return []
        if isinstance(sign, PinBlocked):
            return self._abandon(NoticeCode.PIN_BLOCKED)
        if isinstance(sign, CardGone):
            return self._abandon(NoticeCode.CARD_PULLED)
        if not isinstance(sign, Signed):
            return self._abandon(NoticeCode.CARD_ERROR)
        if e.auth is None:
            return self._abandon(NoticeCode.CENTER_UNAVAILABLE)
        if isinstance(e.auth, AuthRefused):
            return self._abandon(_AUTH_NOTICES.get(e.auth.reason, NoticeCode.CERTIFICATE_INVALID))
        s.identity = e.auth
        s.wrong_pin = False
        s.probe = replace(s.probe, certificate_der=None)  # nothing of the card is kept past here
        if self._card_present:
            self._screen = Screen.REMOVE_CARD
            return []
        return self._after_card_removed()

    def _on_OffersLoaded(self, e: ev.OffersLoaded) -> list[fx.Effect]:
        s = self._current(e.session_id, Screen.KIND)
        if s is not None:
            s.offers[e.municipality_code] = e.offers
        return []

    def _on_DocumentsIssued(self, e: ev.DocumentsIssued) -> list[fx.Effect]:
        s = self._current(e.session_id, Screen.ISSUING)
        if s is None:
            return []
        if e.result is None:
            return self._abandon(NoticeCode.PRINTER_UNAVAILABLE)
        if not isinstance(e.result, Issued):
            return self._abandon(NoticeCode.ISSUE_REFUSED, refusal=e.result.refusal)
        docs = e.result.documents
        # A document for another session, or not what was ordered, is never printed nor paid for.
        if any(d.session_id != s.id for d in docs) or sum(d.fee for d in docs) != s.order.total:
            return self._abandon(NoticeCode.CENTER_UNAVAILABLE)
        s.documents = docs
        self._screen = Screen.PAYMENT
        return [fx.EnableCash(s.order.total)]

    def _on_CashReturned(self, e: ev.CashReturned) -> list[fx.Effect]:
        s = self._paid_out(e, EventType.CASH_RETURNED, "cash return short")
        if s is None:
            return []
        s.returned += e.result.dispensed
        if s.notice is not None and s.notice.amount is not None:
            s.notice = replace(s.notice, amount=s.returned)
        return self._after_money_result()

    def _on_CashStacked(self, e: ev.CashStacked) -> list[fx.Effect]:
        s = self._s
        if s is not None and s.id == e.session_id:
            s.awaiting_money -= 1
        return self._after_money_result()

    def _on_ChangeDispensed(self, e: ev.ChangeDispensed) -> list[fx.Effect]:
        s = self._paid_out(e, EventType.CHANGE_DISPENSED, "change short")
        if s is None:
            return []
        if e.result.unpaid:
            s.notice = Notice(NoticeCode.CHANGE_SHORT, amount=e.result.unpaid)
        return self._after_money_result()

    def _on_PrintJobSubmitted(self, e: ev.PrintJobSubmitted) -> list[fx.Effect]:
        s = self._s
        if s is None or s.id != e.session_id or e.document_index < 0:
            return []
        doc = s.documents[e.document_index]
        if e.job_id is None:
            self._record(EventType.PRINT_FAILED, doc.fee, f"{doc.kind.value}: {e.detail}"[:60])
            s.jobs[f"unsubmitted-{e.document_index}"] = _PrintJob(e.document_index, doc.fee, 0, JobState.FAILED)
        else:
            self._record(EventType.PRINT_SUBMITTED, doc.fee, f"{e.job_id} {doc.kind.value}")
            s.jobs[e.job_id] = _PrintJob(e.document_index, doc.fee, e.pages)
        return self._settle_printing()

    def _on_PrintJobsPolled(self, e: ev.PrintJobsPolled) -> list[fx.Effect]:
        s = self._s
        if s is None or s.id != e.session_id:
            return []
        for job_id, status in e.statuses:
            job = s.jobs.get(job_id)
            if job is None or job.state.final:
                continue
            job.state = status.state
            if status.state is JobState.COMPLETED:
                self._record(EventType.PRINT_COMPLETED, job.amount, job_id)
            elif status.state is JobState.FAILED:
                self._record(EventType.PRINT_FAILED, job.amount, f"{job_id} {status.reason}"[:60])
        return self._settle_printing()

    # --- time -------------------------------------------------------------------------------------
    def _on_tick(self, now: datetime) -> list[fx.Effect]:
        s = self._s
        if self._screen is Screen.PRINTING and s is not None:
            if s.print_deadline and now >= s.print_deadline:
                return self._give_up_printing()
            if s.next_poll is None or now >= s.next_poll:
                s.next_poll = now + timedelta(seconds=self._t.print_poll)
                pending = tuple(j for j, job in s.jobs.items() if not job.state.final and not j.startswith("unsubmitted"))
                if pending:
                    return [fx.PollPrintJobs(s.id, pending)]
            return []
        deadline = self._idle_deadline()
        if deadline is None or now < deadline:
            return []
        if self._screen in (Screen.DONE, Screen.NOTICE):
            self._last_activity = now  # keep reminding about a card left in the reader
            return self._close_if_possible()
        return self._abandon(NoticeCode.TIMED_OUT)

    def _idle_deadline(self) -> datetime | None:
        seconds = self._t.idle_for(self._screen)
        return self._last_activity + timedelta(seconds=seconds) if seconds else None

    # --- steps --------------------------------------------------------------------------------------
    def _open_session(self) -> _Session:
        self._s = _Session(id=self._journal.open_session(self._kiosk_id))
        return self._s

    def _start_reading(self) -> list[fx.Effect]:
        self._screen = Screen.READING_CARD
        return [fx.ProbeCard(self._s.id)]

    def _after_card_removed(self) -> list[fx.Effect]:
        s = self._s
        usable = [m for m in s.identity.municipalities if m.refusal is None]
        if len(s.identity.municipalities) > 1 and usable:
            self._screen = Screen.MUNICIPALITY
            return []
        if not usable:
            refusal = s.identity.municipalities[0].refusal if s.identity.municipalities else None
            return self._abandon(NoticeCode.ISSUE_REFUSED, refusal=refusal)
        return self._choose_municipality(usable[0].code)

    def _choose_municipality(self, code: str) -> list[fx.Effect]:
        s = self._s
        s.municipality_code = code
        s.draft = None
        self._screen = Screen.KIND
        if code in s.offers:
            return []
        return [fx.LoadOffers(s.id, s.identity, code)]

    def _offer(self, kind) -> KindOffer | None:
        s = self._s
        return next((o for o in s.offers.get(s.municipality_code or "", ()) if o.kind is kind), None)

    def _line_acceptable(self, line: OrderLine) -> bool:
        s = self._s
        offer = self._offer(line.kind)
        if offer is None or (line.kind, line.municipality_code) != (s.draft.kind, s.draft.municipality_code):
            return False
        members_ok = set(line.options.members) <= {m.resident_ref for m in offer.household}
        return (
            1 <= line.copies <= offer.max_copies
            and line.fee_per_copy == offer.fee_per_copy
            and members_ok
            and (offer.my_number_allowed or not line.options.my_number)
            and (line.options.fiscal_year is None or line.options.fiscal_year in offer.fiscal_years)
        )

    def _take_payment(self, due: int) -> list[fx.Effect]:
        s = self._s
        # Journal first: once fee_charged is committed, a crash leaves a refund owed, never a loss.
        self._record(EventType.FEE_CHARGED, due)
        s.charged = due
        s.change_due = s.paid - due
        s.outcome = "printed"
        self._screen = Screen.PRINTING
        s.print_deadline = self._clock.now() + timedelta(seconds=self._t.print_timeout)
        effects: list[fx.Effect] = [fx.DisableCash(), fx.StackCash(s.id)]
        s.awaiting_money += 1
        if s.change_due:
            effects.append(fx.DispenseChange(s.id, s.change_due))
            s.awaiting_money += 1
        effects += [fx.PrintDocument(s.id, i, d) for i, d in enumerate(s.documents)]
        return effects

    def _settle_printing(self) -> list[fx.Effect]:
        s = self._s
        if self._screen is not Screen.PRINTING:
            return []
        submitted = {j.index for j in s.jobs.values()}
        if len(submitted) < len(s.documents) or not all(j.state.final for j in s.jobs.values()):
            return []
        failed = sum(j.amount for j in s.jobs.values() if j.state is JobState.FAILED)
        if failed:
            self._owe(failed, "print failed")
            s.notice = Notice(NoticeCode.PRINT_FAILED, amount=failed)
            s.outcome = "print failed"
        self._screen = Screen.DONE
        self._last_activity = self._clock.now()
        printed = [(i, d) for i, d in enumerate(s.documents) if any(j.index == i and j.state is JobState.COMPLETED for j in s.jobs.values())]
        if not printed:
            return []
        receipt = Receipt(
            kiosk_id=self._kiosk_id, issued_at=self._clock.now(),
            lines=tuple(ReceiptLine(d.kind, d.copies, d.fee, d.issue_number) for _, d in printed),
            total=s.charged, paid=s.paid, change=s.change_due,
        )
        return [fx.PrintReceipt(s.id, receipt)]

    def _give_up_printing(self) -> list[fx.Effect]:
        s = self._s
        given_up = tuple(j for j, job in s.jobs.items() if not job.state.final)
        for job_id in given_up:
            s.jobs[job_id].state = JobState.FAILED
            self._record(EventType.PRINT_FAILED, s.jobs[job_id].amount, f"{job_id} timeout")
        for i, d in enumerate(s.documents):
            if i not in {j.index for j in s.jobs.values()}:
                s.jobs[f"unsubmitted-{i}"] = _PrintJob(i, d.fee, 0, JobState.FAILED)
                self._record(EventType.PRINT_FAILED, d.fee, f"{d.kind.value}: not submitted")
        # Refunded now, so it must never come out later when the queue is resumed.
        cancel = [fx.CancelPrintJobs(s.id, given_up)] if given_up else []
        return cancel + self._settle_printing()

    def _abandon(self, code: NoticeCode, refusal=None) -> list[fx.Effect]:
        """End the session early: give back what was inserted; the card must be taken."""
        s = self._s
        if s is None:
            return []
        if self._screen in (Screen.ATTRACT, Screen.SET_CARD) and not self._card_present:
            return self._close()
        if self._screen is Screen.PRINTING:
            return []  # paid and printing: nothing to cancel; the printer settles it
        if self._screen in (Screen.NOTICE, Screen.DONE):
            return self._close_if_possible()
        effects: list[fx.Effect] = []
        if self._screen is Screen.PAYMENT:
            effects += [fx.DisableCash()]
            if s.paid:
                code = NoticeCode.CASH_RETURNED if code is NoticeCode.CANCELLED else code
                effects.append(fx.ReturnCash(s.id))
                s.awaiting_money += 1
        s.notice = Notice(code, refusal=refusal, amount=s.paid or None)
        s.outcome = code.value
        self._screen = Screen.NOTICE
        self._last_activity = self._clock.now()
        if s.identity is not None:
            effects.append(fx.EndCenterSession(s.identity))
            s.identity = replace(s.identity, auth_token="")
        return effects

    def _paid_out(self, e: ev.CashReturned | ev.ChangeDispensed, kind: EventType, short_reason: str) -> _Session | None:
        """Journal money the unit gave out; what it could not give becomes a refund owed."""
        s = self._s
        if s is None or s.id != e.session_id:
            return None
        s.awaiting_money -= 1
        if e.result.dispensed:
            self._record(kind, e.result.dispensed)
        if e.result.unpaid:
            self._owe(e.result.unpaid, short_reason)
        return s

    def _after_money_result(self) -> list[fx.Effect]:
        s = self._s
        if s is not None and s.stray and s.awaiting_money == 0:
            return self._close()  # cash that came with no session is back: nothing else to show
        return []

    def _close_if_possible(self) -> list[fx.Effect]:
        s = self._s
        if s is None or self._card_present or s.awaiting_money > 0:
            return []
        return self._close()

    def _close(self) -> list[fx.Effect]:
        s = self._s
        effects: list[fx.Effect] = []
        if s.identity is not None and s.identity.auth_token:
            effects.append(fx.EndCenterSession(s.identity))
        self._record(EventType.SESSION_CLOSED, None, s.outcome)
        self._s = None
        self._screen = Screen.ATTRACT if self._in_service else Screen.OUT_OF_SERVICE
        self._last_activity = self._clock.now()
        return effects

    def _owe(self, amount: int, reason: str) -> None:
        self._s.refund_owed += amount
        self._record(EventType.REFUND_OWED, amount, reason)

    def _record(self, kind: EventType, amount: int | None, detail: str = "") -> None:
        s = self._s
        ref = s.identity.resident_ref if s and s.identity else None
        self._journal.record(s.id, kind, amount=amount, detail=detail, resident_ref=ref)

    def _current(self, session_id: str, screen: Screen) -> _Session | None:
        """The session a result belongs to, if it is still waiting for it."""
        s = self._s
        if s is None or s.id != session_id or self._screen is not screen:
            return None
        return s

