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

import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kiosk import events as ev
from kiosk.clock import JST, ManualClock
from kiosk.kinds import CertificateKind
from kiosk.pin import Pin, PinFormatError
from kiosk.ports.cash import CashOperationKind
from kiosk.ports.printer import PrinterState
from kiosk.screen_facts import WAITS_ON_DEVICE
from kiosk.session_view import SessionView

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
_SETTLE_STEP_SECONDS = 0.5
_SETTLE_LIMIT = 2000


class ScenarioError(ValueError):
    """The scenario file itself is wrong (an unknown key, a bad value): one line, file and step."""


class ExpectationFailed(AssertionError):
    pass


@dataclass(frozen=True)
class Step:
    number: int
    action: str
    value: object
    expect: dict


@dataclass(frozen=True)
class Scenario:
    path: Path
    description: str
    start: datetime
    steps: tuple[Step, ...]
    expect: dict = field(default_factory=dict)


def load_scenario(path: Path) -> Scenario:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from None
    for key in raw:
        if key not in ("description", "start", "step", "expect"):
            raise ScenarioError(f"{path}: unknown key {key!r}")
    start = raw.get("start", datetime(2026, 11, 25, 10, 0, tzinfo=JST))
    if not isinstance(start, datetime):
        raise ScenarioError(f"{path}: start must be a date-time, e.g. 2026-11-25T10:00:00+09:00")
    steps = []
    for number, table in enumerate(raw.get("step", []), start=1):
        expect = table.get("expect", {})
        actions = [k for k in table if k != "expect"]
        if len(actions) != 1 or actions[0] not in ACTIONS:
            raise ScenarioError(f"{path}: step {number}: needs exactly one action of {', '.join(ACTIONS)}; got {actions}")
        _check_expect(path, f"step {number}", expect)
        steps.append(Step(number, actions[0], table[actions[0]], expect))
    expect = raw.get("expect", {})
    _check_expect(path, "expect", expect)
    return Scenario(Path(path), str(raw.get("description", "")), start.astimezone(JST), tuple(steps), expect)


def _check_expect(path: Path, where: str, expect: dict) -> None:
    for key in expect:
        if key not in EXPECTATIONS:
            raise ScenarioError(f"{path}: {where}: unknown expectation {key!r}")


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


class ScenarioRunner:
    """Runs a scenario against a kiosk built by the composition root with simulated devices."""

    def __init__(self, kiosk, clock: ManualClock, executor) -> None:
        self._k = kiosk
        self._clock = clock
        self._executor = executor  # a ShufflingExecutor: seeded, results come late and out of order
        self._printed = 0

    def run(self, scenario: Scenario) -> ScenarioResult:
        self._clock.set(scenario.start)
        self._k.start()
        failures: list[str] = []
        for step in scenario.steps:
            try:
                self._act(step)
            except (PinFormatError, ValueError, KeyError) as exc:
                raise ScenarioError(f"{scenario.path}: step {step.number} ({step.action}): {exc}") from None
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
            self._k.card.insert(str(v))
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
            changes = {"copies": v} if a == "copies" else dict(v)
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
                self._k.cash.insert(int(denomination))
        elif a == "cancel":
            post(ev.CancelTouched())
        elif a == "still_here":
            post(ev.StillHereTouched())
        elif a == "finish":
            post(ev.FinishTouched())
        elif a == "wait":
            self._advance(float(v))
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
            self._k.cash.jam()
        elif name == "cash:empty_float":
            self._k.cash.empty_float()
        elif name in ("cash:fail_after_work", "cash:fail_before_work"):
            self._k.cash.fail_next_call(after_work=name == "cash:fail_after_work")
        elif name == "cash:fail_change_after_work":
            self._k.cash.fail_next_call(after_work=True, kind=CashOperationKind.DISPENSE)
        elif name == "reader:unplug":
            self._k.card.unplug()
        elif name == "card:pull_during_sign":
            self._k.card.pull_during_next_sign()

    def _clear_fault(self, family: str) -> None:
        if family == "printer":
            self._k.printer.clear_fault()
            self._k.printer.resume()  # a paused queue stays paused until someone resumes it
        elif family == "cash":
            self._k.cash.clear()
        elif family == "reader":
            self._k.card.plug()
        else:
            raise ValueError(f"unknown device family {family!r}: printer, cash or reader")

    # --- time -----------------------------------------------------------------------------------
    def _advance(self, seconds: float) -> None:
        steps = max(1, int(seconds / _SETTLE_STEP_SECONDS))
        for _ in range(steps):
            self._clock.advance(seconds / steps)
            self._k.runtime.post(ev.Tick(self._clock.now()))
            self._step_devices()

    def _settle(self) -> None:
        """Let device-bound screens finish (printing needs polls) and every answer arrive."""
        for _ in range(_SETTLE_LIMIT):
            self._k.runtime.post(ev.Tick(self._clock.now()))
            if self._executor.idle and self._k.flow.screen not in WAITS_ON_DEVICE:
                return
            if self._executor.idle and self._executor.holding:
                return  # the kiosk waits on a held device: time stands still until the scenario moves it
            self._step_devices()
            if self._k.flow.screen in WAITS_ON_DEVICE:
                self._clock.advance(_SETTLE_STEP_SECONDS)
        raise ScenarioError(f"the kiosk did not settle: stuck on {self._k.flow.screen.value}")

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
        return self._k.flow.view()

    def _printed_documents(self) -> int:
        return sum(1 for e in self._k.journal.events() if e.type.value == "print_completed")

    def _check(self, expect: dict) -> list[str]:
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
                got = {o.kind.value: o.refusal.reason.value for o in view.offers if o.refusal}
                wrong = {k: got.get(k) for k, reason in want.items() if got.get(k) != reason}
                if wrong:
                    failures.append(f"expected refusals {want}, got {wrong}")
            elif key == "municipality_refused":
                got = {m.code: m.refusal.reason.value if m.refusal else None for m in view.municipalities}
                wrong = {k: got.get(k) for k, reason in want.items() if got.get(k) != reason}
                if wrong:
                    failures.append(f"expected municipality refusals {want}, got {wrong}")
            elif actual[key] != want:
                failures.append(f"expected {key} = {want!r}, got {actual[key]!r}")
        return failures

    def _owed_total(self) -> int:
        return sum(r.amount for r in self._k.journal.refunds_owed())
