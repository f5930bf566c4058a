"""The serial cash unit across restarts and device faults, on the emulators: nothing credited
twice, nothing missed, every interrupted payout settled from the hoppers' own counters."""
from __future__ import annotations

import time

import pytest

from cash_rig import CashRig, wait_for
from hardware.cash.emulator.processes import EmulatorProcess
from hardware.cash.hopper_payout import HopperPayout
from hardware.cash.id003_link import Id003Link
from hardware.cash.id003_protocol import Status
from hardware.cash.note_intake import PENDING
from hardware.cash.serial_link import DeviceSilent, LinkDown, PortOwner
from hardware.cash.unit_book import UnitBook
from kiosk.health import DeviceState
from kiosk.ports.cash import CashCredited, CashOperation, CashOperationKind, CashRejected, Dispensed

DUE = 100_000


@pytest.fixture
def rig(tmp_path):
    rig = CashRig(tmp_path)
    yield rig
    rig.close()


def _accepting(rig: CashRig) -> tuple[object, list]:
    unit = rig.start_unit()
    heard: list = []
    unit.set_listener(heard.append)
    unit.enable(DUE)
    return unit, heard


def _host_stacks_a_note_and_dies(rig: CashRig, yen: int, until: int) -> None:
    """A kiosk of old: resets the validator, takes a note to ``until`` (VEND VALID or STACKING)
    after telling it to stack, and is gone before it ACKs."""
    with PortOwner(str(rig.notes.link), parity="N") as owner:
        link = Id003Link(owner)
        link.reset()
        wait_for(lambda: link.status().code not in (Status.INITIALIZE, Status.POWER_UP), "the validator to initialise")
        link.set_inhibit(False)
        wait_for(lambda: link.status().code == Status.ENABLE, "the validator to be enabled")
        assert rig.notes.control("insert", yen=yen)["result"] == "accepting"
        wait_for(lambda: link.status().code == Status.ESCROW, "the note in escrow")
        link.stack()
        wait_for(lambda: link.status().code == until, f"the validator to reach {Status(until).name}")


def test_a_note_stacked_while_the_kiosk_died_before_its_ack_is_credited_once(rig):
    book = UnitBook(rig.work / "cash_unit.sqlite")
    book.change(put={PENDING: 1000})  # what the unit writes before it sends STACK
    book.close()
    _host_stacks_a_note_and_dies(rig, 1000, Status.VEND_VALID)
    unit = rig.start_unit()
    wait_for(lambda: unit.held() == 1000, "the note to be credited")
    assert rig.notes.control("state")["stacked"]["1000"] == 1
    rig.stop_unit()
    again = rig.start_unit()  # a second restart finds nothing more to credit
    assert again.held() == 1000 and again.counters().credited == 1000


def test_a_note_credited_before_the_kiosk_died_is_only_acked_on_restart(rig):
    book = UnitBook(rig.work / "cash_unit.sqlite")
    book.change(add={"held": 1000, "credited": 1000, "cash_box": 1000})  # credited, ACK never sent
    book.close()
    _host_stacks_a_note_and_dies(rig, 1000, Status.VEND_VALID)
    unit = rig.start_unit()
    wait_for(lambda: rig.notes.control("state")["status_code"] in (Status.ENABLE, Status.DISABLE),
             "the validator to be ACKed back to idle")
    assert unit.held() == 1000 and unit.counters().credited == 1000


@pytest.mark.parametrize("at, credited", [(Status.VEND_VALID, 1000), (Status.ESCROW, 0)])
def test_a_validator_power_cycled_with_a_note_inside_settles_it_from_its_power_up_state(rig, at, credited):
    book = UnitBook(rig.work / "cash_unit.sqlite")
    book.change(put={PENDING: 1000})
    book.close()
    if at == Status.VEND_VALID:
        _host_stacks_a_note_and_dies(rig, 1000, Status.VEND_VALID)
    else:
        with PortOwner(str(rig.notes.link), parity="N") as owner:
            link = Id003Link(owner)
            link.reset()
            wait_for(lambda: link.status().code not in (Status.INITIALIZE, Status.POWER_UP), "initialised")
            link.set_inhibit(False)
            wait_for(lambda: link.status().code == Status.ENABLE, "enabled")
            rig.notes.control("insert", yen=1000)
            wait_for(lambda: link.status().code == Status.ESCROW, "the note in escrow")
    rig.notes.control("reset")  # power cycle: 42 with the note in the stacker, 41 with it in the head
    unit = rig.start_unit()
    wait_for(lambda: UnitBook(rig.work / "cash_unit.sqlite").optional(PENDING) is None, "the pending note settled")
    assert unit.held() == credited


def test_coins_taken_while_the_kiosk_was_down_are_credited_once_on_restart(rig):
    unit, heard = _accepting(rig)
    rig.driver.insert(100)
    rig.stop_unit()  # the kiosk dies while the acceptor still takes coins
    assert rig.coins.control("insert", yen=500)["result"] == "credited"
    again = rig.start_unit()
    assert again.held() == 600
    rig.stop_unit()
    assert rig.start_unit().held() == 600


def test_an_acceptor_reset_starts_the_count_again_and_loses_no_coin(rig):
    unit, heard = _accepting(rig)
    rig.driver.insert(100)
    rig.coins.control("reset", device="acceptor")
    wait_for(lambda: rig.coins.control("state")["acceptor"]["master"], "the unit to set the inhibits again")
    rig.driver.insert(50)
    assert unit.held() == 150
    assert [e for e in heard if isinstance(e, CashCredited)] == [CashCredited(100), CashCredited(50)]


def test_garbage_on_the_lines_credits_nothing(rig):
    unit, heard = _accepting(rig)
    for _ in range(5):
        rig.notes.control("garbage", count=200)
        rig.coins.control("garbage", count=200)
    wait_for(lambda: unit.health().ok, "the unit to be in service again")
    rig.driver.insert(10)
    assert unit.held() == 10
    assert [e for e in heard if isinstance(e, CashCredited)] == [CashCredited(10)]


def test_a_payout_cut_by_a_power_loss_is_read_back_from_the_hopper(rig):
    unit = rig.start_unit()
    rig.driver.set_float({100: 10})
    rig.coins.control("power_cut", after_coins=3)
    assert unit.dispense(400, "op-cut") == Dispensed(300, 100)  # 3 coins, then the rest nobody can pay
    assert unit.outcome("op-cut").done == 300
    assert rig.coins.control("state")["hoppers"]["100"]["count"] == 7


def test_a_payout_the_kiosk_died_in_is_settled_from_the_hoppers_counters(rig, monkeypatch):
    unit = rig.start_unit()
    rig.driver.set_float({100: 10})

    def dies(self, hopper, before, pieces):
        raise SystemExit("the kiosk is killed with the dispense command sent")

    monkeypatch.setattr(HopperPayout, "_wait", dies)
    with pytest.raises(SystemExit):
        unit.dispense(400, "op-died")
    monkeypatch.undo()
    rig.stop_unit()
    wait_for(lambda: rig.coins.control("state")["hoppers"]["100"]["count"] == 6, "the hopper to finish paying")
    again = rig.start_unit()
    assert again.outcome("op-died").done == 400
    assert again.dispense(400, "op-died") == Dispensed(400, 0)  # asked again: not paid twice
    assert rig.coins.control("state")["hoppers"]["100"]["count"] == 6
    assert again.counters().paid_out == 400


def test_a_pulled_cable_is_a_fault_with_its_reason_and_no_call_hangs(rig):
    unit, heard = _accepting(rig)
    rig.driver.insert(100)
    rig.coins.control("pull_cable")
    wait_for(lambda: not unit.device_health()["coin acceptor"].ok, "the fault to show")
    assert unit.health().state is DeviceState.FAULT and "coin acceptor" in unit.health().detail
    started = time.monotonic()
    with pytest.raises((DeviceSilent, LinkDown)):
        unit.return_held("op-pulled")
    assert time.monotonic() - started < 10
    # no payout step was sent: nothing went back, and what was held is retained for the staff
    assert unit.outcome("op-pulled") == CashOperation(CashOperationKind.RETURN, 0, 100)
    assert unit.held() == 0 and unit.counters().retained == 100
    rig.coins.control("plug_cable")
    wait_for(lambda: unit.health().ok, "the unit back in service")


def test_a_stacker_full_stops_notes_and_says_why(rig):
    unit, heard = _accepting(rig)
    rig.notes.control("stacker_full")
    wait_for(lambda: not unit.health().ok, "the fault")
    assert "stacker full" in unit.health().detail
    wait_for(lambda: not rig.coins.control("state")["acceptor"]["master"], "the coin acceptor to be inhibited too")
    rig.coins.control("insert", yen=100)
    wait_for(lambda: any(isinstance(e, CashRejected) for e in heard), "the coin to be refused")
    assert unit.held() == 0


def test_a_port_that_vanished_and_came_back_is_opened_again(rig):
    unit = rig.start_unit()
    rig.notes.stop()  # the validator's adapter is unplugged: the pty hangs up (EIO)
    wait_for(lambda: not unit.device_health()["bill validator"].ok, "the fault to show")
    rig.devices.notes = rig.notes = EmulatorProcess("id003", rig.work, "--pace", "0", "--latency-ms", "0")
    wait_for(lambda: unit.health().ok, "the validator back in service on its new port")
