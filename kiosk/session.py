"""The session flow: one resident, from setting the card to taking the certificates.

attract → set card → reading card → PIN → authenticating → remove card → municipality
(skipped when only one applies) → kind → order → issuing → payment → taking payment → printing →
done → attract. Cancel and the idle timeout work where the screen table says, each with its
clean-up: inserted cash goes back, the card must be taken.

The flow is single-threaded and never blocks: ``handle`` takes one event and returns the effects
(device and center requests) for the runtime to carry out; their results come back as events,
in any order, late, twice or never:

- Every request has an id and a deadline. A call that raised, or is still out at its deadline,
  is settled as a failure: money in flight is returned or owed. An answer that comes after
  that is still journaled, and a refund it proves unnecessary is withdrawn. A repeated answer
  is ignored.
- Money moves as intent, act, outcome: the intent is journaled before the device is asked (its
  journal row names the operation, ``op-<seq>``, so the device can be asked about it after a
  crash), the outcome after it answers.
- A session ends in one way: it becomes *ending* (notice or done screen, or a stray return) and
  closes only once every money and print request it made has answered or failed. Only one
  session exists at a time; a card set meanwhile waits for it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Callable, cast

from kiosk import effects as fx
from kiosk import events as ev
from kiosk.clock import Clock
from kiosk.documents import CertificateDocument, Receipt, ReceiptLine
from kiosk.eligibility import Refusal
from kiosk.journal.events import EventType, JournalEvent
from kiosk.journal.journal import JournalOnReserve, JournalWriteError, emergency_return_ref, ref_token, reference_of
from kiosk.journal.unusable import KioskJournal
from kiosk.kinds import CertificateKind
from kiosk.notices import Notice, NoticeCode
from kiosk.order import Order, OrderLine
from kiosk.pin import Pin
from kiosk.ports.card import CardFault, CardGone, CardProbe, PinBlocked, PinState, Signed, TokenKind, WrongPin
from kiosk.ports.cash import CashOperationKind, Dispensed
from kiosk.ports.center import AuthRefusalReason, AuthRefused, DocumentOutcome, Identity, Issued, KindOffer
from kiosk.ports.printer import JobState, JobStatus
from kiosk.readiness import CENTER_PROBLEM
from kiosk.screen_facts import facts
from kiosk.session_view import Screen, SessionView
from kiosk.timings import FlowTimings

log = logging.getLogger(__name__)
HEALTH_PENDING = "health check pending"
UNSETTLED_AT_CLOSE = "unsettled_at_close"  # a refund the closing found: only ever after a journal fault

ServiceStatus = Callable[[datetime], "str | None"]  # None when open, else why closed

_TOKEN_NOTICES = {
    TokenKind.JUKI_CARD: NoticeCode.JUKI_CARD,
    TokenKind.NOT_JPKI: NoticeCode.NOT_A_MY_NUMBER_CARD,
}

_AUTH_NOTICES = {
    AuthRefusalReason.EXPIRED: NoticeCode.CERTIFICATE_EXPIRED,
    AuthRefusalReason.NOT_YET_VALID: NoticeCode.CERTIFICATE_NOT_YET_VALID,
    AuthRefusalReason.REVOKED: NoticeCode.CERTIFICATE_REVOKED,
    AuthRefusalReason.REVOCATION_UNAVAILABLE: NoticeCode.CENTER_UNAVAILABLE,  # never "accepted", never "revoked"
    AuthRefusalReason.CHALLENGE_EXPIRED: NoticeCode.TIMED_OUT,
}

_TOUCHES = (
    ev.StartTouched, ev.CancelTouched, ev.StillHereTouched, ev.PinEntered, ev.MunicipalityChosen,
    ev.KindChosen, ev.LineEdited, ev.AddAnotherKindTouched, ev.BackToOrderTouched, ev.LineRemoved, ev.OrderConfirmed,
    ev.FinishTouched,
)

# What a timed-out or failed request was for: the screen it leaves and the notice it gives.
_WAIT_FAILURES = {"card": NoticeCode.CARD_ERROR, "center": NoticeCode.CENTER_UNAVAILABLE}
_LATE_MEMORY = 200  # answers that may still come for requests given up on
_OUTCOMES = {"stack": EventType.CASH_STACKED, "return": EventType.CASH_RETURNED, "change": EventType.CHANGE_DISPENSED}
_RETURN_ATTEMPTS = 3  # a unit that fails every return is not asked for ever: what is left stays owed


@dataclass
class _Request:
    id: str
    session_id: str
    kind: str  # card, center, stack, return, change, ask, print, receipt, poll, cancel
    deadline: datetime
    amount: int = 0  # yen expected (stack, return, change) or the fee (print)
    index: int = -1  # the document (print)
    refund_seq: int | None = None  # the refund owed when it failed: withdrawn if a late answer proves it delivered
    settled: bool = False  # given up at its deadline and owed as far as the session had not delivered
    print_requests: tuple[str, ...] = ()  # cancel: the submissions it looks for by name
    docs: tuple[_Document, ...] = ()  # print, poll, cancel: its documents, whose refunds a late answer may take back
    pin: Pin | None = None  # a card call not yet made: its PIN is wiped if the session ends first
    attempt: int = 1  # return: how many times this escrow has been sent back
    owed_already: bool = False  # a late return: its cash was owed when its operation was given up


@dataclass
class _Document:
    fee: int
    request_id: str | None = None  # its print request, until the job id is known
    job_id: str | None = None
    state: JobState = JobState.PENDING
    sheets: int = 0
    refunded: bool = False
    refund_seq: int | None = None


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
    printing: dict[int, _Document] = field(default_factory=dict)
    paid: int = 0  # everything credited
    stacked: int = 0  # taken into the unit for good
    storage_failed: bool = False
    escrow: int = 0  # credited since the last stack or return
    charged: int = 0
    change_due: int = 0
    returned: int = 0
    refund_owed: int = 0
    refunds: list[tuple[int, int]] = field(default_factory=list)  # (journal seq, yen)
    notice: Notice | None = None
    stray: bool = False  # opened only to give back cash inserted while no session ran
    ending: bool = False  # over for the resident: closes once nothing is outstanding
    dismissed: bool = False  # 終了 touched, the countdown ran out, or the next card came
    change_paid: int = 0
    last_cash_rejected: str | None = None
    next_poll: datetime | None = None
    slip_sent: bool = False
    outcome: str = "cancelled"


class SessionFlow:
    def __init__(
        self, *, journal: KioskJournal, clock: Clock, timings: FlowTimings, kiosk_id: str,
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
        self._card_waiting = False  # set while a session was ending: it starts the next one
        self._in_service = True  # the operator's switch
        self._health: tuple[str, ...] = ()  # what the last health check found; the next one replaces it
        self._faults: tuple[str, ...] = ()  # what failed during a session: stays until the operator resumes
        self._last_activity = clock.now()
        self._entered = clock.now()
        self._requests: dict[str, _Request] = {}
        self._given_up: dict[str, _Request] = {}  # failed requests whose answer may still come
        self._counter = 0
        self._next_health = clock.now()
        self._storage_fault = False  # a journal write failed (or only made it into the reserved space)

    # --- reading -------------------------------------------------------------------------
    @property
    def screen(self) -> Screen:
        return self._screen

    @property
    def session_open(self) -> bool:
        return self._s is not None

    @property
    def _current(self) -> _Session:
        """The session, for the steps only ever taken while one is open (where ``self._s.x`` was read)."""
        assert self._s is not None, "no session open"
        return self._s

    @property
    def outstanding(self) -> int:
        """Requests still waiting for an answer (any session)."""
        return len(self._requests)

    @property
    def problems(self) -> tuple[str, ...]:
        """Why the kiosk cannot deliver now: faults seen in sessions, then the last health check's findings."""
        return self._faults + tuple(p for p in self._health if p not in self._faults)

    def view(self) -> SessionView:
        now = self._clock.now()
        s = self._s
        deadline = self._deadline()
        warn = None
        if deadline and facts(self._screen).asks_still_here:
            warn = deadline - timedelta(seconds=self._t.idle_warning)
        reasons = self.problems + (() if self._in_service else ("operator",))
        if s is None:
            return SessionView(
                screen=self._screen, card_present=self._card_present,
                closed_reason=self._service_status(now) if self._screen is Screen.ATTRACT else None,
                out_of_service_reasons=reasons,
            )
        offers = s.offers.get(s.municipality_code or "", ())
        printed = [d for d in s.printing.values()]
        return SessionView(
            screen=self._screen, session_id=s.id, card_present=self._card_present,
            tries_left=s.probe.tries_left.value if s.probe and s.probe.tries_left else None,
            wrong_pin=s.wrong_pin,
            municipalities=s.identity.municipalities if s.identity else (),
            municipality_code=s.municipality_code, offers=offers, draft=s.draft, order=s.order,
            due=sum(d.fee for d in s.documents), paid=s.paid, change=s.change_due,
            last_cash_rejected=s.last_cash_rejected,
            sheets_total=sum(d.sheets for d in printed),
            sheets_done=sum(d.sheets for d in printed if d.state is JobState.COMPLETED),
            notice=s.notice, refund_owed=s.refund_owed,
            refund_references=tuple(reference_of(seq) for seq, _ in s.refunds),
            idle_warning_at=warn, idle_deadline=deadline, out_of_service_reasons=reasons,
        )

    # --- the one entry point ----------------------------------------------------------------
    def handle(self, event: ev.Event) -> list[fx.Effect]:
        if isinstance(event, ev.Tick):
            return self._on_tick(event.now)
        if isinstance(event, _TOUCHES):
            self._last_activity = self._clock.now()
        handler = getattr(self, "_on_" + type(event).__name__)
        result = handler(event) or []
        s = self._s
        if self._storage_fault and s is not None and not s.storage_failed and not s.charged:
            result += self._storage_failed()  # before the sale: stop taking money, give it back
        return result

    def set_in_service(self, in_service: bool) -> None:
        """Operator: take the kiosk out of service, or back (effective once no session is running).

        Back in service also forgets the faults seen so far; a health check follows at once.
        """
        self._in_service = in_service
        if in_service:
            # the faults are forgotten, but no session starts before a fresh check says the devices are fine
            self._faults, self._health = (), (HEALTH_PENDING,)
            self._next_health = self._clock.now()
        if self._s is None:
            self._show_idle()

    def report_fault(self, problem: str) -> None:
        """A fault found outside any session (e.g. a damaged journal at start-up): no session starts."""
        self._add_problem(problem)
        if self._s is None:
            self._show_idle()

    # --- touches -------------------------------------------------------------------------------
    def _on_StartTouched(self, e: ev.StartTouched) -> list[fx.Effect]:
        if self._screen is not Screen.ATTRACT or self._s is not None or not self._can_start():
            return []
        if self._open_session() is None:
            return []
        if self._card_present:
            return self._start_reading()
        self._goto(Screen.SET_CARD)
        return []

    def _on_CancelTouched(self, e: ev.CancelTouched) -> list[fx.Effect]:
        if self._s is None or not facts(self._screen).cancellable:
            return []
        return self._abandon(NoticeCode.CANCELLED)

    def _on_StillHereTouched(self, e: ev.StillHereTouched) -> list[fx.Effect]:
        return []

    def _on_PinEntered(self, e: ev.PinEntered) -> list[fx.Effect]:
        s = self._s
        if self._screen is not Screen.PIN or s is None or s.probe is None:
            e.pin.wipe()
            return []
        self._goto(Screen.AUTHENTICATING)
        ref = self._request("card", s.id)
        self._requests[ref].pin = e.pin
        return [fx.AuthenticateCard(s.id, ref, e.pin, s.probe.certificate_der)]

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
        self._goto(Screen.ORDER)
        return []

    def _on_LineEdited(self, e: ev.LineEdited) -> list[fx.Effect]:
        s = self._s
        if self._screen is not Screen.ORDER or s is None or not self._line_acceptable(e.line):
            return []
        key = (e.line.kind, e.line.municipality_code)
        if s.draft is not None and (s.draft.kind, s.draft.municipality_code) == key:
            s.draft = e.line
        elif any((l.kind, l.municipality_code) == key for l in s.order.lines):
            s.order = s.order.with_line(e.line)  # a collapsed line keeps its copy buttons
        return []

    def _on_AddAnotherKindTouched(self, e: ev.AddAnotherKindTouched) -> list[fx.Effect]:
        s = self._s
        if self._screen is not Screen.ORDER or s is None:
            return []
        if s.draft is not None:
            s.order = s.order.with_line(s.draft)
            s.draft = None
        self._goto(Screen.KIND)
        return []

    def _on_BackToOrderTouched(self, e: ev.BackToOrderTouched) -> list[fx.Effect]:
        s = self._s
        if self._screen is Screen.KIND and s is not None and s.order.lines:
            self._goto(Screen.ORDER)
        return []

    def _on_LineRemoved(self, e: ev.LineRemoved) -> list[fx.Effect]:
        s = self._s
        if self._screen is not Screen.ORDER or s is None:
            return []
        s.order = s.order.without(e.kind, e.municipality_code)
        if s.draft and (s.draft.kind, s.draft.municipality_code) == (e.kind, e.municipality_code):
            s.draft = None
        if s.draft is None and not s.order.lines:
            self._goto(Screen.KIND)
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
        self._goto(Screen.ISSUING)
        return [fx.IssueDocuments(s.id, self._request("center", s.id), s.identity, s.order.lines)]

    def _on_FinishTouched(self, e: ev.FinishTouched) -> list[fx.Effect]:
        if self._screen in (Screen.DONE, Screen.NOTICE) and self._s is not None:
            self._s.dismissed = True
            return self._try_close()
        return []

    # --- devices ------------------------------------------------------------------------------
    def _on_CardWasInserted(self, e: ev.CardWasInserted) -> list[fx.Effect]:
        self._card_present = True
        s = self._s
        if s is not None and s.ending:
            # the next resident did not wait for the countdown: their session starts once this one closes
            self._card_waiting = s.dismissed = True
            return self._try_close()
        if self._screen is Screen.ATTRACT and s is None:
            if not self._can_start() or self._open_session() is None:
                return []
            self._last_activity = self._clock.now()
            return self._start_reading()
        if self._screen is Screen.SET_CARD:
            self._last_activity = self._clock.now()
            return self._start_reading()
        return []  # a card set mid-session is ignored; it will have to be taken at the end

    def _on_CardWasRemoved(self, e: ev.CardWasRemoved) -> list[fx.Effect]:
        self._card_present = False
        self._card_waiting = False
        s = self._s
        if s is None:
            return []
        self._last_activity = self._clock.now()
        if s.ending:
            return self._try_close() if self._screen not in (Screen.DONE, Screen.NOTICE) else []
        if facts(self._screen).card_needed:
            return self._abandon(NoticeCode.CARD_PULLED)
        if self._screen is Screen.REMOVE_CARD:
            return self._after_card_removed()
        return []

    def _on_CoinOrBillCredited(self, e: ev.CoinOrBillCredited) -> list[fx.Effect]:
        s = self._s
        effects: list[fx.Effect] = []
        if s is None:
            s = self._open_session()
            if s is None:  # no journal to write it in: give it straight back
                return [fx.DisableCash(), fx.ReturnCash("", f"em-{self._next_id()}")]
            s.stray = s.ending = s.dismissed = True
        if not self._record(EventType.CASH_CREDITED, e.denomination):
            s.paid += e.denomination
            s.escrow += e.denomination
            return self._storage_failed()
        s.paid += e.denomination
        s.escrow += e.denomination
        s.last_cash_rejected = None
        if self._screen is Screen.TAKING_PAYMENT:
            return []  # came in as the unit was disabled: the stack takes it, or it goes back after
        if self._screen is not Screen.PAYMENT or s.ending:
            # Money that arrives when none is due goes straight back.
            return effects + [fx.DisableCash()] + self._return_escrow()
        self._last_activity = self._clock.now()
        due = sum(d.fee for d in s.documents)
        if s.paid < due:
            return []
        return self._take_payment()

    def _on_CoinOrBillRejected(self, e: ev.CoinOrBillRejected) -> list[fx.Effect]:
        if self._s is not None:
            self._s.last_cash_rejected = e.reason
        return []

    def _on_CashUnitFailed(self, e: ev.CashUnitFailed) -> list[fx.Effect]:
        self._health = _with(self._health, f"cash: {e.detail}")
        if self._screen is Screen.PAYMENT:
            return self._abandon(NoticeCode.CASH_FAULT)
        return []

    # --- results: card and center ---------------------------------------------------------------
    def _on_CardProbed(self, e: ev.CardProbed) -> list[fx.Effect]:
        s = self._answer(e.request_id, Screen.READING_CARD)
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
        self._goto(Screen.PIN)
        return []

    def _on_CardAuthenticated(self, e: ev.CardAuthenticated) -> list[fx.Effect]:
        s = self._answer(e.request_id, Screen.AUTHENTICATING)
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
            self._goto(Screen.PIN)
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
            self._goto(Screen.REMOVE_CARD)
            return []
        return self._after_card_removed()

    def _on_OffersLoaded(self, e: ev.OffersLoaded) -> list[fx.Effect]:
        s = self._answer(e.request_id, Screen.KIND)
        if s is not None:
            s.offers[e.municipality_code] = e.offers
        return []

    def _on_DocumentsIssued(self, e: ev.DocumentsIssued) -> list[fx.Effect]:
        s = self._answer(e.request_id, Screen.ISSUING)
        if s is None:
            return []
        if e.result is None:
            for problem in e.unready:
                self._health = _with(self._health, problem)
            center_down = any(p.startswith(CENTER_PROBLEM) for p in e.unready)
            return self._abandon(NoticeCode.CENTER_UNAVAILABLE if center_down else NoticeCode.PRINTER_UNAVAILABLE)
        if not isinstance(e.result, Issued):
            return self._abandon(NoticeCode.ISSUE_REFUSED, refusal=e.result.refusal)
        docs = e.result.documents
        # A document for another session, or not what was ordered, is never printed nor paid for.
        if any(d.session_id != s.id for d in docs) or sum(d.fee for d in docs) != s.order.total:
            return self._abandon(NoticeCode.CENTER_UNAVAILABLE)
        s.documents = docs
        self._goto(Screen.PAYMENT)
        return [fx.EnableCash(s.order.total)]

    def _on_HealthChecked(self, e: ev.HealthChecked) -> list[fx.Effect]:
        self._health = e.problems
        if self._s is None:
            self._show_idle()
        return []

    # --- results: money -------------------------------------------------------------------------
    def _on_CashStacked(self, e: ev.CashStacked) -> list[fx.Effect]:
        req, late = self._money_answer(e.request_id)
        if req is None:
            return []
        self._record_for(req.session_id, EventType.CASH_STACKED, e.amount, req.id)
        if late:
            if e.amount < req.amount:  # the rest is still in escrow: it must not wait for the next resident
                return self._late_return(req, req.amount - e.amount)
            return self._after_late()
        s = self._current
        s.stacked += e.amount
        extra = max(0, e.amount - req.amount)
        arrived = min(extra, s.escrow)  # coins credited while the unit was being disabled
        s.escrow -= arrived
        if extra > arrived:
            # more was in escrow than the journal knew: credit it before it pays for anything
            self._record(EventType.CASH_CREDITED, extra - arrived, "found-in-escrow")
            s.paid += extra - arrived
        req.amount += arrived
        due = sum(d.fee for d in s.documents)
        if e.amount < req.amount or s.ending:
            # The unit took less than it held (a jam): nothing is sold; what it took is owed, the rest goes back.
            self._add_problem("cash: stacked short")
            if e.amount:
                self._owe(e.amount, "cash stacked short")
            s.notice = Notice(NoticeCode.CASH_FAULT, amount=s.paid or None)
            s.escrow += req.amount - e.amount
            effects = self._return_escrow() if s.escrow else []
            return effects + self._end(NoticeCode.CASH_FAULT)
        return self._charge(due)

    def _on_CashReturned(self, e: ev.CashReturned) -> list[fx.Effect]:
        return self._paid_out(e.request_id, e.result, EventType.CASH_RETURNED, "cash return short")

    def _on_ChangeDispensed(self, e: ev.ChangeDispensed) -> list[fx.Effect]:
        return self._paid_out(e.request_id, e.result, EventType.CHANGE_DISPENSED, "change short")

    def _on_CashOutcomeAsked(self, e: ev.CashOutcomeAsked) -> list[fx.Effect]:
        key = f"ask-{e.request_id}"
        ask = self._requests.pop(key, None) or self._given_up.pop(key, None)
        req = self._given_up.get(e.request_id)
        if ask is None or req is None:
            return []
        settled = req.settled  # already owed at its deadline: this is a late answer
        op = e.operation
        if op is None:
            if settled and e.known and req.kind in ("stack", "return"):
                # it never happened: the cash is still in escrow, and goes back to the tray
                self._given_up.pop(req.id, None)
                return self._late_return(req, req.amount)
            if settled:
                return []  # change never paid: what was owed stands
            if not e.known:
                return self._settle_failed(req, "unknown count_cash_box")
            if req.kind == "return":  # never started: give it back once more
                return self._retry_return(req)
            if req.kind == "stack":
                return self._stack_not_done(req)
            return self._settle_failed(req, "not-done")
        if not settled:
            self._revive(req)
        if op.kind is CashOperationKind.STACK:
            return self._on_CashStacked(ev.CashStacked(req.session_id, req.id, op.done))
        result = Dispensed(op.done, op.unpaid)
        if op.kind is CashOperationKind.RETURN:
            return self._paid_out(req.id, result, EventType.CASH_RETURNED, "cash return short")
        return self._paid_out(req.id, result, EventType.CHANGE_DISPENSED, "change short")

    def _stack_not_done(self, req: _Request) -> list[fx.Effect]:
        """The unit never stacked: the money is still in escrow, so it goes back and nothing is sold."""
        self._given_up.pop(req.id, None)
        s = self._s
        self._record_for(req.session_id, EventType.CASH_STACKED, 0, f"{req.id} not-done")
        if s is None or s.id != req.session_id:
            return []
        self._add_problem("cash: stack not done")
        s.escrow += req.amount
        s.notice = Notice(NoticeCode.CASH_FAULT, amount=s.paid or None)
        return self._return_escrow() + self._end(NoticeCode.CASH_FAULT)

    # --- results: printing -------------------------------------------------------------------------
    def _on_PrintJobSubmitted(self, e: ev.PrintJobSubmitted) -> list[fx.Effect]:
        req, late = self._money_answer(e.request_id)
        if req is None:
            return []
        if req.kind == "receipt":
            return self._after_late() if late else self._try_close()
        if late:
            return self._late_print(req, e)
        s = self._current
        doc = s.printing[req.index]
        doc.request_id = None
        if e.job_id is None:
            self._record(EventType.PRINT_FAILED, doc.fee, f"{req.id} {e.detail}")
            doc.state = JobState.FAILED
        else:
            self._record(EventType.PRINT_SUBMITTED, doc.fee, f"{e.job_id} {req.id}")
            doc.job_id, doc.sheets = e.job_id, e.sheets
        return self._settle_printing()

    def _on_PrintJobsPolled(self, e: ev.PrintJobsPolled) -> list[fx.Effect]:
        req, late = self._money_answer(e.request_id)
        if req is None:
            return []
        return self._job_states(req, e.statuses, cancelled=False)

    def _on_PrintJobsCancelled(self, e: ev.PrintJobsCancelled) -> list[fx.Effect]:
        req, late = self._money_answer(e.request_id)
        if req is None:
            return []
        s = self._s if self._s and self._s.id == req.session_id else None
        docs = (*req.docs, *(s.printing.values() if s is not None else ()))
        for print_ref, job_id in e.found:
            if any(d.job_id == job_id for d in docs):
                continue  # its late submission told it already
            doc = next((d for d in docs if d.request_id == print_ref), None)
            fee = doc.fee if doc else 0
            self._record_for(req.session_id, EventType.PRINT_SUBMITTED, fee, f"{job_id} {print_ref} found")
            if doc is not None:
                doc.job_id, doc.request_id = job_id, None
        return self._job_states(req, e.statuses, cancelled=True)

    def _on_RequestFailed(self, e: ev.RequestFailed) -> list[fx.Effect]:
        req = self._requests.get(e.request_id) or self._requests.get(f"ask-{e.request_id}")
        return self._fail(req, e.reason) if req is not None else []

    # --- time -------------------------------------------------------------------------------------
    def _on_tick(self, now: datetime) -> list[fx.Effect]:
        effects: list[fx.Effect] = []
        for req in [r for r in self._requests.values() if now >= r.deadline]:
            if req.id in self._requests:
                effects += self._fail(req, "timeout")
        s = self._s
        if s is None:
            if now >= self._next_health and self._screen in (Screen.ATTRACT, Screen.OUT_OF_SERVICE):
                self._next_health = now + timedelta(seconds=self._t.health_interval)
                effects.append(fx.CheckHealth())
            return effects
        if self._screen is Screen.PRINTING:
            if s.next_poll is None or now >= s.next_poll:
                s.next_poll = now + timedelta(seconds=self._t.print_poll)
                pending = tuple(d.job_id for d in s.printing.values() if d.job_id and not d.state.final)
                if pending and not any(r.kind == "poll" for r in self._requests.values()):
                    ref = self._request("poll", s.id)
                    self._requests[ref].docs = self._docs_of(s, pending, ())
                    effects.append(fx.PollPrintJobs(s.id, ref, pending))
        deadline = self._deadline()
        if deadline is None or now < deadline:
            return effects
        if self._screen in (Screen.DONE, Screen.NOTICE):
            self._last_activity = now  # keep reminding about a card left in the reader
            s.dismissed = True
            return effects + self._try_close()
        if self._screen is Screen.PRINTING:
            return effects + self._give_up_printing()
        if self._screen is Screen.TAKING_PAYMENT:
            return effects  # the stack request's own deadline settles it
        return effects + self._abandon(NoticeCode.TIMED_OUT)

    def _deadline(self) -> datetime | None:
        seconds = self._t.idle_for(self._screen)
        if not seconds:
            return None
        s = self._s
        if s is not None and s.refund_owed and self._screen in (Screen.DONE, Screen.NOTICE):
            return None  # a failure that owes money stays until touched: its reference must not vanish
        since = self._entered if facts(self._screen).waits_on_device else self._last_activity
        return since + timedelta(seconds=seconds)

    # --- steps --------------------------------------------------------------------------------------
    def _goto(self, screen: Screen) -> None:
        self._screen = screen
        self._entered = self._clock.now()
        self._last_activity = self._entered

    def _can_start(self) -> bool:
        return self._in_service and not self.problems and not self._service_status(self._clock.now())

    def _show_idle(self) -> None:
        idle = Screen.ATTRACT if self._in_service and not self.problems else Screen.OUT_OF_SERVICE
        if self._screen is not idle:
            self._goto(idle)

    def _add_problem(self, problem: str) -> None:
        self._faults = _with(self._faults, problem)

    def _open_session(self) -> _Session | None:
        try:
            session_id = self._journal.open_session(self._kiosk_id)
        except JournalWriteError as exc:
            self._add_problem(f"journal: {exc}")
            self._show_idle()
            return None
        self._s = _Session(id=session_id)
        return self._s

    def _start_reading(self) -> list[fx.Effect]:
        self._goto(Screen.READING_CARD)
        return [fx.ProbeCard(self._current.id, self._request("card", self._current.id))]

    def _after_card_removed(self) -> list[fx.Effect]:
        identity = self._current.identity
        assert identity is not None  # only after the card authenticated
        usable = [m for m in identity.municipalities if m.refusal is None]
        if len(identity.municipalities) > 1 and usable:
            self._goto(Screen.MUNICIPALITY)
            return []
        if not usable:
            refusal = identity.municipalities[0].refusal if identity.municipalities else None
            return self._abandon(NoticeCode.ISSUE_REFUSED, refusal=refusal)
        return self._choose_municipality(usable[0].code)

    def _choose_municipality(self, code: str) -> list[fx.Effect]:
        s = self._current
        s.municipality_code = code
        s.draft = None
        self._goto(Screen.KIND)
        if code in s.offers:
            return []
        assert s.identity is not None  # a municipality is chosen only after the card authenticated
        return [fx.LoadOffers(s.id, self._request("center", s.id), s.identity, code)]

    def _offer(self, kind: CertificateKind, municipality_code: str | None = None) -> KindOffer | None:
        s = self._current
        code = municipality_code or s.municipality_code or ""
        return next((o for o in s.offers.get(code, ()) if o.kind is kind), None)

    def _line_acceptable(self, line: OrderLine) -> bool:
        """An edit of the draft or of a line already in the order, within what the center offered."""
        s = self._current
        offer = self._offer(line.kind, line.municipality_code)
        if offer is None:
            return False
        key = (line.kind, line.municipality_code)
        lines = (s.draft, *s.order.lines) if s.draft is not None else s.order.lines
        if all((l.kind, l.municipality_code) != key for l in lines):
            return False
        members_ok = set(line.options.members) <= {m.resident_ref for m in offer.household}
        return (
            1 <= line.copies <= offer.max_copies
            and line.fee_per_copy == offer.fee_per_copy
            and members_ok
            and (offer.my_number_allowed or not line.options.my_number)
            and (line.options.fiscal_year is None or line.options.fiscal_year in offer.fiscal_years)
        )

    # --- money ----------------------------------------------------------------------------------------
    def _take_payment(self) -> list[fx.Effect]:
        """Enough is in escrow: stack it first; only what the unit took pays for anything."""
        s = self._current
        ref = self._intent(EventType.STACK_STARTED, s.escrow, "stack", self._t.cash_call)
        if ref is None:
            return self._storage_failed()
        s.escrow = 0  # the stack takes all of it
        self._goto(Screen.TAKING_PAYMENT)
        return [fx.DisableCash(), fx.StackCash(s.id, ref)]

    def _charge(self, due: int) -> list[fx.Effect]:
        s = self._current
        if not self._record(EventType.FEE_CHARGED, due):
            return self._storage_failed()
        s.charged = due
        s.change_due = s.paid - s.escrow - due  # escrow still held goes back as it is
        s.outcome = "printed"
        self._goto(Screen.PRINTING)
        effects: list[fx.Effect] = self._return_escrow()  # a coin that came after the stack
        if s.change_due:
            ref = self._intent(EventType.CHANGE_STARTED, s.change_due, "change", self._t.cash_call)
            if ref is None:
                return self._storage_failed()
            effects.append(fx.DispenseChange(s.id, ref, s.change_due))
        for i, d in enumerate(s.documents):
            ref = self._intent(EventType.PRINT_STARTED, d.fee, "print", self._t.printer_call, f"{i} {d.kind.value} m-{d.authority.municipality_code}", index=i)
            if ref is None:
                return effects + self._storage_failed()
            s.printing[i] = _Document(d.fee, request_id=ref)
            self._requests[ref].docs = (s.printing[i],)
            effects.append(fx.PrintDocument(s.id, ref, i, d))
        return effects

    def _return_escrow(self, attempt: int = 1) -> list[fx.Effect]:
        effects = self._return_escrow_journaled(attempt)
        return effects if not self._current.escrow else self._storage_failed()

    def _return_escrow_journaled(self, attempt: int = 1) -> list[fx.Effect]:
        s = self._current
        if not s.escrow:
            return []
        ref = self._intent(EventType.RETURN_STARTED, s.escrow, "return", self._t.cash_call)
        if ref is None:
            return []
        s.escrow = 0
        self._requests[ref].attempt = attempt
        return [fx.ReturnCash(s.id, ref)]

    def _retry_return(self, req: _Request) -> list[fx.Effect]:
        """A return the unit never started: sent again, a few times at most."""
        if req.attempt >= _RETURN_ATTEMPTS:
            return self._settle_failed(req, "not-done")
        self._given_up.pop(req.id, None)
        self._record_for(req.session_id, EventType.CASH_RETURNED, 0, f"{req.id} not-done")
        s = self._s
        if s is None or s.id != req.session_id or req.refund_seq is not None:
            # already owed (given up at its deadline): a late return that withdraws the refund as it
            # goes back, even while the session's screen still shows that refund
            return self._late_return(req, req.amount)
        s.escrow = req.amount
        return self._return_escrow(req.attempt + 1)

    def _late_return(self, given_up: _Request, amount: int) -> list[fx.Effect]:
        """Escrow left by an operation given up on: back to the tray (or kept, if the unit cannot), with a
        deadline of its own; as it goes back, the refund owed for it is withdrawn."""
        if given_up.attempt >= _RETURN_ATTEMPTS or amount <= 0:
            return self._after_late()
        row = self._record_for(given_up.session_id, EventType.RETURN_STARTED, amount, f"after {given_up.id}")
        if not row:
            return self._after_late()
        ref = f"op-{row.seq}"
        self._requests[ref] = _Request(ref, given_up.session_id, "return", self._clock.now() + timedelta(seconds=self._t.cash_call),
                                       amount, refund_seq=given_up.refund_seq, attempt=given_up.attempt + 1,
                                       owed_already=True)
        return [fx.ReturnCash(given_up.session_id, ref)]

    def _paid_out(self, request_id: str, result: Dispensed, kind: EventType, short_reason: str) -> list[fx.Effect]:
        """Journal money the unit gave out; what it could not give becomes a refund owed."""
        req, late = self._money_answer(request_id)
        if req is None:
            return []
        own = result.dispensed
        if kind is EventType.CASH_RETURNED and own > req.amount:
            # beyond its own: first the session's other returns, not yet answered, then other sessions' cash
            mine = sum(r.amount for r in self._requests.values()
                       if r.session_id == req.session_id and r.kind == "return" and r is not req)
            if own - req.amount > mine:
                own -= self._returned_for_others(req, own - req.amount - mine)
        self._record_for(req.session_id, kind, own, req.id)
        if req.refund_seq is not None and own:  # owed when given up on: delivered after all
            withdrawn = min(own, req.amount)
            self._record_for(req.session_id, EventType.REFUND_WITHDRAWN, withdrawn, ref_token(req.refund_seq))
        if req.refund_seq is not None or req.owed_already or result.dispensed > req.amount:
            # only then can the session have been owed more than it still lacks: a delivery that was owed,
            # or a return that emptied an escrow holding other operations' cash too
            self._withdraw_excess(req.session_id)
        s = self._s
        if late or s is None or s.id != req.session_id:
            return self._after_late()
        if kind is EventType.CHANGE_DISPENSED:
            s.change_paid += result.dispensed
        if kind is EventType.CASH_RETURNED:
            s.returned += result.dispensed
            if s.notice is not None and s.notice.amount is not None:
                s.notice = replace(s.notice, amount=s.returned)
            if result.unpaid and s.notice is not None and s.notice.code is NoticeCode.CASH_RETURNED:
                # not all of it came back: told as the cash unit's fault (and the refund owed), never as returned
                s.notice = replace(s.notice, code=NoticeCode.CASH_FAULT)
        if result.unpaid and not req.owed_already:
            self._owe(result.unpaid, short_reason)
            if kind is EventType.CHANGE_DISPENSED:
                s.notice = Notice(NoticeCode.CHANGE_SHORT, amount=result.unpaid)
        return self._settle_printing() if self._screen is Screen.PRINTING else self._try_close()

    def _returned_for_others(self, req: _Request, extra: int) -> int:
        """A return empties the whole escrow, which may hold other sessions' cash: the open session's
        (a coin that dropped in meanwhile), or a closed session's whose stack or return was given up
        and never happened. What it gave back for them is theirs, and their refund is withdrawn."""
        given = 0
        s = self._s
        if s is not None and s.id != req.session_id:
            theirs = min(extra, self._undelivered(s.id, 0))
            if theirs:
                self._record_for(s.id, EventType.CASH_RETURNED, theirs, f"{req.id} emptied-escrow")
                s.returned += theirs
                s.escrow -= min(theirs, s.escrow)
                given += theirs
        waiting = [r for r in (*self._requests.values(), *self._given_up.values())
                   if r.kind in ("stack", "return") and r.session_id not in (req.session_id, s and s.id)
                   and r.amount > 0 and (r.settled or r.attempt > 1)]
        for other in waiting:
            if given >= extra:
                break
            theirs = min(extra - given, other.amount)
            self._record_for(other.session_id, EventType.CASH_RETURNED, theirs, f"{req.id} emptied-escrow")
            self._withdraw_excess(other.session_id)
            other.amount -= theirs  # its own answer, when it comes, finds that much less
            given += theirs
        return given

    # --- failures --------------------------------------------------------------------------------------
    def _fail(self, req: _Request, reason: str) -> list[fx.Effect]:
        """A request raised or ran past its deadline: settle what it was for."""
        self._requests.pop(req.id, None)
        if req.pin is not None:
            req.pin.wipe()  # given up on: a card call that starts only now must not verify it
        if req.kind == "ask":  # the unit could not even say: decide in the resident's favour
            self._remember(req)  # if it says later, its answer settles what was decided now
            asked = self._given_up.get(req.id.removeprefix("ask-"))
            if asked is None or asked.settled:
                return []
            return self._settle_failed(asked, "unknown count_cash_box")
        if req.kind in _WAIT_FAILURES:  # the card or the center did not answer: the session cannot go on
            s = self._s
            current = s is not None and s.id == req.session_id and not s.ending
            return self._abandon(_WAIT_FAILURES[req.kind]) if current else []
        self._remember(req)
        if req.kind in ("stack", "return", "change"):
            # The call raised (it may have done its work first) or hangs: the unit knows. A raised call
            # waits for the answer; a hung one is owed now, and the answer, if the unit ever gives it, corrects it.
            ask = _Request(f"ask-{req.id}", req.session_id, "ask", self._clock.now() + timedelta(seconds=self._t.cash_call))
            self._requests[ask.id] = ask
            if self._screen is Screen.TAKING_PAYMENT and req.kind == "stack":
                self._goto(Screen.TAKING_PAYMENT)  # the resident waits for that answer
            effects: list[fx.Effect] = [fx.AskCashOutcome(req.session_id, req.id)]
            if reason == "timeout":
                self._requests.pop(ask.id)  # owed now; the answer may come whenever the unit is back
                self._remember(ask)
                effects = self._settle_failed(req, reason) + effects
            return effects
        return self._settle_failed(req, reason)

    def _settle_failed(self, req: _Request, reason: str) -> list[fx.Effect]:
        """No answer to trust: decide in the resident's favour and take the device out of service."""
        s = self._s if self._s is not None and self._s.id == req.session_id else None
        if req.kind in ("stack", "return", "change"):
            self._add_problem(f"cash: {req.kind} {reason}")
            # the intent gets its outcome as far as the kiosk knows it; a late answer adds the rest
            self._record_for(req.session_id, _OUTCOMES[req.kind], 0, f"{req.id} {reason}")
            # another operation may have delivered this one's cash (a return empties the whole escrow)
            owed = min(req.amount, self._undelivered(req.session_id, req.amount))
            req.settled = True
            if owed > 0:
                req.refund_seq = self._owe_for(req.session_id, owed, f"cash {req.kind} {reason}")
            if s is None:
                return []
            if req.kind == "stack":
                s.notice = Notice(NoticeCode.CASH_FAULT, amount=s.paid or None)
                return self._end(NoticeCode.CASH_FAULT)
            if req.kind == "change":
                s.notice = Notice(NoticeCode.CHANGE_SHORT, amount=req.amount)
            return self._settle_printing() if self._screen is Screen.PRINTING else self._try_close()
        if req.kind == "print" and s is not None:
            # the call raised: the job may exist all the same; find it by name and cancel it before owing
            return [self._cancel(s.id, (), (req.id,))]
        if req.kind in ("poll", "cancel", "receipt"):
            if req.kind == "receipt":  # a poll's or a cancel's late answer may still show a refunded job printed
                self._given_up.pop(req.id, None)
            if req.kind == "cancel" and s is not None:
                return self._cancel_failed()
            return self._try_close() if s is not None else []
        return []

    def _remember(self, req: _Request) -> None:
        self._given_up[req.id] = req
        while len(self._given_up) > _LATE_MEMORY:
            self._given_up.pop(next(iter(self._given_up)))

    def _revive(self, req: _Request) -> None:
        """An operation asked about after its call raised: its outcome is handled as its answer."""
        s = self._s
        if s is not None and s.id == req.session_id:
            self._given_up.pop(req.id, None)
            self._requests[req.id] = req

    def _storage_failed(self) -> list[fx.Effect]:
        """The journal failed: take no more money, give back the escrow, go out of service.

        What the journal still takes (from its reserved space) is journaled as usual; escrow whose
        return cannot even be journaled goes back under a reference recovery asks the unit about.
        """
        self._storage_fault = True
        s = self._s
        effects: list[fx.Effect] = [fx.DisableCash()]
        if s is None or s.storage_failed:
            return effects
        s.storage_failed = True
        if s.escrow and not s.charged:
            escrow = s.escrow
            effects += [e for e in self._return_escrow_journaled() if not isinstance(e, fx.DisableCash)]
            if s.escrow == escrow:  # not even the intent could be written
                ref = emergency_return_ref(s.id)
                deadline = self._clock.now() + timedelta(seconds=self._t.cash_call)
                self._requests[ref] = _Request(ref, s.id, "return", deadline, s.escrow)
                s.escrow = 0
                effects.append(fx.ReturnCash(s.id, ref))
        if s.stacked and not s.charged:
            self._owe(s.stacked, "journal fault")  # taken and nothing sold: owed, if the journal still takes it
        if not s.ending:
            s.notice = Notice(NoticeCode.CASH_FAULT, amount=s.paid or None)
            effects += self._end(NoticeCode.CASH_FAULT)
        return effects

    # --- printing ----------------------------------------------------------------------------------------
    def _job_states(self, req: _Request, statuses: tuple[tuple[str, JobStatus], ...], cancelled: bool) -> list[fx.Effect]:
        session_id = req.session_id
        s = self._s if self._s is not None and self._s.id == session_id else None
        docs = (*req.docs, *(s.printing.values() if s is not None else ()))
        for job_id, status in statuses:
            doc = next((d for d in docs if d.job_id == job_id), None)
            printed_after_refund = doc is not None and doc.refunded and status.state is JobState.COMPLETED
            if doc is not None and doc.state.final and not cancelled and not printed_after_refund:
                continue
            if status.state is JobState.COMPLETED:
                if doc is None or doc.state is not JobState.COMPLETED:
                    self._record_for(session_id, EventType.PRINT_COMPLETED, None, job_id)
                if doc is not None:
                    if doc.refunded:  # it printed after its session refunded it: take the refund back
                        self._withdraw_print_refund(session_id, doc)
                    doc.state = JobState.COMPLETED
            elif cancelled:
                self._record_for(session_id, EventType.PRINT_CANCELLED, None, f"{job_id} {status.reason}")
                if doc is not None:
                    doc.state = JobState.FAILED
            elif status.state is JobState.FAILED:
                self._record_for(session_id, EventType.PRINT_FAILED, None, f"{job_id} {status.reason}")
                if doc is not None:
                    doc.state = JobState.FAILED
        if s is None:
            return self._after_late()
        if cancelled:
            # what the cancel was about and did not find never reached the printer: failed, owed
            for d in s.printing.values():
                if not d.state.final and (d.job_id in dict(statuses) or d.request_id in req.print_requests):
                    d.state = JobState.FAILED
        return self._settle_printing()

    def _late_print(self, req: _Request, e: ev.PrintJobSubmitted) -> list[fx.Effect]:
        """A submission answered after the kiosk gave up on it: cancel it, so a refunded job never prints."""
        if e.job_id is None:
            return self._after_late()
        self._record_for(req.session_id, EventType.PRINT_SUBMITTED, req.amount, f"{e.job_id} {req.id} late")
        for doc in req.docs:  # the cancel's answer settles the document, whether its session runs or not
            doc.job_id, doc.request_id = e.job_id, None
        return [self._cancel(req.session_id, (e.job_id,), (), docs=req.docs)]

    def _cancel(self, session_id: str, jobs: tuple[str, ...], print_requests: tuple[str, ...],
                docs: tuple[_Document, ...] | None = None) -> fx.CancelPrintJobs:
        ref = self._request("cancel", session_id, self._t.printer_call)
        req = self._requests[ref]
        req.print_requests = print_requests
        s = self._s
        if docs is None and s is not None and s.id == session_id:
            docs = self._docs_of(s, jobs, print_requests)
        req.docs = docs or ()
        return fx.CancelPrintJobs(session_id, ref, jobs, print_requests)

    @staticmethod
    def _docs_of(s: _Session, jobs: tuple[str, ...], print_requests: tuple[str, ...]) -> tuple[_Document, ...]:
        return tuple(d for d in s.printing.values() if d.job_id in jobs or d.request_id in print_requests)

    def _settle_printing(self) -> list[fx.Effect]:
        s = self._s
        if self._screen is not Screen.PRINTING or s is None:
            return self._try_close()
        if not all(d.state.final for d in s.printing.values()):
            return []
        if any(r.session_id == s.id and r.kind in ("change", "ask") for r in self._requests.values()):
            return []
        return self._finish_printing()

    def _give_up_printing(self) -> list[fx.Effect]:
        """The print timeout: cancel what is unfinished (and submissions never answered) before owing it."""
        s = self._current
        if any(r.session_id == s.id and r.kind == "cancel" for r in self._requests.values()):
            self._goto(Screen.PRINTING)  # already cancelling: the cancel's own (shorter) deadline settles it
            return []
        jobs = tuple(d.job_id for d in s.printing.values() if d.job_id and not d.state.final)
        lost = tuple(d.request_id for d in s.printing.values() if d.request_id and not d.state.final)
        for request_id in lost:
            req = self._requests.pop(request_id, None)
            if req is not None:
                self._remember(req)
        if not jobs and not lost:
            for d in s.printing.values():
                if not d.state.final:
                    d.state = JobState.FAILED
            return self._finish_printing()
        self._goto(Screen.PRINTING)  # the resident waits for the cancel: its own deadline is shorter
        return [self._cancel(s.id, jobs, lost)]

    def _cancel_failed(self) -> list[fx.Effect]:
        s = self._current
        for d in s.printing.values():
            if not d.state.final:
                d.state = JobState.FAILED  # owed; the printer is out of service until someone looks
        self._add_problem("printer: cancel failed")
        return self._finish_printing()

    def _finish_printing(self) -> list[fx.Effect]:
        if self._screen is not Screen.PRINTING:
            return self._try_close()
        s = self._current
        for d in s.printing.values():
            if not d.state.final:
                d.state = JobState.FAILED
        failed = [(i, d) for i, d in s.printing.items() if d.state is JobState.FAILED and not d.refunded]
        amount = sum(d.fee for _, d in failed)
        if amount:
            seq = self._owe(amount, "print failed")
            for _, d in failed:
                d.refunded = True
                d.refund_seq = seq  # a late answer that shows it printed after all takes the refund back
            kinds = tuple(dict.fromkeys(s.documents[i].kind for i, _ in failed))
            s.notice = Notice(NoticeCode.PRINT_FAILED, amount=amount, kinds=kinds)
            s.outcome = "print failed"
        effects = self._end(None)
        printed = [(i, s.documents[i]) for i, d in sorted(s.printing.items()) if d.state is JobState.COMPLETED]
        if printed or s.refunds:
            receipt = Receipt(
                kiosk_id=self._kiosk_id, issued_at=self._clock.now(),
                lines=tuple(ReceiptLine(d.kind, d.copies, d.fee, d.issue_number) for _, d in printed),
                total=s.charged, paid=s.paid, change=s.change_paid,
                refunds=tuple((reference_of(seq), yen) for seq, yen in s.refunds),
            )
            ref = self._request("receipt", s.id, self._t.printer_call)
            effects.append(fx.PrintReceipt(s.id, ref, receipt))
        return effects

    def _withdraw_print_refund(self, session_id: str, doc: _Document) -> None:
        seq = doc.refund_seq
        if seq is not None:
            self._record_for(session_id, EventType.REFUND_WITHDRAWN, doc.fee, f"{ref_token(seq)} printed-late")
        doc.refunded = False

    # --- ending -----------------------------------------------------------------------------------------
    def _abandon(self, code: NoticeCode, refusal: Refusal | None = None) -> list[fx.Effect]:
        """End the session early: give back what was inserted; the card must be taken."""
        s = self._s
        if s is None or s.ending:
            return self._try_close()
        if self._screen in (Screen.ATTRACT, Screen.SET_CARD) and not self._card_present:
            s.outcome = code.value
            s.ending = s.dismissed = True
            return self._try_close()
        effects: list[fx.Effect] = []
        if self._screen is Screen.PAYMENT:
            effects.append(fx.DisableCash())
            if s.escrow:
                code = NoticeCode.CASH_RETURNED if code is NoticeCode.CANCELLED else code
                effects += self._return_escrow()
        s.notice = Notice(code, refusal=refusal, amount=s.paid or None)
        return effects + self._end(code)

    def _end(self, code: NoticeCode | None) -> list[fx.Effect]:
        """Over for the resident: show why (or the done screen); the session closes once nothing is out."""
        s = self._current
        effects: list[fx.Effect] = []
        if code is not None:
            s.outcome = code.value
        s.ending = True
        for req in self._requests.values():
            if req.pin is not None and req.session_id == s.id:
                req.pin.wipe()  # over before the card was asked: the PIN is never used, nor kept
        self._goto(Screen.NOTICE if code is not None else Screen.DONE)
        if s.identity is not None and s.identity.auth_token:
            effects.append(fx.EndCenterSession(s.identity))
            s.identity = replace(s.identity, auth_token="")
        return effects

    def _try_close(self) -> list[fx.Effect]:
        """The one way a session closes: over, dismissed, nothing of it outstanding, and its card taken."""
        s = self._s
        if s is None or not (s.ending and s.dismissed):
            return []
        if any(r.session_id == s.id for r in self._requests.values()):
            return []
        if self._card_present and not self._card_waiting:
            return []  # the resident's own card is still on the reader
        self._settle_books(s)
        self._record(EventType.SESSION_CLOSED, None, s.outcome)
        effects = self._outcomes(s)
        self._s = None
        self._show_idle()
        if self._card_waiting and self._card_present and self._can_start():
            self._card_waiting = False
            if self._open_session() is not None:
                return effects + self._start_reading()
        self._card_waiting = False
        return effects

    def _outcomes(self, s: _Session) -> list[fx.Effect]:
        """What left the kiosk, for the center's 交付記録: printed, refunded, or voided (never paid for)."""
        outcomes = []
        for i, document in enumerate(s.documents):
            printing = s.printing.get(i)
            if not s.charged:
                outcome = DocumentOutcome.VOIDED
            elif printing is not None and printing.state is JobState.COMPLETED:
                outcome = DocumentOutcome.PRINTED
            else:
                outcome = DocumentOutcome.REFUNDED
            outcomes.append((document.issue_number, outcome))
        return [fx.ReportOutcomes(s.id, tuple(outcomes))] if outcomes else []

    def _settle_books(self, s: _Session) -> None:
        """Last safety net before closing: money the journal shows taken and not delivered is owed.

        The flow owes as it goes, so this finds nothing unless a journal write failed on the way
        (or a bug): then the resident is owed rather than the yen lost, and the reason says so.
        """
        undelivered = self._undelivered(s.id, 0)  # an unreadable journal: recovery settles it at the next start
        if undelivered > 0:
            log.warning("session %s closes with %d yen unsettled: owed", s.id[:8], undelivered)
            self._owe(undelivered, UNSETTLED_AT_CLOSE)

    def _after_late(self) -> list[fx.Effect]:
        return self._try_close()

    def _undelivered(self, session_id: str, otherwise: int) -> int:
        """What the journal shows the session took and has neither delivered nor owed yet."""
        try:
            return max(self._journal.session_balance(session_id).undelivered, 0)
        except Exception:  # an unreadable journal: assume nothing was delivered
            return otherwise

    def _withdraw_excess(self, session_id: str) -> None:
        try:
            self._journal.withdraw_excess(session_id, "delivered")
        except Exception:  # an unreadable or full journal: recovery withdraws it at the next start
            log.warning("session %s: an excess refund could not be withdrawn", session_id[:8])

    # --- requests and the journal -------------------------------------------------------------------------
    def _next_id(self) -> int:
        self._counter += 1
        return self._counter

    def _request(self, kind: str, session_id: str, seconds: float | None = None) -> str:
        request_id = f"rq-{self._next_id()}"
        deadline = self._clock.now() + timedelta(seconds=seconds if seconds is not None else self._t.device)
        self._requests[request_id] = _Request(request_id, session_id, kind, deadline)
        return request_id

    def _intent(self, event_type: EventType, amount: int, kind: str, seconds: float, detail: str = "",
                index: int = -1) -> str | None:
        """Journal what is about to be done; its row's number names the operation. None: the journal failed."""
        s = self._current
        row = self._record(event_type, amount, detail)
        if not row:
            return None
        ref = f"op-{row.seq}"
        self._requests[ref] = _Request(ref, s.id, kind, self._clock.now() + timedelta(seconds=seconds), amount, index)
        return ref

    def _answer(self, request_id: str, screen: Screen) -> _Session | None:
        """The session a card or center answer belongs to, if it still waits for it there."""
        req = self._requests.pop(request_id, None)
        s = self._s
        if req is None or s is None or s.id != req.session_id or self._screen is not screen or s.ending:
            return None
        return s

    def _money_answer(self, request_id: str) -> tuple[_Request | None, bool]:
        """(request, late): late when the flow had given up on it; (None, _) for a repeat or a stranger."""
        req = self._requests.pop(request_id, None)
        if req is not None:
            return req, False
        req = self._given_up.pop(request_id, None)
        return req, req is not None

    def _owe(self, amount: int, reason: str) -> int | None:
        return self._owe_for(self._current.id, amount, reason)

    def _owe_for(self, session_id: str, amount: int, reason: str) -> int | None:
        row = self._record_for(session_id, EventType.REFUND_OWED, amount, reason)
        s = self._s
        if s is not None and s.id == session_id:
            s.refund_owed += amount
            if row:
                s.refunds.append((row.seq, amount))
        return row.seq if row else None

    def _record(self, kind: EventType, amount: int | None, detail: str = "") -> JournalEvent | None:
        return self._record_for(self._current.id, kind, amount, detail)

    def _record_for(self, session_id: str, kind: EventType, amount: int | None, detail: str = "") -> JournalEvent | None:
        """Journal one fact; on a storage fault the kiosk goes out of service (the caller stops taking money)."""
        s = self._s
        ref = s.identity.resident_ref if s and s.id == session_id and s.identity else None
        try:
            return self._journal.record(session_id, kind, amount=amount, detail=detail, resident_ref=ref)
        except JournalOnReserve as exc:  # written, into the last reserved space: stop taking money now
            self._add_problem("journal: disk full")
            self._storage_fault = True
            return cast(JournalEvent, exc.written)  # what record() wrote
        except JournalWriteError as exc:
            self._add_problem(f"journal: {exc}")
            self._storage_fault = True
            return None


def _with(problems: tuple[str, ...], problem: str) -> tuple[str, ...]:
    return problems if problem in problems else (*problems, problem)
