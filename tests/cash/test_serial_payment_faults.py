"""Faults in the middle of a payment, on the serial cash unit and its emulators, through the whole
kiosk (composition root, flow, journal): the money goes back or is owed, never lost, and the books
say which."""
from __future__ import annotations

import dataclasses
import queue

import pytest

from app.bootstrap import build_kiosk
from app.provision import DEMO_REFERENCE_TIME
from cash_rig import CashRig, SerialDriver, wait_for
from kiosk import events as ev
from kiosk.clock import ManualClock
from kiosk.journal.check import check_books
from kiosk.journal.events import EventType
from kiosk.kinds import CertificateKind
from kiosk.pin import Pin
from kiosk.session_view import Screen
from kiosk.shuffle import ShufflingExecutor


class SerialKiosk:
    """A whole kiosk on the serial unit. Device events arrive on the unit's poll threads; they
    wait in ``inbox`` until the test thread hands them to the flow (as the Qt shell does)."""

    def __init__(self, kiosk_config, rig: CashRig) -> None:
        options = {**rig.devices.unit_options(), "poll_interval": 0.02, "seconds_per_coin": 0.5}
        config = dataclasses.replace(
            kiosk_config, adapters=dataclasses.replace(kiosk_config.adapters, cash="serial"),
            adapter_options={**kiosk_config.adapter_options, "cash": options},
        )
        self.rig = rig
        self.inbox: queue.Queue = queue.Queue()
        self.clock = ManualClock(DEMO_REFERENCE_TIME)
        self.executor = ShufflingExecutor(None)
        self.k = build_kiosk(config, clock=self.clock, executor=self.executor,
                             post_from_devices=lambda post: self.inbox.put)
        unit = self.k.cash
        wait_for(lambda: unit.health().ok, "the serial unit in service")
        self.driver = SerialDriver(rig, unit)
        self.k.start()

    def settle(self) -> None:
        while True:
            try:
                self.k.runtime.post(self.inbox.get_nowait())
            except queue.Empty:
                break
        self.k.runtime.post(ev.Tick(self.clock.now()))
        self.executor.drain()
        while not self.inbox.empty():
            self.k.runtime.post(self.inbox.get_nowait())
            self.executor.drain()

    def to_payment(self) -> None:
        k = self.k
        k.card.insert("sato-ichiro")
        self.settle()
        k.runtime.post(ev.PinEntered(Pin("4721")))
        self.settle()
        k.card.remove()
        self.settle()
        k.runtime.post(ev.KindChosen(CertificateKind.JUMINHYO))
        k.runtime.post(ev.OrderConfirmed())
        self.settle()
        assert k.flow.screen is Screen.PAYMENT

    def insert(self, yen: int) -> None:
        self.driver.insert(yen)
        self.settle()

    def owed(self) -> int:
        return sum(r.amount for r in self.k.journal.refunds_owed())

    def paid_back(self) -> int:
        hoppers = self.rig.coins.control("state")["hoppers"]
        return sum(int(yen) * h["paid_total"] for yen, h in hoppers.items())

    def close(self) -> None:
        self.k.close()


@pytest.fixture
def kiosk(kiosk_config, tmp_path):
    (tmp_path / "cash").mkdir()
    rig = CashRig(tmp_path / "cash")
    kiosk = SerialKiosk(kiosk_config, rig)
    yield kiosk
    kiosk.close()
    rig.close()


def _wait_unit_fault(kiosk: SerialKiosk) -> None:
    wait_for(lambda: not kiosk.k.cash.health().ok, "the unit to report the fault")


# fault -> (what the emulators are told, the money goes back (True) or is owed (False))
FAULTS = {
    "bill jam": ([("notes", "jam", {"where": "acceptor"})], True),
    "stacker full": ([("notes", "stacker_full", {})], True),
    "bill validator silent": ([("notes", "pull_cable", {})], True),
    "coin jam": ([("coins", "jam", {"device": "all"})], False),
    "coin bus cable pulled": ([("coins", "pull_cable", {})], False),
    "coin devices reset": ([("coins", "reset", {"device": "all"})], True),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_during_payment_gives_the_money_back_or_owes_it(kiosk, fault):
    actions, returned = FAULTS[fault]
    kiosk.to_payment()
    kiosk.insert(100)
    kiosk.insert(50)
    before = kiosk.paid_back()
    for device, op, args in actions:
        getattr(kiosk.rig, device).control(op, **args)
    if fault != "coin devices reset":  # a reset is over before anyone polls: the devices just come back
        _wait_unit_fault(kiosk)
    else:
        kiosk.k.runtime.post(ev.CancelTouched())
    kiosk.settle()
    wait_for(lambda: (kiosk.settle(), kiosk.k.flow.screen is not Screen.PAYMENT)[1], "the payment to end")
    kiosk.settle()
    assert check_books(kiosk.k.journal, kiosk.k.cash.counters()) == []
    if returned:
        assert kiosk.paid_back() - before == 150 and kiosk.owed() == 0
    else:
        assert kiosk.owed() == 150 and kiosk.paid_back() == before
        assert kiosk.k.flow.view().notice is not None  # the resident is told what is owed
    assert kiosk.k.cash.held() == 0


def test_change_a_hopper_runs_out_of_mid_payout_is_owed(kiosk):
    kiosk.driver.set_float({500: 1, 100: 1})
    kiosk.to_payment()
    kiosk.insert(1000)

    def change_paid() -> bool:
        kiosk.settle()
        return any(e.type is EventType.CHANGE_DISPENSED for e in kiosk.k.journal.events())

    wait_for(change_paid, "the change to be paid")
    due = next(e.amount for e in kiosk.k.journal.events() if e.type is EventType.CHANGE_STARTED)
    assert due > 600
    assert kiosk.paid_back() == 600  # the ¥500 and the ¥100, then nothing smaller is left
    assert kiosk.owed() == due - 600
    assert check_books(kiosk.k.journal, kiosk.k.cash.counters()) == []
