"""The whole kiosk as a hypothesis state machine: any touches, cards, coins, faults, clock jumps
and late or reordered device answers, with the kiosk's promises checked after every step.

The kiosk is built through the real composition root (``build_kiosk``) with the demo adapters:
the simulated card reader, cash unit and folder printer, the embedded center and the real
renderer. Device and center results go through a ``ShufflingExecutor`` (seeded by hypothesis):
they come late, out of order, or not at all while a family is held. Every rule acts the way the
scenario runner does: events through ``kiosk.runtime.post``, or the simulated devices' own
controls (``card.insert``, ``cash.insert``, ``cash.jam``, ``printer.set_fault`` ...).

Rules: the resident's touches (start, cancel, PIN right and wrong, municipality, kind, copies,
add another, remove a line, back to the order, confirm, finish, still here), a card set and
pulled, coins and notes (10/50/100/500/1000, and 5000 which the unit refuses), device faults
(cash jam and clear, ``fail_next_call`` before or after the work, empty float, printer faults
including a paused queue, clear and resume, reader unplugged, card pulled mid-signature), time
passing (small steps, large jumps past every deadline), device calls run and answered
(``executor.step``), a family held and released, the operator putting the kiosk back in service.
``resident``/``resident_until``: someone who does what each screen asks, so that most runs get
past payment into printing; ``trouble`` makes a fault strike at the moment that matters (right
after the coin that completes the payment or after 中止, or as the certificates are sent), and
``pay_with_a_hitch``, ``pay_part_then_cancel``, ``leave_as_a_coin_drops`` (a stray coin and the next
card while it goes back) and ``printer_trouble`` do the same on their own, and ``to_the_money`` walks
a resident to the payment screen first.
A hitch that "answers late" holds the family past its call deadline, then lets every call answer.

Invariants, each checked after every step (the message says what broke):

- ``books_balance``: ``check_books(journal)`` finds nothing (save that an operation whose call is
  still in the executor has no outcome yet), and every closed session's
  ``balance_of(events).undelivered`` is 0.
- ``one_session_at_most``: ``journal.unfinished_sessions()`` has at most one session, and it is
  the flow's current one (none when the flow has none).
- ``no_screen_outlives_its_timeout``: right after a Tick at ``now``, ``view().idle_deadline`` is
  None or later than ``now``.
- ``escrow_empty_between_sessions``: with no session open and no cash-family call still waiting
  in the executor (not run, not answered, or held), the cash unit holds nothing in escrow.
- ``escrow_is_what_the_session_put_in``: the same, and more: with no cash-family call waiting,
  the unit's escrow is what the journal says the open session credited since its last stack or
  return (0 with no session open). Money left in escrow by one session would otherwise be found
  only if no next session had started by then.
- ``journal_agrees_with_the_cash_unit``: with no cash-family call waiting (every answer heard,
  late ones included), ``check_books(journal, cash.counters())`` finds nothing: what the journal
  says was credited, stacked, returned and paid out is what the unit counted.
- ``nothing_refunded_has_printed``: once no printer-family call is waiting in the executor (so
  the kiosk has heard every printer answer), no session owes, as a print refund, a fee of a
  document that printed. A document is a ``print_started`` row ``op-<seq>`` (its amount is the
  fee); its jobs are the ``print_submitted`` rows naming ``op-<seq>`` (detail ``<job> op-<seq>
  ...``) and the folder job whose title is ``op-<seq>``; it printed when one of those jobs is a
  ``.pdf`` in the printer's folder. A session's print refund is the sum of its ``refund_owed``
  rows whose reason is ``print ...``, net of the ``refund_withdrawn`` rows naming them
  (``ref-<seq>``). It must not exceed the fees of the session's documents that did not print.
- ``no_pin_is_kept``: every PIN the resident typed in this run (a ``kiosk.pin.Pin`` handed to
  ``PinEntered``) is wiped after the step, with one exception: the PIN of an ``AuthenticateCard``
  effect that the executor has not started to run yet, while that effect's session is still the
  flow's current session. Once the card call has started (the reader wipes the PIN whatever
  happens), or once the session has closed, no digits may remain, and a PIN nobody holds any more
  must not have been dropped unwiped. "Held" is told by reference count (the test's own list
  aside), after a ``gc.collect()`` before failing. Every few steps ``gc.get_objects()`` is swept
  too: no ``Pin`` the resident did not type may hold digits (a copy of a PIN).

``make test`` runs it; ``pytest -m stateful`` runs it alone. The default profile makes 300 runs of
up to 50 steps, about a minute; ``KIOSK_FLOW_PROFILE=quick`` (30 runs) or ``thorough`` (2000 runs of
up to 80 steps) change that. A failure is shrunk (that can take a few minutes) and printed as the
steps that lead to it; the journal at the failing step is in the message. ``bench/flow_mutants.py``
puts bugs (a) to (e) of the money issue back one at a time and shows that the default profile
finds each.
"""
from __future__ import annotations

import dataclasses
import gc
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test,
)

from kiosk import events as ev
from app.bootstrap import build_kiosk
from kiosk.clock import JST, ManualClock
from kiosk.journal.balance import balance_of
from kiosk.journal.check import check_books
from kiosk.journal.events import EventType
from kiosk.journal.journal import ref_token
from kiosk.pin import Pin
from kiosk.ports.printer import PrinterState
from kiosk.session_view import Screen
from kiosk.shuffle import ShufflingExecutor

START = datetime(2026, 11, 25, 10, 0, tzinfo=JST)  # a Wednesday morning: every service is open
# Demo cards (assets/demo/cards.toml) and their PINs; the first is the one the resident uses most.
CARDS = {
    "sato-ichiro": "4721",  # Nanahoshi, every kind
    "watanabe-misaki": "2580",  # two municipalities: the municipality screen
    "watanabe-daisuke": "6203",  # a phone: the certificate comes after VERIFY
    "inoue-naoki": "3907",  # one PIN try left
    "visitor": "1122",  # valid card, nobody the registry knows: refused
    "point-card": "0000",  # not a My Number card
}
RESIDENT_CARDS = ("sato-ichiro",) * 5 + ("watanabe-misaki", "watanabe-daisuke", "visitor")
WRONG_PIN = "9999"
FAMILIES = ("card", "cash", "printer", "center")
SETTLE_LIMIT = 400
# Where the resident rules stop: every screen a session passes through on its way to the end.
# The screens where money and paper move come more than once, so that runs often stop there.
GOALS = (
    Screen.PIN, Screen.KIND, Screen.ORDER, Screen.PAYMENT, Screen.PAYMENT, Screen.PAYMENT, Screen.TAKING_PAYMENT,
    Screen.PRINTING, Screen.PRINTING, Screen.DONE, Screen.NOTICE, Screen.ATTRACT,
)
GC_SWEEP_EVERY = 8  # steps between looks at every object in the process for a Pin (each costs ~10 ms)
RESIDENT_PATIENCE = 60  # moves; on a device screen each lets half a second pass
# What can go wrong right after the cash unit was asked to do something (stack, return), before it did it.
HITCHES = ("none", "jam", "fail_after_work", "fail_before_work", "empty_float", "coin_slips_in", "hangs",
           "answers_late")
PRINTER_TROUBLES = ("paused", "media_empty", "printer_hangs", "printer_answers_late", "paused_and_answers_late")
TROUBLES = (*HITCHES, *PRINTER_TROUBLES)  # "none" once: most journeys that pay or print meet one

settings.register_profile(
    "kiosk-flow", max_examples=300, stateful_step_count=50, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.register_profile("kiosk-flow-quick", settings.get_profile("kiosk-flow"), max_examples=30)
settings.register_profile("kiosk-flow-thorough", settings.get_profile("kiosk-flow"), max_examples=2000,
                          stateful_step_count=80)
PROFILES = {"default": "kiosk-flow", "quick": "kiosk-flow-quick", "thorough": "kiosk-flow-thorough"}


# --- an executor that knows what is still in flight ------------------------------------------------
@dataclass(eq=False)
class Call:
    """One effect handed to the executor, until its result is delivered (or it ran and had none)."""

    name: str
    family: str
    session_id: str | None
    request_id: str | None
    pin: Pin | None  # the PIN an AuthenticateCard carries, until its call starts
    started: bool = False

    def __repr__(self) -> str:
        state = "running or answered late" if self.started else "not run yet"
        return f"{self.name}({(self.session_id or '-')[:8]}, {state})"


class TrackingExecutor(ShufflingExecutor):
    """The shuffling executor, plus the list of calls not yet answered (held ones included)."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.in_flight: list[Call] = []

    def submit(self, effect, run, done) -> None:
        call = Call(type(effect).__name__, effect.family, getattr(effect, "session_id", None),
                    getattr(effect, "request_id", None), getattr(effect, "pin", None))
        self.in_flight.append(call)

        def run_call():
            call.started = True
            call.pin = None
            result = run()
            if result is None:
                self._finished(call)
            return result

        def deliver(event) -> None:
            self._finished(call)
            done(event)

        super().submit(effect, run_call, deliver)

    def _finished(self, call: Call) -> None:
        if call in self.in_flight:
            self.in_flight.remove(call)

    def busy(self, family: str) -> bool:
        return any(c.family == family for c in self.in_flight)


# --- reading the journal and the printer's folder ---------------------------------------------------
def by_session(journal) -> dict[str, list]:
    sessions: dict[str, list] = {}
    for e in journal.events():
        if e.session_id is not None:
            sessions.setdefault(e.session_id, []).append(e)
    return sessions


def refunded_prints(journal, printed_dir: Path) -> list[str]:
    """Sessions owing a print refund larger than the fees of their documents that did not print."""
    printed = {p.stem for p in printed_dir.glob("*.pdf")}
    job_of_title: dict[str, set[str]] = {}
    for title in printed_dir.glob("*.title"):
        job_of_title.setdefault(title.read_text(encoding="utf-8"), set()).add(title.stem)
    problems = []
    for session_id, events in by_session(journal).items():
        fees = {f"op-{e.seq}": e.amount for e in events if e.type is EventType.PRINT_STARTED}
        if not fees:
            continue
        jobs = {ref: set(job_of_title.get(ref, ())) for ref in fees}
        for e in events:
            tokens = e.detail.split()
            if e.type is EventType.PRINT_SUBMITTED and len(tokens) > 1 and tokens[1] in jobs:
                jobs[tokens[1]].add(tokens[0])
        withdrawn: dict[str, int] = {}
        for e in events:
            if e.type is EventType.REFUND_WITHDRAWN:
                token = e.detail.split(" ", 1)[0]
                withdrawn[token] = withdrawn.get(token, 0) + e.amount
        owed = sum(e.amount - withdrawn.get(ref_token(e.seq), 0) for e in events
                   if e.type is EventType.REFUND_OWED and e.detail.startswith("print"))
        printed_docs = {ref for ref, js in jobs.items() if js & printed}
        unprinted = sum(fee for ref, fee in fees.items() if ref not in printed_docs)
        if owed > unprinted:
            problems.append(
                f"session {session_id[:8]} owes {owed} yen of print refunds, but only {unprinted} yen of its "
                f"documents did not print (printed: {sorted(printed_docs)} "
                f"jobs {sorted(j for ref in printed_docs for j in jobs[ref] if j in printed)})")
    return problems


def live_pins() -> list[Pin]:
    return [o for o in gc.get_objects() if type(o) is Pin]


def _coins(amount: int) -> list[int]:
    """Coins for ``amount`` yen, largest first (at least a 10 yen coin)."""
    coins = []
    for coin in (500, 100, 50, 10):
        while amount >= coin:
            coins.append(coin)
            amount -= coin
    return coins or [10]


# --- the machine ---------------------------------------------------------------------------------------
class KioskFlowMachine(RuleBasedStateMachine):
    def __init__(self, template: Path, workdir: Path) -> None:
        super().__init__()
        self.template = template  # a provisioned data directory, copied for every run
        self.workdir = workdir  # where the copies go
        self.k = None
        self.run_dir: Path | None = None
        self.ticked_at: datetime | None = None
        self.card_name: str | None = None  # the card on the reader (or last set on it)
        self.trouble, self.cancels = "none", False  # what the resident rules have in store
        self.pins: list[Pin] = []  # every PIN this run typed, held so that they can be looked at
        self.checks = 0
        # PINs of earlier runs that are still alive (e.g. in a failed run's traceback) are not this run's
        # business; held here so that their ids stay theirs
        self.earlier_pins = live_pins()

    # --- setting up -------------------------------------------------------------------------
    @initialize(seed=st.integers(0, 2**16))
    def build(self, seed: int) -> None:
        from kiosk.config import load_config
        from app.provision import copy_provisioned

        self.run_dir = Path(tempfile.mkdtemp(prefix="flow-", dir=self.workdir))
        copy_provisioned(self.template, self.run_dir)
        config = dataclasses.replace(load_config(), data_dir=self.run_dir)
        self.clock = ManualClock(START)
        self.executor = TrackingExecutor(seed)
        self.k = build_kiosk(config, clock=self.clock, executor=self.executor)
        self.k.start()
        self.post = self.k.runtime.post

    def teardown(self) -> None:
        if self.k is not None:
            self.k.close()
        if self.run_dir is not None:
            shutil.rmtree(self.run_dir, ignore_errors=True)
        self.k = self.executor = self.earlier_pins = None
        self.pins = []

    def _act(self) -> None:
        """Every rule starts here: the deadline invariant applies only right after a Tick."""
        self.ticked_at = None

    def _type_pin(self, digits: str) -> None:
        pin = Pin(digits)
        self.pins.append(pin)
        self.post(ev.PinEntered(pin))

    def _tick(self) -> None:
        now = self.clock.now()
        self.post(ev.Tick(now))
        self.ticked_at = now

    # --- the resident ------------------------------------------------------------------------------
    @rule(name=st.sampled_from(sorted(CARDS)))
    def set_card(self, name: str) -> None:
        self._act()
        self.card_name = name
        self.k.card.insert(name)

    @rule()
    def pull_card(self) -> None:
        self._act()
        self.k.card.remove()

    @rule(what=st.sampled_from(["start", "cancel", "finish", "still_here", "add_another", "back_to_order", "confirm"]))
    def touch(self, what: str) -> None:
        self._act()
        self.post({
            "start": ev.StartTouched, "cancel": ev.CancelTouched, "finish": ev.FinishTouched,
            "still_here": ev.StillHereTouched, "add_another": ev.AddAnotherKindTouched,
            "back_to_order": ev.BackToOrderTouched, "confirm": ev.OrderConfirmed,
        }[what]())

    @rule(right=st.booleans())
    def enter_pin(self, right: bool) -> None:
        self._act()
        self._type_pin(CARDS.get(self.card_name or "", WRONG_PIN) if right else WRONG_PIN)

    @rule(index=st.integers(0, 3))
    def choose_municipality(self, index: int) -> None:
        self._act()
        choices = self.k.flow.view().municipalities
        if choices:
            self.post(ev.MunicipalityChosen(choices[index % len(choices)].code))

    @rule(index=st.integers(0, 9))
    def choose_kind(self, index: int) -> None:
        self._act()
        offers = self.k.flow.view().offers
        if offers:
            self.post(ev.KindChosen(offers[index % len(offers)].kind))

    @rule(copies=st.integers(0, 4))
    def set_copies(self, copies: int) -> None:
        self._act()
        draft = self.k.flow.view().draft
        if draft is not None:
            self.post(ev.LineEdited(draft.with_copies(copies)))

    @rule(index=st.integers(0, 3))
    def remove_line(self, index: int) -> None:
        self._act()
        view = self.k.flow.view()
        lines = view.order.lines + ((view.draft,) if view.draft else ())
        if lines:
            line = lines[index % len(lines)]
            self.post(ev.LineRemoved(line.kind, line.municipality_code))

    @rule(denomination=st.sampled_from([10, 50, 100, 500, 1000, 5000]))
    def insert_money(self, denomination: int) -> None:
        self._act()
        self.k.cash.insert(denomination)

    @rule(moves=st.integers(1, 6), pick=st.integers(0, 255))
    def resident(self, moves: int, pick: int) -> None:
        """A few moves of someone doing what each screen asks (on device screens: devices work, time passes)."""
        self._act()
        for move in range(moves):
            self._resident_move((pick >> move) ^ move)

    @rule(goal=st.sampled_from(GOALS), pick=st.integers(0, 255), trouble=st.sampled_from(TROUBLES),
          cancels=st.sampled_from([False, False, False, True]))
    def resident_until(self, goal: Screen, pick: int, trouble: str = "none", cancels: bool = False) -> None:
        """The same resident, until the kiosk shows ``goal`` (or enough moves were made).

        ``trouble`` strikes at the moment that matters: a cash hitch right after the coin that completes
        the payment (or, if the resident ``cancels`` after the first coin, right after 中止), a printer
        trouble as soon as the certificates are sent.
        """
        self._act()
        self.trouble, self.cancels = trouble, cancels
        try:
            for move in range(RESIDENT_PATIENCE):
                if self.k.flow.screen is goal and move:
                    return
                self._resident_move((pick >> (move % 8)) ^ move)
        finally:
            self.trouble, self.cancels = "none", False

    @rule(goal=st.sampled_from(GOALS), pick=st.integers(0, 255), trouble=st.sampled_from(TROUBLES),
          cancels=st.sampled_from([False, False, False, True]))
    def another_resident_until(self, goal: Screen, pick: int, trouble: str, cancels: bool) -> None:
        """``resident_until`` again, so that runs often get far into a session before the next fault."""
        self.resident_until(goal, pick, trouble, cancels)

    def _resident_move(self, pick: int) -> None:
        k, view = self.k, self.k.flow.view()
        screen = view.screen
        if screen is Screen.ATTRACT:
            if view.card_present:
                k.card.remove()
            elif pick % 4 == 0:
                self.post(ev.StartTouched())
            else:
                self.card_name = RESIDENT_CARDS[pick % len(RESIDENT_CARDS)]
                k.card.insert(self.card_name)
        elif screen is Screen.SET_CARD:
            self.card_name = RESIDENT_CARDS[pick % len(RESIDENT_CARDS)]
            k.card.insert(self.card_name)
        elif screen is Screen.PIN:
            self._type_pin(CARDS.get(self.card_name or "", WRONG_PIN))
        elif screen is Screen.REMOVE_CARD:
            k.card.remove()
        elif screen is Screen.MUNICIPALITY:
            usable = [m for m in view.municipalities if m.refusal is None] or list(view.municipalities)
            self.post(ev.MunicipalityChosen(usable[pick % len(usable)].code))
        elif screen is Screen.KIND:
            usable = [o for o in view.offers if o.refusal is None]
            if view.order.lines and pick % 5 == 0:
                self.post(ev.BackToOrderTouched())
            elif usable:
                self.post(ev.KindChosen(usable[pick % len(usable)].kind))
            else:
                self._devices_and_time()
        elif screen is Screen.ORDER:
            if view.draft is not None and pick % 7 == 1:
                self.post(ev.LineEdited(view.draft.with_copies(2)))
            elif pick % 7 == 2:
                self.post(ev.AddAnotherKindTouched())
            else:
                self.post(ev.OrderConfirmed())
        elif screen is Screen.PAYMENT and self.executor.busy("cash"):
            self._devices_and_time()  # the coin slot opens once the unit has been enabled
        elif screen is Screen.PAYMENT:
            left = view.due - view.paid
            coin = next((c for c in (500, 100, 50, 10) if c <= left), 10)
            k.cash.insert(1000 if pick % 3 == 0 and not self.cancels else coin)
            if self.cancels and self.k.flow.screen is Screen.PAYMENT:
                self.post(ev.CancelTouched())
            if self.k.flow.screen is not Screen.PAYMENT and self.trouble in HITCHES:
                self._hitch(self.trouble)
                self.trouble = "none"
        elif screen is Screen.PRINTING and self.trouble in PRINTER_TROUBLES:
            self._printer_trouble(self.trouble)
            self.trouble = "none"
        elif screen in (Screen.DONE, Screen.NOTICE):
            if view.card_present:
                k.card.remove()
            else:
                self.post(ev.FinishTouched())
        elif screen is Screen.OUT_OF_SERVICE:
            # the operator looks: clears what is wrong, lets hung devices go, and resumes; the kiosk
            # then checks its devices before it takes the next resident
            k.printer.clear_fault()
            k.printer.resume()
            k.cash.clear()
            k.card.plug()
            for family in FAMILIES:
                self.executor.release(family)
            if pick % 2 or not self.executor.busy("health"):
                k.flow.set_in_service(True)
            self._devices_and_time()
        else:
            self._devices_and_time()

    def _devices_and_time(self) -> None:
        self.executor.step()
        self.clock.advance(0.5)
        self._tick()

    # --- the moments that matter: a fault or a late answer right as money or paper moves -------------------
    def _on(*screens: Screen):
        return precondition(lambda self: self.k is not None and self.k.flow.screen in screens)

    @rule(pick=st.integers(0, 255), hitch=st.sampled_from(HITCHES), cancels=st.booleans())
    def to_the_money(self, pick: int, hitch: str, cancels: bool) -> None:
        """A resident goes to the payment screen; then a jam as the payment completes, or 中止 after a
        coin and 終了 at once, with ``hitch`` while the coins are still out: the moments of bugs (a)
        and (d), reached in one rule rather than by chance."""
        self.resident_until(Screen.PAYMENT, pick)
        if self.k.flow.screen is not Screen.PAYMENT:
            return
        if cancels:
            self.pay_part_then_cancel([100], hitch, leaves=True)
        else:
            self.pay_with_a_hitch(bill=bool(pick % 2), hitch="jam")

    @_on(Screen.PAYMENT)
    @rule(bill=st.booleans(), hitch=st.sampled_from(HITCHES))
    def pay_with_a_hitch(self, bill: bool, hitch: str) -> None:
        """Pay the rest (one 1000 yen bill, or coins); then, before the unit has stacked: ``hitch``."""
        self._act()
        self._cash_ready()
        view = self.k.flow.view()
        for coin in [1000] if bill else _coins(view.due - view.paid):
            self.k.cash.insert(coin)
        self._hitch(hitch)

    @_on(Screen.PAYMENT)
    @rule(coins=st.lists(st.sampled_from([10, 50, 100, 500]), min_size=1, max_size=3), hitch=st.sampled_from(HITCHES),
          leaves=st.booleans())
    def pay_part_then_cancel(self, coins: list[int], hitch: str, leaves: bool) -> None:
        """Put some coins in and touch 中止; then, before the unit has given them back: ``hitch``; and
        if the resident ``leaves``, 終了 at once and time runs on while the coins are still out."""
        self._act()
        self._cash_ready()
        for coin in coins:
            self.k.cash.insert(coin)
        self.post(ev.CancelTouched())
        self._hitch(hitch)
        if leaves:
            self.post(ev.FinishTouched())
            self.clock.advance(self.k.config.timings.notice)
            self._tick()

    @_on(Screen.PAYMENT)
    @rule(coin=st.sampled_from([10, 100, 500]), card=st.sampled_from(RESIDENT_CARDS), hitch=st.sampled_from(HITCHES))
    def leave_as_a_coin_drops(self, coin: int, card: str, hitch: str) -> None:
        """中止 and 終了 before the unit is disabled: a coin still drops in, the next resident sets a card
        while it is being given back, and then ``hitch``."""
        self._act()
        self._cash_ready()  # the coin slot is open
        self.executor.hold("cash")
        self.post(ev.CancelTouched())
        self.post(ev.FinishTouched())
        self.k.cash.insert(coin)
        self.card_name = card
        self.k.card.insert(card)
        self.executor.release("cash")
        self._hitch(hitch)

    @_on(Screen.TAKING_PAYMENT, Screen.PRINTING)
    @rule(trouble=st.sampled_from(PRINTER_TROUBLES))
    def printer_trouble(self, trouble: str) -> None:
        """The printer goes wrong just as the certificates are sent to it."""
        self._act()
        self._printer_trouble(trouble)

    def _printer_trouble(self, trouble: str) -> None:
        if trouble.startswith("paused"):
            self.k.printer.set_fault(PrinterState.PAUSED)
        elif trouble == "media_empty":
            self.k.printer.set_fault(PrinterState.MEDIA_EMPTY)
        if trouble == "printer_hangs":
            self.executor.hold("printer")
        elif trouble.endswith("answers_late"):
            self._answer_late("printer", self.k.config.timings.printer_call)

    def _cash_ready(self) -> None:
        """The resident waits until the coin slot opens (the unit's calls so far have run)."""
        for _ in range(SETTLE_LIMIT):
            if not self.executor.busy("cash") or self.executor.idle:
                break
            self.executor.step()

    def _hitch(self, hitch: str) -> None:
        cash = self.k.cash
        if hitch == "jam":
            cash.jam()
        elif hitch in ("fail_after_work", "fail_before_work"):
            cash.fail_next_call(after_work=hitch == "fail_after_work")
        elif hitch == "empty_float":
            cash.empty_float()
        elif hitch == "coin_slips_in":  # the unit is not disabled yet: one more coin is accepted
            cash.insert(100)
        elif hitch == "hangs":
            self.executor.hold("cash")
        elif hitch == "answers_late":
            self._answer_late("cash", self.k.config.timings.cash_call)

    def _answer_late(self, family: str, deadline: float) -> None:
        """The family's calls get no answer until just after their deadline; then they all answer."""
        self.executor.hold(family)
        for _ in range(3):
            self.clock.advance(deadline / 3 + 0.5)
            self._tick()
        self.executor.release(family)
        for _ in range(SETTLE_LIMIT):
            if self.executor.idle:
                break
            self.executor.step()

    # --- faults -------------------------------------------------------------------------------------------
    @rule(fault=st.sampled_from(["jam", "clear", "fail_after_work", "fail_before_work", "empty_float"]))
    def cash_fault(self, fault: str) -> None:
        self._act()
        cash = self.k.cash
        if fault == "jam":
            cash.jam()
        elif fault == "clear":
            cash.clear()
        elif fault == "empty_float":
            cash.empty_float()
        else:
            cash.fail_next_call(after_work=fault == "fail_after_work")

    @rule(state=st.sampled_from([PrinterState.PAUSED, PrinterState.MEDIA_EMPTY, PrinterState.JAM, PrinterState.OFFLINE]))
    def printer_fault(self, state: PrinterState) -> None:
        self._act()
        self.k.printer.set_fault(state)

    @rule(resume=st.booleans())
    def printer_fixed(self, resume: bool) -> None:
        """Paper refilled or jam cleared; with ``resume`` the operator also resumes a paused queue."""
        self._act()
        self.k.printer.clear_fault()
        if resume:
            self.k.printer.resume()

    @rule(fault=st.sampled_from(["unplug", "plug", "pull_during_sign"]))
    def reader_fault(self, fault: str) -> None:
        self._act()
        card = self.k.card
        {"unplug": card.unplug, "plug": card.plug, "pull_during_sign": card.pull_during_next_sign}[fault]()

    @rule()
    def back_in_service(self) -> None:
        self._act()
        self.k.flow.set_in_service(True)

    # --- devices answering, late or not at all -------------------------------------------------------------
    @rule(steps=st.integers(1, 8))
    def devices_step(self, steps: int) -> None:
        self._act()
        for _ in range(steps):
            self.executor.step()

    @rule()
    def devices_settle(self) -> None:
        """Every call not held runs and every answer arrives (no time passes)."""
        self._act()
        for _ in range(SETTLE_LIMIT):
            if self.executor.idle:
                break
            self.executor.step()

    @rule(family=st.sampled_from(FAMILIES))
    def hold(self, family: str) -> None:
        self._act()
        self.executor.hold(family)

    @rule(family=st.sampled_from(FAMILIES))
    def release(self, family: str) -> None:
        self._act()
        self.executor.release(family)

    # --- time ------------------------------------------------------------------------------------------------
    @rule(seconds=st.sampled_from([0.5, 1, 2, 5, 14, 16, 21, 31, 45, 61, 91, 121, 301, 400]))
    def wait(self, seconds: float) -> None:
        """Time jumps at once: one Tick, devices get no chance in between."""
        self._act()
        self.clock.advance(seconds)
        self._tick()

    @rule(seconds=st.sampled_from([2, 10, 31, 61, 130, 310]))
    def wait_while_devices_work(self, seconds: float) -> None:
        """Time passes in short steps and devices work meanwhile (as the scenario runner's ``wait``)."""
        self._act()
        steps = max(1, int(seconds / 2))
        for _ in range(steps):
            self.clock.advance(seconds / steps)
            self.executor.step()
            self._tick()

    # --- invariants --------------------------------------------------------------------------------------------
    @invariant()
    def books_balance(self) -> None:
        if self.k is None:
            return
        journal = self.k.journal
        in_flight = {c.request_id for c in self.executor.in_flight}
        # an operation still in the executor has no outcome yet (e.g. a return sent after its session closed)
        problems = [p for p in check_books(journal)
                    if not (p.endswith("has no outcome") and p.split()[-4] in in_flight)]
        unfinished = set(journal.unfinished_sessions())
        for session_id, events in by_session(journal).items():
            if session_id not in unfinished and balance_of(events).undelivered:
                problems.append(f"closed session {session_id[:8]}: undelivered {balance_of(events).undelivered} yen")
        assert not problems, "the books do not balance:\n  " + "\n  ".join(problems) + self._journal_text()

    @invariant()
    def one_session_at_most(self) -> None:
        if self.k is None:
            return
        unfinished = self.k.journal.unfinished_sessions()
        current = self.k.flow.view().session_id
        assert len(unfinished) <= 1, f"{len(unfinished)} sessions open at once: {[s[:8] for s in unfinished]}"
        assert unfinished == ([current] if current else []), (
            f"the journal's open sessions {[s[:8] for s in unfinished]} are not the flow's current one "
            f"({(current or 'none')[:8]})")

    @invariant()
    def no_screen_outlives_its_timeout(self) -> None:
        if self.k is None or self.ticked_at is None:
            return
        view = self.k.flow.view()
        assert view.idle_deadline is None or view.idle_deadline > self.ticked_at, (
            f"after a Tick at {self.ticked_at:%H:%M:%S.%f}, screen {view.screen.value} is still shown although its "
            f"deadline was {view.idle_deadline:%H:%M:%S.%f} (in flight: {self.executor.in_flight})")

    @invariant()
    def escrow_empty_between_sessions(self) -> None:
        if self.k is None or self.k.flow.session_open or self.executor.busy("cash"):
            return
        held = self.k.cash.held()
        assert held == 0 or self._kept_by_a_failed_unit(held), (
            f"the cash unit holds {held} yen in escrow with no session open and no cash call waiting"
            + self._journal_text())

    def _kept_by_a_failed_unit(self, held: int) -> bool:
        """A unit that failed every return it was sent (_RETURN_ATTEMPTS) keeps the cash: it is then
        owed, with a reference, and the kiosk takes no money until staff have looked."""
        owed = sum(r.amount for r in self.k.journal.refunds_owed())
        return owed >= held and self.k.flow.screen is Screen.OUT_OF_SERVICE and not self.k.flow.session_open

    @invariant()
    def escrow_is_what_the_session_put_in(self) -> None:
        if self.k is None or self.executor.busy("cash"):
            return
        current = self.k.flow.view().session_id
        expected = balance_of(self.k.journal.events(current)).escrow if current else 0
        held = self.k.cash.held()
        assert held == expected or (not current and self._kept_by_a_failed_unit(held)), (
            f"the cash unit holds {held} yen in escrow, but the journal says the "
            f"{'open session put in ' if current else 'kiosk holds '}{expected} yen since its last stack or return "
            f"(no cash call waiting)" + self._journal_text())

    @invariant()
    def journal_agrees_with_the_cash_unit(self) -> None:
        if self.k is None or self.executor.busy("cash"):
            return
        problems = check_books(self.k.journal, self.k.cash.counters())
        held = self.k.cash.held()
        if held and self._kept_by_a_failed_unit(held):  # staff are told of it (kiosk journal --check): owed
            problems = [p for p in problems if p != f"cash unit holds {held} yen in escrow with no session open"]
        assert not problems, (
            "with no cash call waiting, the journal and the cash unit's own counters disagree:\n  "
            + "\n  ".join(problems) + self._journal_text())

    @invariant()
    def nothing_refunded_has_printed(self) -> None:
        if self.k is None or self.executor.busy("printer"):
            return
        problems = refunded_prints(self.k.journal, self.k.config.printed_dir)
        assert not problems, "a refunded document printed:\n  " + "\n  ".join(problems) + self._journal_text()

    @invariant()
    def no_pin_is_kept(self) -> None:
        if self.k is None:
            return
        kept = self._kept_pins()
        if kept:
            gc.collect()  # a reference from garbage not yet collected is no reference
            kept = self._kept_pins()
        assert not kept, "a PIN is kept: " + "; ".join(kept)
        self.checks += 1
        if self.checks % GC_SWEEP_EVERY == 0:
            # every so often, look at every Pin in the process: none but the ones typed here may hold digits
            earlier = {id(p) for p in self.earlier_pins} | {id(p) for p in self.pins}
            strays = [p for p in live_pins() if len(p._digits) and id(p) not in earlier]
            assert not strays, f"{len(strays)} Pin(s) holding digits that the resident never typed (a copy of a PIN?)"

    def _kept_pins(self) -> list[str]:
        """What is wrong with each PIN typed in this run that still holds digits."""
        current = self.k.flow.view().session_id
        waiting = {id(c.pin): c for c in self.executor.in_flight if c.pin is not None and not c.started}
        problems = []
        for pin in self.pins:
            if not len(pin._digits):
                continue
            # references: self.pins, the loop variable and getrefcount's own argument
            held_elsewhere = sys.getrefcount(pin) > 3
            call = waiting.get(id(pin))
            if not held_elsewhere:
                problems.append("dropped without being wiped")
            elif call is None:
                problems.append("still holding digits, though no card call waits for it")
            elif call.session_id != current:
                problems.append(f"still holding digits in {call!r}, whose session has closed "
                                f"(current session: {(current or 'none')[:8]})")
        return problems

    def _journal_text(self) -> str:
        return "\njournal:\n  " + "\n  ".join(e.describe() for e in self.k.journal.events())


def run_flow_machine(template: Path, workdir: Path, profile: str | None = None, machine=None, **overrides) -> None:
    """Run the machine on copies of ``template`` (a provisioned data directory); raises on a failure."""
    chosen = settings(settings.get_profile(PROFILES[profile or os.environ.get("KIOSK_FLOW_PROFILE", "default")]),
                      **overrides)
    machine = machine or KioskFlowMachine
    run_state_machine_as_test(lambda: machine(template, workdir), settings=chosen)


@pytest.mark.stateful
def test_flow_keeps_its_promises(provisioned_dir, tmp_path):
    template = tmp_path / "template"
    from app.provision import copy_provisioned

    copy_provisioned(provisioned_dir, template)
    run_flow_machine(template, tmp_path)
