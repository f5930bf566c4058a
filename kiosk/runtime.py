"""Drives the session flow: feeds it events one at a time and carries out its effects.

The flow only ever runs on the thread that calls ``post``. Effects go to an executor: the
inline one runs them at once (headless demo, scenarios, benchmarks); the Qt one runs them on a
worker per device family and posts the results back to the GUI thread.
"""
from __future__ import annotations

from collections import deque
from functools import partial
from typing import Callable, Protocol

from kiosk import events as ev
from kiosk.effects import Effect, EffectRunner
from kiosk.ports.card import CardEvent, CardInserted, CardRemoved
from kiosk.ports.cash import CashCredited, CashEvent, CashHealthChanged, CashRejected
from kiosk.session import SessionFlow

Post = Callable[[ev.Event], None]


class EffectExecutor(Protocol):
    def submit(self, effect: Effect, run: Callable[[], ev.Event | None], done: Post) -> None: ...


class InlineExecutor:
    def submit(self, effect: Effect, run: Callable[[], ev.Event | None], done: Post) -> None:
        result = run()
        if result is not None:
            done(result)


class KioskRuntime:
    def __init__(self, flow: SessionFlow, runner: EffectRunner, executor: EffectExecutor | None = None) -> None:
        self.flow = flow
        self._runner = runner
        self._executor = executor or InlineExecutor()
        self._queue: deque[ev.Event] = deque()
        self._draining = False
        self._listeners: list[Callable[[], None]] = []

    def on_change(self, listener: Callable[[], None]) -> None:
        """Called after every event the flow handled (the UI repaints from ``flow.view()``)."""
        self._listeners.append(listener)

    def post(self, event: ev.Event) -> None:
        self._queue.append(event)
        if self._draining:
            return  # an effect finished inline while we were handling: it waits its turn
        self._draining = True
        try:
            while self._queue:
                effects = self.flow.handle(self._queue.popleft())
                for effect in effects:
                    self._executor.submit(effect, partial(self._runner.run, effect), self.post)
                for listener in self._listeners:
                    listener()
        finally:
            self._draining = False


def card_event_to_flow(event: CardEvent) -> ev.Event | None:
    if isinstance(event, CardInserted):
        return ev.CardWasInserted()
    if isinstance(event, CardRemoved):
        return ev.CardWasRemoved()
    return None  # reader health is shown to the operator, not to the session


def cash_event_to_flow(event: CashEvent) -> ev.Event | None:
    if isinstance(event, CashCredited):
        return ev.CoinOrBillCredited(event.denomination)
    if isinstance(event, CashRejected):
        return ev.CoinOrBillRejected(event.reason)
    if isinstance(event, CashHealthChanged) and not event.health.ok:
        return ev.CashUnitFailed(event.health.detail)
    return None
