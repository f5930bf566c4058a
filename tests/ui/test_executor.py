"""The Qt executor never leaves a call unanswered: a bug past the EffectRunner still settles."""
from __future__ import annotations

import logging

import pytest

from kiosk import effects as fx
from kiosk import events as ev
from ui.executor import QtEffectExecutor

PERSONAL = "佐藤一郎 東京都千代田区1-2-3"  # what a careless exception message might carry


@pytest.fixture
def executor(qtbot):
    ex = QtEffectExecutor()
    yield ex
    ex.shutdown()


def _raises():
    raise RuntimeError(PERSONAL)


def test_a_call_that_raises_past_the_runner_is_answered_logged_and_counted(executor, qtbot, caplog):
    got = []
    caplog.set_level(logging.ERROR, logger="ui.executor")
    with qtbot.waitSignal(executor.settled, timeout=5000):
        executor.submit(fx.ReturnCash("s-1", "op-7"), _raises, got.append)
        executor.submit(fx.DisableCash(), _raises, got.append)  # no request: nothing to answer
    assert got == [ev.RequestFailed("s-1", "op-7", "RuntimeError")]
    assert executor.escaped == 2 and executor.idle
    assert "ReturnCash raised RuntimeError at test_executor.py" in caplog.text
    assert "佐藤" not in caplog.text and "千代田" not in caplog.text


def test_settled_fires_even_when_the_flow_raises_on_a_result(executor, qtbot):
    def flow_bug(_event):
        raise ValueError("flow bug")

    with qtbot.captureExceptions() as raised, qtbot.waitSignal(executor.settled, timeout=5000):
        executor.submit(fx.ReturnCash("s-1", "op-8"), lambda: ev.RequestFailed("s-1", "op-8", "x"), flow_bug)
    assert executor.idle and [type(e[1]) for e in raised] == [ValueError]


def _answer(n: int):
    return lambda: ev.RequestFailed("s-1", f"op-{n}", "x")


def test_late_results_keep_their_order_and_count_as_outstanding(executor, qtbot):
    got = []
    executor.set_delay("cash", 0.2)
    for n in range(3):
        executor.submit(fx.ReturnCash("s-1", f"op-{n}"), _answer(n), got.append)
    executor.set_delay("cash", 0.05)  # a shorter delay must not let a later result overtake
    executor.submit(fx.ReturnCash("s-1", "op-3"), _answer(3), got.append)
    assert not executor.idle
    qtbot.waitSignal(executor.settled, timeout=5000).wait()
    assert [e.request_id for e in got] == ["op-0", "op-1", "op-2", "op-3"]
