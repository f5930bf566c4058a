"""Every screen state the kiosk can show, for screenshots and for the layout tests to draw the same ones.

The views are real: sessions run through the real flow on the simulated devices (ManualClock,
the autopilot's settle), and ``flow.view()`` is kept at each step that matters; the screens that
only wait on a device (reading, authenticating, issuing, taking the money, printing) are kept as
the flow showed them on the way, from the runtime's change listener. A view does not depend on
the panel size nor on the language, so the states are captured once and then shown again on a
*display shell* of any size, in any language::

    states = capture(work_dir)                        # a few seconds, once
    shell = display_shell(work_dir, (1080, 1920))     # one per size
    for state in walk(shell, states, "en"):           # each state shown, in English
        shell.window.grab().save(f"{state.name}.png")

A state is a view, the time to show it at (the countdowns, the idle question and the service
hours read the clock) and the touches that only change the window, not the flow: the language
list, the order's details or the reasons for a refusal where they open by a touch, the cancel
question where the window asks one. A display shell never reaches the flow with them: its window
always repaints the state's view. ``python scripts/render_screens.py`` draws them all.

Worst cases are what matter: the household of four with every option open, two kinds in the
order, the idle question over a full screen, a done screen with change, a refund owed and the
card still on the reader.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton

from kiosk import events as ev
from kiosk.clock import JST, ManualClock
from kiosk.config import load_config
from kiosk.ports.printer import PrinterState
from app.provision import copy_provisioned, provision
from kiosk.screen_facts import facts
from kiosk.session_view import Screen, SessionView
from ui.autopilot import Autopilot

OPEN = datetime(2026, 11, 25, 10, 0, tzinfo=JST)  # a Wednesday, every kind on offer
NIGHT = datetime(2026, 11, 25, 23, 30, tzinfo=JST)
YEAR_END = datetime(2026, 12, 30, 10, 0, tzinfo=JST)
SIZES: tuple[tuple[int, int], ...] = ((1280, 1024), (1920, 1080), (1080, 1920))



@dataclass(frozen=True)
class State:
    """One thing the kiosk shows: ``name`` (file-name safe, in showing order), the flow's view,
    the clock at that moment, and touches on the window alone (button object names) that make
    the state, with the touches that undo them (``None``: only a fresh window undoes them)."""

    name: str
    view: SessionView
    now: datetime
    taps: tuple[str, ...] = ()
    untaps: tuple[str, ...] | None = ()

    def __iter__(self):  # name, view = state
        return iter((self.name, self.view))


# --- capturing: real sessions on the simulated devices ------------------------------------------------
def provisioned(work: Path) -> Path:
    """The demo registry, PKI and cards under ``work`` (made once; about a second)."""
    base = work / "provisioned"
    if not (base / ".gallery-provisioned").exists():
        provision(dataclasses.replace(load_config(), data_dir=base))
        (base / ".gallery-provisioned").touch()
    return base


class _Session:
    """A capture kiosk at 1280×1024 on its own copy of the demo data, driven like the autopilot does."""

    count = 0

    def __init__(self, base: Path, work: Path, start: datetime = OPEN) -> None:
        from ui.shell import KioskShell

        _Session.count += 1
        data = work / f"capture-{_Session.count}"
        copy_provisioned(base, data)
        self.clock = ManualClock(start)
        self.shell = KioskShell(dataclasses.replace(load_config(), data_dir=data), self.clock, tick=False)
        self.flow = self.shell.kiosk.flow
        self.seen: list[tuple[datetime, SessionView]] = []  # every view the flow had, device waits included
        self.shell.kiosk.runtime.on_change(lambda: self.seen.append((self.clock.now(), self.flow.view())))
        self.pilot = Autopilot(self.shell, None, self.clock, work, self.shell.window.grab)
        self.shell.window.show()
        self.shell.start()
        self.settle()

    # the resident, and the time: as the autopilot plays them
    def touch(self, name: str) -> None:
        self.pilot.touch(name)

    def wait(self, seconds: float) -> None:
        self.pilot.wait(seconds)

    def settle(self) -> None:
        self.pilot.settle()

    def has(self, name: str) -> bool:
        QApplication.processEvents()
        return any(b.isVisible() for b in self.shell.window.findChildren(QPushButton, name))

    def pin(self, digits: str) -> None:
        for digit in digits:
            self.touch(f"pin_key_{digit}")
        self.touch("pin_ok")
        self.settle()

    def to_payment(self, kind: str) -> None:
        """佐藤一郎 signed in, one ``kind`` chosen as offered and confirmed: on the payment screen."""
        self.card("sato-ichiro")
        self.pin("4721")
        self.pull()
        self.choose(kind)
        self.choose("confirm")

    def choose(self, name: str) -> None:
        self.touch(name)
        self.settle()

    def post(self, event) -> None:
        self.shell.post(event)
        self.settle()

    # the devices, on their workers
    def card(self, name: str) -> None:
        self.shell.device("card", lambda: self.shell.kiosk.card.insert(name))
        self.settle()

    def pull(self) -> None:
        self.shell.device("card", self.shell.kiosk.card.remove)
        self.settle()

    def insert(self, *amounts: int) -> None:
        for amount in amounts:
            self.shell.device("cash", lambda a=amount: self.shell.kiosk.cash.insert(a))
            self.settle()

    def printer_fault(self, state: PrinterState) -> None:
        self.shell.device("printer", lambda: self.shell.kiosk.printer.set_fault(state))
        self.settle()

    # what it shows
    def state(self, name: str, screen: Screen, **kw) -> State:
        view = self.flow.view()
        if view.screen is not screen:
            raise RuntimeError(f"gallery: {name} expected the {screen.value} screen, the flow shows {view.screen.value}")
        return State(name, view, self.clock.now(), **kw)

    def passed(self, name: str, screen: Screen, pick: Callable[[SessionView], object] = lambda v: 0) -> State:
        """A screen the flow passed through while waiting on a device (the best by ``pick``)."""
        shown = [(now, v) for now, v in self.seen if v.screen is screen]
        if not shown:
            raise RuntimeError(f"gallery: the flow never showed the {screen.value} screen")
        now, view = max(reversed(shown), key=lambda nv: pick(nv[1]))  # the first of the best
        return State(name, view, now)

    def close(self) -> None:
        self.shell.close()
        self.shell.window.close()
        self.shell.window.deleteLater()


def _idle(state: State, name: str | None = None) -> State:
    """The same state once the idle question shows (its warning time just passed)."""
    view = state.view
    if view.idle_warning_at is None or not facts(view.screen).asks_still_here:
        raise RuntimeError(f"gallery: the {view.screen.value} screen never asks whether someone is there")
    return replace(state, name=name or f"{state.name}-idle", now=view.idle_warning_at + timedelta(seconds=1))


def _opened(k: _Session, state: State, button: str, suffix: str) -> State | None:
    """``state`` with something the window opens by a touch (and closes by the same touch), if it has it."""
    if not k.has(button):
        return None
    return replace(state, name=f"{state.name}-{suffix}", taps=state.taps + (button,),
                   untaps=None if state.untaps is None else (button,) + state.untaps)


def _details(k: _Session, state: State) -> State:
    """The order with the draft's choices open, where they open by a touch (else they always show)."""
    return _opened(k, state, "details", "details") or state


def _picker(state: State, name: str | None = None) -> State:
    return replace(state, name=name or f"{state.name}-languages", taps=state.taps + ("language",),
                   untaps=None if state.untaps is None else ("language",) + state.untaps)


_CAPTURED: dict[Path, tuple[State, ...]] = {}


def capture(work: Path, base: Path | None = None) -> tuple[State, ...]:
    """Run the sessions and keep every state worth drawing (a few seconds on the demo data).

    ``base``: a provisioned data directory to copy (made under ``work`` if not given); each
    session works on its own copy under ``work``. The states of one ``base`` are captured once
    per process (tests in several modules share them).
    """
    if base is not None and base in _CAPTURED:
        return _CAPTURED[base]
    states = _capture(work, base or provisioned(work))
    if base is not None:
        _CAPTURED[base] = states
    return states


def _capture(work: Path, base: Path) -> tuple[State, ...]:
    got: dict[str, State] = {}

    def keep(*states: State) -> None:
        for s in states:
            got[s.name] = s

    # the start, open, closed at night and for the New Year
    for start, name in ((NIGHT, "attract-closed-night"), (YEAR_END, "attract-closed-year-end")):
        k = _Session(base, work, start)
        keep(k.state(name, Screen.ATTRACT))
        k.close()

    # the whole way of one resident: two kinds, a household of four, a rejected bill, change, the card left on
    k = _Session(base, work)
    attract = k.state("attract", Screen.ATTRACT)
    keep(attract, _picker(attract))
    k.choose("start")
    keep(k.state("set-card", Screen.SET_CARD))
    k.card("sato-ichiro")
    keep(k.passed("reading-card", Screen.READING_CARD), k.state("pin", Screen.PIN))
    k.pin("0000")
    k.pin("1111")
    pin_warning = k.state("pin-wrong-tries-left", Screen.PIN)
    keep(pin_warning, _idle(pin_warning))
    k.pin("4721")
    keep(k.passed("authenticating", Screen.AUTHENTICATING), k.state("remove-card", Screen.REMOVE_CARD))
    k.pull()
    kind = k.state("kind", Screen.KIND)
    keep(kind, *filter(None, [_opened(k, kind, "kind_details", "details")]))  # what each is, and why 非課税 is refused
    k.choose("kind_juminhyo")
    order = k.state("order", Screen.ORDER)
    details = _details(k, order)
    keep(order, details, _idle(details))
    k.choose("add_kind")
    kind_more = k.state("kind-with-order", Screen.KIND)
    kind_most = _opened(k, kind_more, "kind_details", "details") or kind_more
    keep(kind_more, kind_most, _idle(kind_most))
    k.choose("kind_tax_shotoku")
    two = k.state("order-two-kinds", Screen.ORDER)
    two_details = _details(k, two)
    keep(two, two_details, _picker(_idle(two_details)))
    k.choose("confirm")
    keep(k.passed("issuing", Screen.ISSUING), k.state("payment", Screen.PAYMENT))
    k.insert(5000)  # not taken here: 1,000 yen is the largest
    rejected = k.state("payment-rejected-bill", Screen.PAYMENT)
    keep(rejected, _idle(rejected))
    k.insert(100)
    k.card("sato-ichiro")  # set again mid-session: ignored, to be taken at the end
    k.insert(1000)
    keep(k.passed("taking-payment", Screen.TAKING_PAYMENT),
         k.passed("printing", Screen.PRINTING, lambda v: (v.sheets_total, 0 < v.sheets_done < v.sheets_total)),
         k.state("done-change-card", Screen.DONE))
    k.close()

    # paid, then the printer jams: a refund owed with its reference, change, the card on the reader
    k = _Session(base, work)
    k.to_payment("kind_juminhyo")
    k.insert(100)
    k.card("sato-ichiro")
    k.printer_fault(PrinterState.MEDIA_EMPTY)
    k.insert(1000)
    keep(k.state("done-print-failed-refund", Screen.DONE))
    k.close()

    # cancelled while paying: the money comes back
    k = _Session(base, work)
    k.to_payment("kind_inkan")
    k.insert(100, 100)
    k.choose("cancel")
    if k.flow.screen is Screen.PAYMENT:  # the window asks first: that question, then what "yes" does
        keep(replace(k.state("payment-cancel-question", Screen.PAYMENT), taps=("cancel",), untaps=None))
        k.post(ev.CancelTouched())
    keep(k.state("notice-cash-returned", Screen.NOTICE))
    k.close()

    # a locked card (still on the reader), and a refusal for the person (card taken)
    k = _Session(base, work)
    k.card("yamasaki-isamu")
    keep(k.state("notice-pin-locked-card", Screen.NOTICE))
    k.close()
    k = _Session(base, work)
    k.card("kobayashi-aya")
    k.pin("5173")
    k.pull()
    refused = k.state("notice-refused", Screen.NOTICE)
    keep(refused, *filter(None, [_opened(k, refused, "notice_details", "details")]))
    k.close()

    # living in one municipality, the 本籍地 in another: the choice, then a kind screen that can switch
    k = _Session(base, work)
    k.card("watanabe-misaki")
    k.pin("2580")
    k.pull()
    municipality = k.state("municipality", Screen.MUNICIPALITY)
    keep(municipality, _idle(municipality))
    k.choose(next(b.objectName() for b in k.shell.window.findChildren(QPushButton)
                  if b.objectName().startswith("municipality_") and b.isVisible() and b.isEnabled()))
    keep(k.state("kind-other-municipality", Screen.KIND))
    k.choose("cancel")
    if k.flow.screen is Screen.KIND:  # the window asks first
        keep(replace(k.state("kind-cancel-question", Screen.KIND), taps=("cancel",), untaps=None))
        k.post(ev.CancelTouched())
    keep(k.state("notice-cancelled", Screen.NOTICE))
    k.close()

    # taken out of service by the operator
    k = _Session(base, work)
    k.shell.set_in_service(False)
    keep(k.state("out-of-service", Screen.OUT_OF_SERVICE))
    k.close()
    QApplication.processEvents()
    return tuple(sorted(got.values(), key=_place))


def _place(state: State) -> int:
    """Where a state comes in the flow: by the longest name in _ORDER it starts with (variants follow)."""
    known = [n for n in _ORDER if state.name == n or state.name.startswith(n + "-")]
    if not known:
        raise RuntimeError(f"gallery: {state.name} has no place in _ORDER")
    return _ORDER.index(max(known, key=len))


_ORDER = [  # the order of the flow; file numbers follow it
    "attract", "attract-closed-night", "attract-closed-year-end", "set-card", "reading-card", "pin",
    "pin-wrong-tries-left", "authenticating", "remove-card", "municipality", "kind", "kind-other-municipality",
    "kind-cancel-question", "kind-with-order", "order", "order-details", "order-two-kinds", "order-two-kinds-details",
    "issuing", "payment", "payment-rejected-bill", "payment-cancel-question", "taking-payment", "printing",
    "done-change-card", "done-print-failed-refund", "notice-cash-returned", "notice-cancelled",
    "notice-pin-locked-card", "notice-refused", "out-of-service",
]


# --- showing: a display shell whose window always paints the state's view --------------------------------
def display_shell(work: Path, size: tuple[int, int] = (1280, 1024), base: Path | None = None):
    """A kiosk shell of ``size`` for showing states: no ticks, no card watch, the window shown offscreen."""
    from ui.shell import KioskShell

    data = work / f"display-{size[0]}x{size[1]}"
    if not data.exists():
        copy_provisioned(base or provisioned(work), data)
    config = dataclasses.replace(load_config(), data_dir=data)
    shell = KioskShell(config, ManualClock(OPEN), size=size, tick=False)
    shell._gallery_state = None
    _pin(shell)
    return shell


def _pin(shell) -> None:
    """Whatever the flow says after a touch, the window repaints the state being shown."""
    window = shell.window

    def refresh() -> None:
        state = shell._gallery_state
        window.show_view(state.view if state is not None else shell.kiosk.flow.view())

    window.refresh = refresh
    window.show()


def show(shell, state: State, language: str, large_text: bool = False) -> None:
    """Show ``state`` in ``language`` on a display shell, laid out and ready to grab or measure.

    ``large_text``: in the 大きな文字 mode, where the window has one (see ``text_sizes``).
    """
    previous = shell._gallery_state
    if previous is not None and previous.taps:
        if previous.untaps is None:
            _fresh_window(shell)
        else:
            for name in previous.untaps:
                _tap(shell, name)
    shell._gallery_state = state
    shell.clock.set(state.now)
    for _ in range(3):  # the start screen after another one resets the language and the text size: again
        shell.tr.set_language(language)
        if _large(shell) != large_text:
            shell.toggle_large_text()  # restyles, and repaints the state
        shell.window.show_view(state.view)
        if shell.tr.language == language and _large(shell) == large_text:
            break
    else:
        raise RuntimeError(f"gallery: the window would not stay in {language}, large text {large_text}")
    for name in state.taps:
        _tap(shell, name)
    settle_layout()


def text_sizes(shell) -> tuple[bool, ...]:
    """The text sizes the window offers: the usual one, and 大きな文字 where there is such a mode."""
    return (False, True) if hasattr(shell, "toggle_large_text") else (False,)


def _large(shell) -> bool:
    return bool(getattr(shell.theme, "large", False))


def walk(shell, states, language: str, large_text: bool = False) -> Iterator[State]:
    """Show each state in turn on ``shell`` in ``language`` and yield it while it is on screen."""
    for state in states:
        show(shell, state, language, large_text)
        yield state


def settle_layout() -> None:
    for _ in range(3):  # new widgets show and lay out at the next turns of the event loop
        QApplication.sendPostedEvents()
        QApplication.processEvents()


def _tap(shell, name: str) -> None:
    settle_layout()
    button = next((b for b in shell.window.findChildren(QPushButton, name) if b.isVisible() and b.isEnabled()), None)
    if button is None:
        raise RuntimeError(f"gallery: no button {name!r} on the {shell._gallery_state.name} state")
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def _fresh_window(shell) -> None:
    old = shell.window
    shell.window = type(old)(shell)
    old.hide()
    old.deleteLater()
    _pin(shell)
