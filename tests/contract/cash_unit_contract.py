"""What every CashUnit adapter must do, whatever the device behind it.

Use: subclass ``CashUnitContract`` in a test module named ``test_*.py`` and provide two
fixtures, ``cash_unit`` (a fresh, idle, unjammed adapter) and ``cash_driver`` (a ``CashDriver``
acting on the same device). The simulated unit's driver is the unit itself (its own controls);
the serial unit's acts at its emulators' control channels (tests/cash_rig.py).
"""
from __future__ import annotations

from typing import Mapping, Protocol

import pytest

from kiosk.health import Availability, DeviceState
from kiosk.ports.cash import (
    YEN_DENOMINATIONS, CashCredited, CashHealthChanged, CashOperation, CashOperationKind, CashRejected, CashUnit,
    Dispensed,
)

PLENTY_DUE = 100_000  # large enough that no insert in these tests is refused as pointless


class CashDriver(Protocol):
    """Makes things happen at the device. Each call returns once the adapter has reported the result."""

    def insert(self, denomination: int) -> object: ...

    def jam(self) -> None: ...

    def clear(self) -> None: ...

    def set_float(self, counts: Mapping[int, int]) -> None: ...

    def empty_float(self) -> None: ...

    def hand_over(self, counts: Mapping[int, int]) -> None:
        """Staff put these pieces into the unit by hand (then ``top_up`` books them)."""


class CashUnitContract:
    @pytest.fixture
    def heard(self, cash_unit: CashUnit) -> list:
        events: list = []
        cash_unit.set_listener(events.append)
        return events

    @pytest.fixture
    def accepting(self, cash_unit: CashUnit, heard: list) -> CashUnit:
        cash_unit.enable(PLENTY_DUE)
        return cash_unit

    def test_reports_its_availability(self, cash_unit):
        assert isinstance(type(cash_unit).availability(), Availability)

    def test_accepts_only_yen_it_knows(self, cash_unit):
        assert cash_unit.denominations
        assert set(cash_unit.denominations) <= set(YEN_DENOMINATIONS)

    def test_starts_healthy_with_an_empty_escrow(self, cash_unit):
        assert cash_unit.health().state is DeviceState.OK
        assert cash_unit.held() == 0

    def test_each_accepted_piece_is_credited_into_escrow(self, accepting, cash_driver, heard):
        for denomination in accepting.denominations:
            cash_driver.insert(denomination)
        assert heard == [CashCredited(d) for d in accepting.denominations]
        assert accepting.held() == sum(accepting.denominations)

    def test_nothing_is_credited_before_enable(self, cash_unit, cash_driver, heard):
        cash_driver.insert(100)
        assert not any(isinstance(e, CashCredited) for e in heard)
        assert cash_unit.held() == 0

    def test_nothing_is_credited_after_disable(self, accepting, cash_driver, heard):
        cash_driver.insert(100)
        accepting.disable()
        cash_driver.insert(500)
        assert [e for e in heard if isinstance(e, CashCredited)] == [CashCredited(100)]
        assert accepting.held() == 100

    @pytest.mark.parametrize("denomination", [1, 5, 5000, 10000])
    def test_other_money_is_rejected(self, accepting, cash_driver, heard, denomination):
        cash_driver.insert(denomination)
        assert [type(e) for e in heard] == [CashRejected]
        assert accepting.held() == 0

    def test_return_gives_back_exactly_the_escrow(self, accepting, cash_driver):
        cash_driver.insert(500)
        cash_driver.insert(100)
        assert accepting.return_held("op-1") == Dispensed(dispensed=600, unpaid=0)
        assert accepting.held() == 0

    def test_stacking_takes_the_escrow(self, accepting, cash_driver):
        cash_driver.insert(1000)
        cash_driver.insert(50)
        assert accepting.stack("op-2") == 1050
        assert accepting.held() == 0
        assert accepting.return_held("op-3") == Dispensed(dispensed=0, unpaid=0)

    def test_change_is_paid_from_the_float(self, cash_unit, cash_driver):
        cash_driver.set_float({500: 2, 100: 5, 50: 2, 10: 10})
        assert cash_unit.dispense(780, "op-4") == Dispensed(dispensed=780, unpaid=0)

    def test_change_the_float_cannot_cover_is_reported_unpaid(self, cash_unit, cash_driver):
        cash_driver.set_float({100: 2})
        assert cash_unit.dispense(300, "op-5") == Dispensed(dispensed=200, unpaid=100)
        assert cash_unit.dispense(100, "op-6") == Dispensed(dispensed=0, unpaid=100)

    def test_an_empty_float_pays_nothing(self, cash_unit, cash_driver):
        cash_driver.empty_float()
        assert cash_unit.dispense(700, "op-7") == Dispensed(dispensed=0, unpaid=700)

    def test_dispensing_nothing_is_complete(self, cash_unit):
        assert cash_unit.dispense(0, "op-8").complete

    def test_a_jam_is_a_fault_that_takes_no_money(self, accepting, cash_driver, heard):
        cash_driver.jam()
        assert accepting.health().state is DeviceState.FAULT
        assert CashHealthChanged(accepting.health()) in heard
        cash_driver.insert(100)
        assert not any(isinstance(e, CashCredited) for e in heard)
        assert accepting.held() == 0

    def test_clearing_a_jam_restores_service(self, accepting, cash_driver, heard):
        cash_driver.jam()
        cash_driver.clear()
        assert accepting.health().state is DeviceState.OK
        assert isinstance(heard[-1], CashHealthChanged) and heard[-1].health.ok
        cash_driver.insert(100)
        assert accepting.held() == 100

    # --- what recovery asks after a crash ---------------------------------------------------------
    def test_each_operation_is_remembered_by_its_ref(self, accepting, cash_driver):
        cash_driver.set_float({100: 5})
        cash_driver.insert(500)
        accepting.stack("op-s")
        cash_driver.insert(100)
        accepting.return_held("op-r")
        accepting.dispense(300, "op-d")
        assert accepting.outcome("op-s") == CashOperation(CashOperationKind.STACK, 500)
        assert accepting.outcome("op-r") == CashOperation(CashOperationKind.RETURN, 100)
        assert accepting.outcome("op-d") == CashOperation(CashOperationKind.DISPENSE, 300)
        assert accepting.outcome("op-never") is None

    def test_an_operation_asked_twice_is_done_once(self, cash_unit, cash_driver):
        cash_driver.set_float({100: 5})
        assert cash_unit.dispense(300, "op-once") == Dispensed(300, 0)
        assert cash_unit.dispense(300, "op-once") == Dispensed(300, 0)
        assert cash_unit.counters().paid_out == 300

    def test_counters_add_up_what_moved(self, accepting, cash_driver):
        cash_driver.set_float({100: 5})
        cash_driver.insert(1000)
        accepting.stack("op-1")
        cash_driver.insert(100)
        accepting.return_held("op-2")
        cash_driver.insert(500)
        accepting.dispense(200, "op-3")
        c = accepting.counters()
        assert (c.credited, c.stacked, c.returned, c.paid_out, c.escrow) == (1600, 1000, 100, 200, 500)

    def test_escrow_that_a_jam_keeps_is_retained_not_handed_on(self, accepting, cash_driver):
        cash_driver.insert(500)
        cash_driver.jam()
        assert accepting.return_held("op-j") == Dispensed(0, 500)
        cash_driver.clear()
        assert accepting.held() == 0
        assert accepting.counters().retained == 500

    # --- staff: the cash box and the change float -----------------------------------------------------
    def test_collecting_empties_the_cash_box_and_counts_what_it_took(self, accepting, cash_driver):
        cash_driver.set_float({})
        cash_driver.insert(1000)
        cash_driver.insert(1000)
        accepting.stack("op-c1")
        taken = accepting.collect()
        assert taken == 2000
        assert accepting.collect() == 0  # nothing is taken twice
        assert accepting.counters().collected == 2000

    def test_collecting_leaves_escrow_alone(self, accepting, cash_driver):
        cash_driver.insert(500)
        accepting.collect()
        assert accepting.held() == 500
        assert accepting.return_held("op-c2") == Dispensed(500, 0)

    def test_a_top_up_is_paid_out_as_change(self, cash_unit, cash_driver):
        cash_driver.empty_float()
        cash_driver.hand_over({100: 3, 10: 5})
        assert cash_unit.top_up({100: 3, 10: 5}) == 350
        assert cash_unit.dispense(350, "op-t1") == Dispensed(350, 0)
        assert cash_unit.counters().topped_up == 350

    def test_a_top_up_adds_to_the_float_it_reports(self, cash_unit, cash_driver):
        cash_driver.set_float({100: 2})
        before = cash_unit.float_counts()
        cash_driver.hand_over({100: 3})
        cash_unit.top_up({100: 3})
        after = cash_unit.float_counts()
        if before is not None:  # a unit that cannot count its float says None
            assert after[100] == before[100] + 3

    @pytest.mark.parametrize("counts", [{5: 1}, {100: -1}, {7: 0}])
    def test_a_top_up_of_what_cannot_be_paid_out_is_refused(self, cash_unit, counts):
        with pytest.raises(ValueError):
            cash_unit.top_up(counts)
        assert cash_unit.counters().topped_up == 0
