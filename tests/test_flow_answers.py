"""Device answers in any order, twice or never: what the flow does with each (through the real
composition root, simulated devices and a holding executor)."""
from __future__ import annotations

import pytest

from kiosk import events as ev
from kiosk.bootstrap import build_kiosk
from kiosk.clock import ManualClock
from kiosk.journal.events import EventType
from kiosk.kinds import CertificateKind
from kiosk.pin import Pin
from kiosk.ports.cash import Dispensed
from kiosk.provision import DEMO_REFERENCE_TIME
from kiosk.session_view import Screen
from kiosk.shuffle import ShufflingExecutor


@pytest.fixture
def kiosk(kiosk_config):
    executor = ShufflingExecutor(None)
    clock = ManualClock(DEMO_REFERENCE_TIME)
    k = build_kiosk(kiosk_config, clock=clock, executor=executor)
    k.start()
    k.executor, k.test_clock = executor, clock
    yield k
    k.close()


def settle(k) -> None:
    k.runtime.post(ev.Tick(k.test_clock.now()))
    k.executor.drain()


def at_payment(k) -> None:
    k.card.insert("sato-ichiro")
    settle(k)
    k.runtime.post(ev.PinEntered(Pin("4721")))
    settle(k)
    k.card.remove()
    settle(k)
    k.runtime.post(ev.KindChosen(CertificateKind.JUMINHYO))
    k.runtime.post(ev.OrderConfirmed())
    settle(k)
    assert k.flow.screen is Screen.PAYMENT


def rows(k, kind: EventType):
    return [e for e in k.journal.events() if e.type is kind]


def test_an_answer_that_comes_twice_is_journaled_once(kiosk):
    at_payment(kiosk)
    kiosk.cash.insert(100)
    kiosk.executor.hold("cash")
    kiosk.runtime.post(ev.CancelTouched())
    [intent] = rows(kiosk, EventType.RETURN_STARTED)
    answer = ev.CashReturned(kiosk.flow.view().session_id, f"op-{intent.seq}", Dispensed(100, 0))
    kiosk.runtime.post(answer)
    kiosk.runtime.post(answer)
    assert [r.amount for r in rows(kiosk, EventType.CASH_RETURNED)] == [100]


def test_a_stranger_answer_changes_nothing(kiosk):
    at_payment(kiosk)
    before = len(kiosk.journal.events())
    kiosk.runtime.post(ev.CashReturned("not-a-session", "op-999999", Dispensed(500, 0)))
    kiosk.runtime.post(ev.CashStacked("not-a-session", "op-999998", 1000))
    assert len(kiosk.journal.events()) == before
    assert kiosk.flow.screen is Screen.PAYMENT


def test_the_session_stays_open_while_money_is_out_and_closes_when_it_answers(kiosk):
    at_payment(kiosk)
    kiosk.cash.insert(100)
    kiosk.cash.insert(100)
    kiosk.executor.hold("cash")
    kiosk.runtime.post(ev.CancelTouched())
    kiosk.runtime.post(ev.FinishTouched())
    assert kiosk.flow.session_open and kiosk.flow.screen is Screen.NOTICE
    assert not rows(kiosk, EventType.SESSION_CLOSED)
    kiosk.executor.release("cash")
    settle(kiosk)
    assert not kiosk.flow.session_open and kiosk.flow.screen is Screen.ATTRACT
    assert [r.amount for r in rows(kiosk, EventType.CASH_RETURNED)] == [200]
    assert kiosk.cash.held() == 0


def test_a_device_that_never_answers_is_settled_at_its_deadline_in_the_residents_favour(kiosk):
    at_payment(kiosk)
    kiosk.cash.insert(100)
    kiosk.executor.hold("cash")  # the unit hangs: the return never answers
    kiosk.runtime.post(ev.CancelTouched())
    kiosk.test_clock.advance(kiosk.config.timings.cash_call)
    kiosk.runtime.post(ev.Tick(kiosk.test_clock.now()))
    [owed] = kiosk.journal.refunds_owed()
    assert owed.amount == 100
    assert any(p.startswith("cash:") for p in kiosk.flow.problems)  # out of service until someone looks
    kiosk.test_clock.advance(kiosk.config.timings.notice)
    kiosk.runtime.post(ev.Tick(kiosk.test_clock.now()))
    assert not kiosk.flow.session_open and kiosk.flow.screen is Screen.OUT_OF_SERVICE


def test_stacking_that_takes_less_than_was_charged_sells_nothing_and_owes_what_it_took(kiosk):
    at_payment(kiosk)
    kiosk.executor.hold("cash")
    kiosk.cash.insert(1000)
    assert kiosk.flow.screen is Screen.TAKING_PAYMENT
    [stack] = rows(kiosk, EventType.STACK_STARTED)
    kiosk.runtime.post(ev.CashStacked(kiosk.flow.view().session_id, f"op-{stack.seq}", 500))
    assert kiosk.flow.screen is Screen.NOTICE
    assert not rows(kiosk, EventType.FEE_CHARGED) and not rows(kiosk, EventType.PRINT_STARTED)
    assert sum(r.amount for r in kiosk.journal.refunds_owed()) == 500
    assert rows(kiosk, EventType.RETURN_STARTED)[-1].amount == 500  # the rest goes back


def test_a_card_set_while_a_session_ends_starts_the_next_one_only_after_it_closed(kiosk):
    at_payment(kiosk)
    kiosk.cash.insert(100)
    kiosk.executor.hold("cash")
    kiosk.runtime.post(ev.CancelTouched())
    first = kiosk.flow.view().session_id
    kiosk.card.insert("sato-ichiro")
    settle(kiosk)
    assert kiosk.flow.view().session_id == first and len(kiosk.journal.unfinished_sessions()) == 1
    kiosk.executor.release("cash")
    settle(kiosk)
    assert kiosk.flow.view().session_id not in (None, first)
    assert kiosk.flow.screen is Screen.PIN
    assert len(kiosk.journal.unfinished_sessions()) == 1
