"""Scripted sessions: a TOML file of steps (card, PIN keys, choices, coins, faults, clock jumps)
run headless through the real flow and the simulated devices.

    start = 2026-11-25T10:00:00+09:00     # the clock at the first step
    [[step]]
    card = "sato-taro"                    # set a demo card on the reader
    [[step]]
    pin = "1234"
    [[step]]
    kind = "juminhyo"
    [[step]]
    confirm = true
    [[step]]
    insert = [1000]
    expect = { screen = "done" }

One action per step; ``expect`` may follow any step. The ``[expect]`` table at the end is
checked once the scenario has run. Every key is listed in ``ACTIONS`` and ``EXPECTATIONS``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Callable, Mapping, Protocol, cast

import msgspec

from kiosk import events as ev
from kiosk.clock import JST, ManualClock
from kiosk.eligibility import RefusalReason
from kiosk.kinds import CertificateKind
from kiosk.notices import NoticeCode
from kiosk.pin import Pin, PinFormatError
from kiosk.ports.cash import CashOperationKind
from kiosk.ports.printer import PrinterState
from kiosk.screen_facts import WAITS_ON_DEVICE
from kiosk.session_view import Screen, SessionView
from kiosk.shuffle import ShufflingExecutor
from kiosk.validation import MIB, InputFileError, Invalid, Schema, between, load_toml, one_of, pattern, seconds

ACTIONS = (
    "card", "remove_card", "start", "pin", "municipality", "kind", "set", "copies", "add_another",
    "remove_line", "back_to_order", "confirm", "insert", "cancel", "still_here", "finish", "wait", "fault", "clear_fault",
    "hold", "release", "back_in_service",
)
FAMILIES = ("card", "cash", "printer", "center")
EXPECTATIONS = (
    "screen", "notice", "tries_left", "refusal", "paid", "due", "change", "refund_owed",
    "offered", "not_offered", "order_total", "printed_documents", "refused", "municipality_refused",
    "closed_reason", "returned",
)
FAULTS = {
    "printer:media_empty": ("printer", PrinterState.MEDIA_EMPTY),
    "printer:jam": ("printer", PrinterState.JAM),
    "printer:offline": ("printer", PrinterState.OFFLINE),
    "printer:paused": ("printer", PrinterState.PAUSED),
    "cash:jam": ("cash", None),
    "cash:empty_float": ("cash", None),
    "cash:fail_after_work": ("cash", None),  # the next stack/return/payout does its work, then its call raises
    "cash:fail_before_work": ("cash", None),  # ... raises before it moves anything
    "cash:fail_change_after_work": ("cash", None),  # the next change payout pays, then its call raises
    "reader:unplug": ("card", None),
    "card:pull_during_sign": ("card", None),
}
DEFAULT_START = datetime(2026, 11, 25, 10, 0, tzinfo=JST)
_SETTLE_STEP_SECONDS = 0.5
_SETTLE_LIMIT = 2000


class ScenarioError(InputFileError):
    """The scenario file itself is wrong (an unknown key, a bad value): one line, file and step."""


class ExpectationFailed(AssertionError):
    pass


@dataclass(frozen=True)
class Step:
    number: int
    action: str
    value: object
    expect: dict[str, Any]


@dataclass(frozen=True)
class Scenario:
    path: Path
    description: str
    start: datetime
    steps: tuple[Step, ...]
    expect: dict[str, Any] = field(default_factory=dict)


def load_scenario(path: Path) -> Scenario:
    raw = load_toml(path, _ScenarioFile, file=str(path), error=ScenarioError, max_bytes=MAX_FILE_BYTES,
                    where=_step_label, unknown={"step[]": f"unknown action; one of {', '.join(ACTIONS)}",
                                                "step[].expect": _UNKNOWN_EXPECTATION,
                                                "expect": _UNKNOWN_EXPECTATION})
    steps = []
    for number, table in enumerate(raw.step, start=1):
        action = next(a for a in ACTIONS if getattr(table, a) is not None)
        value = getattr(table, action)
        value = _set_only(value) if isinstance(value, msgspec.Struct) else list(value) if isinstance(value, list) else value
        steps.append(Step(number, action, value, _expectations(table.expect)))
    return Scenario(Path(path), raw.description, raw.start.astimezone(JST), tuple(steps), _expectations(raw.expect))


# --- the file's schema (kiosk/validation.py) ----------------------------------------------------------
MAX_FILE_BYTES = 1 * MIB
WAIT_LIMIT = 24 * 60 * 60  # one wait: a day at most; ``_advance`` ticks every half second of it
TOTAL_WAIT_LIMIT = 2 * WAIT_LIMIT  # all waits of one scenario: it runs in simulated time, but each tick costs
_UNKNOWN_EXPECTATION = f"unknown expectation; one of {', '.join(EXPECTATIONS)}"
_Kind = Annotated[str, one_of(*(k.value for k in CertificateKind))]
_Code = Annotated[str, pattern(r"^[0-9]{6}$", "a six-digit municipality code")]
_Reason = Annotated[str, one_of(*(r.value for r in RefusalReason))]
_Yen = Annotated[int, between(0, 10_000_000)]
_Copies = Annotated[int, between(1, 100)]
_Coin = Annotated[int, between(1, 10_000)]
_Kinds = Annotated[list[_Kind], msgspec.Meta(max_length=len(CertificateKind))]
_Member = Annotated[str, pattern(r"^(?:self|[A-Za-z0-9][A-Za-z0-9_-]{0,63})$", "self or a resident_ref such as R-0002")]
_Family = Annotated[str, one_of(*FAMILIES)]
_Touch = bool  # `confirm = true`: the value says nothing more; false is refused below


class _Refused(Schema):
    """``refused``: kind -> the refusal expected for it."""

    juminhyo: _Reason | None = None
    juminhyo_kisai: _Reason | None = None
    inkan: _Reason | None = None
    tax_shotoku: _Reason | None = None
    tax_hikazei: _Reason | None = None
    koseki_zenbu: _Reason | None = None
    koseki_kojin: _Reason | None = None
    fuhyo: _Reason | None = None


class _Expect(Schema):
    screen: Annotated[str, one_of(*(s.value for s in Screen))] | None = None
    notice: Annotated[str, one_of(*(n.value for n in NoticeCode))] | None = None
    tries_left: Annotated[int, between(0, 3)] | None = None
    refusal: _Reason | None = None
    paid: _Yen | None = None
    due: _Yen | None = None
    change: _Yen | None = None
    refund_owed: _Yen | None = None
    offered: _Kinds | None = None
    not_offered: _Kinds | None = None
    order_total: _Yen | None = None
    printed_documents: Annotated[int, between(0, 1000)] | None = None
    refused: _Refused | None = None
    municipality_refused: Annotated[dict[_Code, _Reason], msgspec.Meta(max_length=100)] | None = None
    closed_reason: Annotated[str, pattern(r"^[a-z_]{1,40}$", "a reason such as year_end")] | None = None
    returned: _Yen | None = None


class _Set(Schema):
    """``set``: the draft line's options (kiosk.order.CertificateOptions) and copies."""

    members: Annotated[list[_Member], msgspec.Meta(max_length=50)] | None = None
    household_head_and_relationship: bool | None = None
    honseki_and_hittousha: bool | None = None
    my_number: bool | None = None
    foreign_items: bool | None = None
    fiscal_year: Annotated[int, between(1989, 2200)] | None = None
    copies: _Copies | None = None


class _Step(Schema):
    card: Annotated[str, pattern(r"^[a-z0-9][a-z0-9_-]{0,63}$", "a demo card name (see `kiosk cards`)")] | None = None
    remove_card: _Touch | None = None
    start: _Touch | None = None
    pin: Annotated[str, pattern(r"^[0-9]{4}$", "four digits")] | None = None
    municipality: _Code | None = None
    kind: _Kind | None = None
    set: _Set | None = None
    copies: _Copies | None = None
    add_another: _Touch | None = None
    remove_line: _Kind | None = None
    back_to_order: _Touch | None = None
    confirm: _Touch | None = None
    insert: _Coin | Annotated[list[_Coin], msgspec.Meta(min_length=1, max_length=100)] | None = None
    cancel: _Touch | None = None
    still_here: _Touch | None = None
    finish: _Touch | None = None
    wait: Annotated[float, seconds(WAIT_LIMIT)] | None = None
    fault: Annotated[str, one_of(*FAULTS)] | None = None
    clear_fault: Annotated[str, one_of("printer", "cash", "reader")] | None = None
    hold: _Family | None = None
    release: _Family | None = None
    back_in_service: _Touch | None = None
    expect: _Expect | None = None

    def __post_init__(self) -> None:
        given = [a for a in ACTIONS if getattr(self, a) is not None]
        if len(given) != 1:
            raise Invalid("", f"needs exactly one action of {', '.join(ACTIONS)}; got {given or 'none'}")
        if getattr(self, given[0]) is False:
            raise Invalid(given[0], f"write {given[0]} = true (false does nothing)")


class _ScenarioFile(Schema):
    description: Annotated[str, pattern(r"^[^\x00]*$", "text", max_length=4000)] = ""
    start: Annotated[datetime, msgspec.Meta(tz=True)] = DEFAULT_START
    step: Annotated[list[_Step], msgspec.Meta(max_length=10_000)] = msgspec.field(default_factory=list)
    expect: _Expect | None = None

    def __post_init__(self) -> None:
        if not 2000 <= self.start.year <= 2100:
            raise Invalid("start", "expected a moment between the years 2000 and 2100")
        if sum(s.wait or 0 for s in self.step) > TOTAL_WAIT_LIMIT:
            raise Invalid("step", f"the waits add up to more than {TOTAL_WAIT_LIMIT} seconds")


def _step_label(segments: list[str | int]) -> tuple[str, int] | None:
    if len(segments) >= 2 and segments[0] == "step" and isinstance(segments[1], int):
        return f"step {segments[1] + 1}", 2
    return None


def _expectations(expect: _Expect | None) -> dict[str, object]:
    if expect is None:
        return {}
    return {k: v if not isinstance(v, msgspec.Struct) else _set_only(v)
            for k, v in msgspec.structs.asdict(expect).items() if v is not None}


def _set_only(struct: msgspec.Struct) -> dict[str, object]:
    return {k: v for k, v in msgspec.structs.asdict(struct).items() if v is not None}


@dataclass
class ScenarioResult:
    scenario: Scenario
    final: SessionView
    journal_lines: list[str]
    failures: list[str]
    printed_documents: int
    shuffle: int | None = None

    @property
    def passed(self) -> bool:
        return not self.failures


class CashHands(Protocol):
    """What a scenario does at the cash unit with its hands: not the kiosk's calls to the unit (the
    CashUnit port) but a resident's coin or note, and the faults a scenario puts on the unit.

    The simulated unit is its own hands (the default). Hands of another unit (the serial one, on
    its emulators) return from ``insert``, ``jam`` and ``clear`` once the unit has reported what
    they did, so the runner finds the report waiting for it; a fault they cannot cause raises
    ``NotImplementedError`` and the scenario is an error, never quietly something else.
    """

    def insert(self, denomination: int) -> object: ...

    def jam(self) -> None: ...

    def clear(self) -> None: ...

    def empty_float(self) -> None: ...

    def fail_next_call(self, after_work: bool = True, kind: CashOperationKind | None = None) -> None: ...


class ScenarioRunner:
    """Runs a scenario against a kiosk built by the composition root with simulated devices.

    ``hands`` act at the cash unit (default: the kiosk's cash unit itself, the simulated one).
    ``pump``, when device events arrive on threads of their own (the serial cash unit's poll
    threads) and wait in an inbox, hands them to the flow on this thread: it is called before every
    step of settling and of waiting, as the kiosk's runtime may only be posted to from one thread.
    """

    # ``kiosk`` is Any: the runner drives the simulated devices' own controls (insert, jam, set_fault ...),
    # which the ports do not have; load_scenario has checked every value it hands them.
    def __init__(self, kiosk: Any, clock: ManualClock, executor: ShufflingExecutor, hands: CashHands | None = None,
                 pump: Callable[[], object] | None = None) -> None:
        self._k = kiosk
        self._clock = clock
        self._executor = executor  # a ShufflingExecutor: seeded, results come late and out of order
        self._hands: CashHands = hands if hands is not None else kiosk.cash
        self._pump: Callable[[], object] = pump or (lambda: None)
        self._printed = 0
        self._path = Path("scenario")

    def run(self, scenario: Scenario) -> ScenarioResult:
        self._path = scenario.path
        self._clock.set(scenario.start)
        self._k.start()
        failures: list[str] = []
        for step in scenario.steps:
            try:
                self._act(step)
            except InputFileError:
                raise  # a damaged data file (a card file, say) speaks for itself
            # NotImplementedError: a fault these cash hands cannot cause (CashHands)
            except (PinFormatError, ValueError, LookupError, NotImplementedError) as exc:
                raise ScenarioError(scenario.path, f"step {step.number} ({step.action})", str(exc)) from None
            self._settle()
            failures += [f"step {step.number} ({step.action}): {f}" for f in self._check(step.expect)]
        self._settle()
        failures += [f"end: {f}" for f in self._check(scenario.expect)]
        failures += [f"end: books: {f}" for f in self._check_books()]
        lines = [event.describe() for event in self._k.journal.events()]
        return ScenarioResult(scenario, self._view(), lines, failures, self._printed_documents())

    # --- acting -------------------------------------------------------------------------------
    def _act(self, step: Step) -> None:
        post = self._k.runtime.post
        a, v = step.action, step.value
        view = self._view()
        if a == "card":
            try:
                self._k.card.insert(str(v))
            except LookupError:  # hardware.card.simulated.UnknownDemoCard
                raise ValueError(f"no demo card named {v!r} (see `kiosk cards`)") from None
        elif a == "remove_card":
            self._k.card.remove()
        elif a == "start":
            post(ev.StartTouched())
        elif a == "pin":
            post(ev.PinEntered(Pin(str(v))))
        elif a == "municipality":
            post(ev.MunicipalityChosen(str(v)))
        elif a == "kind":
            post(ev.KindChosen(CertificateKind(v)))
        elif a in ("set", "copies"):
            if view.draft is None:
                raise ValueError("there is no draft line to change on this screen")
            changes: dict[str, Any] = {"copies": v} if a == "copies" else dict(cast(Mapping[str, Any], v))
            line = view.draft.with_copies(int(changes.pop("copies"))) if "copies" in changes else view.draft
            if "members" in changes:
                changes["members"] = tuple(self._member_ref(m, view) for m in changes["members"])
            post(ev.LineEdited(line.with_options(**changes) if changes else line))
        elif a == "add_another":
            post(ev.AddAnotherKindTouched())
        elif a == "back_to_order":
            post(ev.BackToOrderTouched())
        elif a == "remove_line":
            post(ev.LineRemoved(CertificateKind(v), view.municipality_code or ""))
        elif a == "confirm":
            post(ev.OrderConfirmed())
        elif a == "insert":
            for denomination in (v if isinstance(v, list) else [v]):
                self._hands.insert(int(cast(int, denomination)))
        elif a == "cancel":
            post(ev.CancelTouched())
        elif a == "still_here":
            post(ev.StillHereTouched())
        elif a == "finish":
            post(ev.FinishTouched())
        elif a == "wait":
            self._advance(float(cast(float, v)))
        elif a == "fault":
            self._fault(str(v))
        elif a == "clear_fault":
            self._clear_fault(str(v))
        elif a == "back_in_service":
            self._k.flow.set_in_service(True)  # the operator has looked at the fault and resumes
        elif a in ("hold", "release"):
            # hold: the family's calls get no answer until released (a slow or hung device)
            if v not in FAMILIES:
                raise ValueError(f"unknown device family {v!r}: one of {', '.join(FAMILIES)}")
            (self._executor.hold if a == "hold" else self._executor.release)(str(v))

    def _member_ref(self, member: str, view: SessionView) -> str:
        offer = next((o for o in view.offers if view.draft and o.kind is view.draft.kind), None)
        household = offer.household if offer else ()
        if member == "self":
            return next(m.resident_ref for m in household if m.is_self)
        return member

    def _fault(self, name: str) -> None:
        if name not in FAULTS:
            raise ValueError(f"unknown fault {name!r}; one of {', '.join(FAULTS)}")
        if name.startswith("printer:"):
            self._k.printer.set_fault(FAULTS[name][1])
        elif name == "cash:jam":
            self._hands.jam()
        elif name == "cash:empty_float":
            self._hands.empty_float()
        elif name in ("cash:fail_after_work", "cash:fail_before_work"):
            self._hands.fail_next_call(after_work=name == "cash:fail_after_work")
        elif name == "cash:fail_change_after_work":
            self._hands.fail_next_call(after_work=True, kind=CashOperationKind.DISPENSE)
        elif name == "reader:unplug":
            self._k.card.unplug()
        elif name == "card:pull_during_sign":
            self._k.card.pull_during_next_sign()

    def _clear_fault(self, family: str) -> None:
        if family == "printer":
            self._k.printer.clear_fault()
            self._k.printer.resume()  # a paused queue stays paused until someone resumes it
        elif family == "cash":
            self._hands.clear()
        elif family == "reader":
            self._k.card.plug()
        else:
            raise ValueError(f"unknown device family {family!r}: printer, cash or reader")

    # --- time -----------------------------------------------------------------------------------
    def _advance(self, seconds: float) -> None:
        steps = max(1, int(seconds / _SETTLE_STEP_SECONDS))
        for _ in range(steps):
            self._clock.advance(seconds / steps)
            self._pump()
            self._k.runtime.post(ev.Tick(self._clock.now()))
            self._step_devices()

    def _settle(self) -> None:
        """Let device-bound screens finish (printing needs polls) and every answer arrive."""
        for _ in range(_SETTLE_LIMIT):
            self._pump()
            self._k.runtime.post(ev.Tick(self._clock.now()))
            if self._executor.idle and self._k.flow.screen not in WAITS_ON_DEVICE:
                return
            if self._executor.idle and self._executor.holding:
                return  # the kiosk waits on a held device: time stands still until the scenario moves it
            self._step_devices()
            if self._k.flow.screen in WAITS_ON_DEVICE:
                self._clock.advance(_SETTLE_STEP_SECONDS)
        raise ScenarioError(self._path, "", f"the kiosk did not settle: stuck on {self._k.flow.screen.value}")

    def _step_devices(self) -> None:
        self._executor.step()

    def _check_books(self) -> list[str]:
        """After every scenario: each closed session balances and agrees with the cash unit."""
        from kiosk.journal.check import check_books

        from kiosk.session import UNSETTLED_AT_CLOSE

        unsettled = [f"session {r.session_id[:8]} closed with {r.amount} yen unsettled"
                     for r in self._k.journal.refunds_owed() if UNSETTLED_AT_CLOSE in r.reason]
        return check_books(self._k.journal, self._k.cash.counters()) + unsettled

    # --- checking --------------------------------------------------------------------------------
    def _view(self) -> SessionView:
        view: SessionView = self._k.flow.view()
        return view

    def _printed_documents(self) -> int:
        return sum(1 for e in self._k.journal.events() if e.type.value == "print_completed")

    def _check(self, expect: dict[str, Any]) -> list[str]:
        view = self._view()
        failures = []
        offered = {o.kind.value for o in view.offers if o.refusal is None}
        actual = {
            "screen": view.screen.value,
            "notice": view.notice.code.value if view.notice else None,
            "refusal": view.notice.refusal.reason.value if view.notice and view.notice.refusal else None,
            "tries_left": view.tries_left,
            "paid": view.paid,
            "due": view.due,
            "change": view.change,
            "refund_owed": self._owed_total(),
            "order_total": view.order.total + (view.draft.amount if view.draft else 0),
            "printed_documents": self._printed_documents(),
            "closed_reason": view.closed_reason,
            "returned": sum(e.amount or 0 for e in self._k.journal.events() if e.type.value == "cash_returned"),
        }
        for key, want in expect.items():
            if key == "offered":
                missing = set(want) - offered
                if missing:
                    failures.append(f"expected offered {sorted(missing)}, offered {sorted(offered)}")
            elif key == "not_offered":
                wrong = set(want) & offered
                if wrong:
                    failures.append(f"expected {sorted(wrong)} not to be offered")
            elif key == "refused":
                refusals = {o.kind.value: o.refusal.reason.value for o in view.offers if o.refusal}
                unlike = {k: refusals.get(k) for k, reason in want.items() if refusals.get(k) != reason}
                if unlike:
                    failures.append(f"expected refusals {want}, got {unlike}")
            elif key == "municipality_refused":
                closed = {m.code: m.refusal.reason.value if m.refusal else None for m in view.municipalities}
                unlike = {k: closed.get(k) for k, reason in want.items() if closed.get(k) != reason}
                if unlike:
                    failures.append(f"expected municipality refusals {want}, got {unlike}")
            elif actual[key] != want:
                failures.append(f"expected {key} = {want!r}, got {actual[key]!r}")
        return failures

    def _owed_total(self) -> int:
        return sum(r.amount for r in self._k.journal.refunds_owed())
