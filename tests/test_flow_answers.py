"""Device answers in any order, twice or never: what the flow does with each (through the real
composition root, simulated devices and a holding executor)."""
from __future__ import annotations

import pytest

from kiosk import events as ev
from app.bootstrap import build_kiosk
from kiosk.clock import ManualClock
from kiosk.journal.check import check_books
from kiosk.journal.events import EventType
from kiosk.kinds import CertificateKind
from kiosk.pin import Pin
from kiosk.ports.cash import CashOperationKind, Dispensed
from app.provision import DEMO_REFERENCE_TIME
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
    # the refund's reference stays on screen until someone touches 終了, however long that takes
    assert kiosk.flow.screen is Screen.NOTICE and kiosk.flow.view().refund_references
    kiosk.runtime.post(ev.FinishTouched())
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


def past_deadline(k, seconds: float) -> None:
    """The held family's calls stay unanswered until their deadline has passed."""
    k.test_clock.advance(seconds + 1)
    k.runtime.post(ev.Tick(k.test_clock.now()))


def owed(k) -> int:
    return sum(r.amount for r in k.journal.refunds_owed())


def test_a_stack_given_up_that_never_happened_gives_the_cash_back_and_withdraws_its_refund(kiosk):
    at_payment(kiosk)
    kiosk.executor.hold("cash")
    kiosk.cash.insert(500)
    past_deadline(kiosk, kiosk.config.timings.cash_call)
    assert owed(kiosk) == 500  # given up: owed at once
    kiosk.cash.fail_next_call(after_work=False, kind=CashOperationKind.STACK)  # the late call raises, undone
    kiosk.executor.release("cash")
    settle(kiosk)
    assert kiosk.cash.held() == 0  # not left in escrow to pay for the next resident
    assert [r.amount for r in rows(kiosk, EventType.CASH_RETURNED)] == [500]
    assert owed(kiosk) == 0


def test_a_return_that_gave_back_another_returns_coins_leaves_nothing_owed_for_them(kiosk):
    at_payment(kiosk)
    kiosk.executor.hold("cash")
    kiosk.cash.insert(100)
    kiosk.runtime.post(ev.CancelTouched())
    kiosk.cash.insert(10)  # slips in before the unit is disabled: a second return, for 10 yen
    first, second = rows(kiosk, EventType.RETURN_STARTED)
    session = kiosk.flow.view().session_id
    kiosk.runtime.post(ev.CashReturned(session, f"op-{first.seq}", Dispensed(110, 0)))  # the unit empties its escrow
    past_deadline(kiosk, kiosk.config.timings.cash_call)  # the second return never answers
    assert owed(kiosk) == 0
    assert kiosk.journal.session_balance(session).undelivered == 0


def test_a_late_return_that_gave_back_another_returns_coins_takes_both_refunds_back(kiosk):
    at_payment(kiosk)
    kiosk.executor.hold("cash")
    kiosk.cash.insert(100)
    kiosk.runtime.post(ev.CancelTouched())
    kiosk.cash.insert(10)
    first, second = rows(kiosk, EventType.RETURN_STARTED)
    session = kiosk.flow.view().session_id
    past_deadline(kiosk, kiosk.config.timings.cash_call)  # neither answers in time: both owed
    assert owed(kiosk) == 110
    kiosk.runtime.post(ev.CashReturned(session, f"op-{first.seq}", Dispensed(110, 0)))  # late, with all of it
    assert owed(kiosk) == 0
    assert kiosk.journal.session_balance(session).undelivered == 0


def test_a_print_poll_answered_after_the_kiosk_gave_up_takes_back_the_refund_of_what_printed(kiosk):
    at_payment(kiosk)
    kiosk.cash.insert(100)
    kiosk.cash.insert(100)
    kiosk.cash.insert(100)
    kiosk.executor.drain()  # stacked; the job is submitted, and the folder printer prints it at once
    assert kiosk.flow.screen is Screen.PRINTING
    kiosk.executor.hold("printer")  # every poll and cancel from now on hangs
    past_deadline(kiosk, kiosk.config.timings.print_timeout)  # the print timeout: the job is cancelled
    past_deadline(kiosk, kiosk.config.timings.printer_call)  # the cancel hangs too: given up, the fee owed
    assert owed(kiosk) == 300
    kiosk.executor.release("printer")
    settle(kiosk)
    assert [r for r in rows(kiosk, EventType.PRINT_COMPLETED)]
    assert owed(kiosk) == 0


def test_an_outcome_question_answered_after_its_deadline_still_gives_the_cash_back(kiosk):
    at_payment(kiosk)
    kiosk.executor.hold("cash")
    kiosk.cash.insert(500)
    kiosk.cash.fail_next_call(after_work=False, kind=CashOperationKind.STACK)
    kiosk.executor.release("cash")
    kiosk.executor.step()  # the stack raises; the unit is asked what it did
    kiosk.executor.hold("cash")  # and does not say in time
    past_deadline(kiosk, kiosk.config.timings.cash_call)
    assert owed(kiosk) == 500  # decided in the resident's favour
    kiosk.executor.release("cash")
    settle(kiosk)  # the unit answers: the stack never happened, the cash is still in escrow
    assert kiosk.cash.held() == 0
    assert owed(kiosk) == 0


def test_a_late_return_that_fails_is_sent_again_until_the_cash_is_back(kiosk):
    at_payment(kiosk)
    kiosk.executor.hold("cash")
    kiosk.cash.insert(100)
    kiosk.runtime.post(ev.CancelTouched())
    past_deadline(kiosk, kiosk.config.timings.cash_call)  # the return hangs: owed
    assert owed(kiosk) == 100
    kiosk.cash.fail_next_call(after_work=False, kind=CashOperationKind.RETURN)
    kiosk.executor.release("cash")
    kiosk.executor.step()  # the hung return finally runs, and raises before it did anything
    kiosk.cash.fail_next_call(after_work=False, kind=CashOperationKind.RETURN)  # so does the next one
    settle(kiosk)
    assert kiosk.cash.held() == 0
    assert owed(kiosk) == 0
    assert check_books(kiosk.journal, kiosk.cash.counters()) == []


def test_a_late_return_that_also_gave_back_the_next_sessions_coin_is_split_between_them(kiosk):
    at_payment(kiosk)
    kiosk.executor.hold("cash")  # the unit hangs: it is neither disabled nor giving back
    kiosk.cash.insert(100)
    kiosk.cash.insert(100)
    kiosk.runtime.post(ev.CancelTouched())
    first = kiosk.flow.view().session_id
    past_deadline(kiosk, kiosk.config.timings.cash_call)  # the return is given up on: owed
    kiosk.runtime.post(ev.FinishTouched())
    assert not kiosk.flow.session_open
    kiosk.cash.insert(10)  # still enabled: a coin drops in, and a session opens to give it back
    second = kiosk.flow.view().session_id
    assert second not in (None, first)
    kiosk.executor.release("cash")
    settle(kiosk)  # the first return empties the whole escrow: 210 yen
    assert kiosk.cash.held() == 0
    assert owed(kiosk) == 0
    assert kiosk.journal.session_balance(first).undelivered == 0
    assert kiosk.journal.session_balance(second).undelivered == 0


def test_the_next_sessions_return_that_gave_back_a_closed_sessions_cash_settles_that_session(kiosk):
    at_payment(kiosk)
    kiosk.executor.hold("cash")
    kiosk.cash.insert(100)
    kiosk.cash.insert(100)
    kiosk.runtime.post(ev.CancelTouched())
    first = kiosk.flow.view().session_id
    kiosk.cash.fail_next_call(after_work=False, kind=CashOperationKind.RETURN)  # it will never happen
    past_deadline(kiosk, kiosk.config.timings.cash_call)
    kiosk.runtime.post(ev.FinishTouched())
    kiosk.cash.insert(10)  # a stray coin: its session's return is queued before the first one's retry
    second = kiosk.flow.view().session_id
    kiosk.executor.release("cash")
    settle(kiosk)  # the stray coin's return empties the escrow: 210 yen, 200 of them the first session's
    assert kiosk.cash.held() == 0
    assert owed(kiosk) == 0
    assert kiosk.journal.session_balance(first).undelivered == 0
    assert kiosk.journal.session_balance(second).undelivered == 0


def test_a_late_return_that_a_jammed_unit_keeps_is_owed_once(kiosk):
    at_payment(kiosk)
    kiosk.executor.hold("cash")
    kiosk.cash.insert(500)
    past_deadline(kiosk, kiosk.config.timings.cash_call)  # the stack is given up on: 500 owed
    kiosk.cash.jam()  # it stacks nothing, and the return sent after it keeps the cash for the staff
    kiosk.executor.release("cash")
    settle(kiosk)
    assert owed(kiosk) == 500
    session = rows(kiosk, EventType.STACK_STARTED)[0].session_id
    assert kiosk.journal.session_balance(session).undelivered == 0


def test_a_cancel_whose_return_gives_nothing_back_is_told_as_a_cash_fault_not_as_returned(kiosk):
    from kiosk.notices import NoticeCode

    at_payment(kiosk)
    kiosk.cash.insert(100)  # less than the fee: the payment goes on
    settle(kiosk)
    kiosk.executor.hold("cash")
    kiosk.runtime.post(ev.CancelTouched())  # the return is sent; the unit jams before it runs
    assert kiosk.flow.view().notice.code is NoticeCode.CASH_RETURNED
    kiosk.cash.jam()
    kiosk.executor.release("cash")
    settle(kiosk)
    notice = kiosk.flow.view().notice
    assert notice is not None and notice.code is NoticeCode.CASH_FAULT
    assert owed(kiosk) == 100
