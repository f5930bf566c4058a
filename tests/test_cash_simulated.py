"""The simulated cash unit: the shared contract, then what only the simulator promises."""
import pytest

from contract.cash_unit_contract import CashUnitContract
from hardware.cash.simulated import SimulatedCashUnit
from kiosk.ports.cash import CashCredited, CashRejected, Dispensed


class TestSimulatedCashUnitContract(CashUnitContract):
    @pytest.fixture
    def cash_unit(self):
        return SimulatedCashUnit()

    @pytest.fixture
    def cash_driver(self, cash_unit):
        return _OwnHands(cash_unit)


class _OwnHands:
    """The simulator takes the scenario's commands itself; its top_up also puts the pieces in."""

    def __init__(self, unit: SimulatedCashUnit) -> None:
        self._unit = unit

    def __getattr__(self, name: str):
        return getattr(self._unit, name)

    def hand_over(self, counts) -> None:
        pass


@pytest.fixture
def unit():
    return SimulatedCashUnit()


def test_denominations_can_be_narrowed():
    coins_only = SimulatedCashUnit(denominations=(100, 10, 500, 50))
    coins_only.enable(2000)
    assert coins_only.denominations == (10, 50, 100, 500)
    assert coins_only.insert(1000) == CashRejected("denomination_not_accepted")


def test_a_piece_is_refused_once_the_amount_due_is_in_escrow(unit):
    unit.enable(300)
    assert unit.insert(500) == CashCredited(500)
    assert unit.insert(100) == CashRejected("nothing_more_due")
    assert unit.held() == 500


def test_change_uses_the_largest_pieces_first(unit):
    unit.set_float({500: 1, 100: 9, 50: 2, 10: 9})
    assert unit.dispense(760, "op-6") == Dispensed(760, 0)
    assert unit.float_counts() == {100: 7, 50: 1, 10: 8}


def test_amounts_no_coin_can_make_stay_unpaid(unit):
    unit.set_float({10: 5})
    assert unit.dispense(25, "op-7") == Dispensed(20, 5)


def test_stacked_coins_become_change_and_bills_go_to_the_cash_box(unit):
    unit.empty_float()
    unit.enable(2000)
    for piece in (1000, 500, 100):
        unit.insert(piece)
    assert unit.stack("op-1") == 1600
    assert unit.cash_box() == {1000: 1}
    assert unit.float_counts() == {100: 1, 500: 1}
    assert unit.dispense(1600, "op-8") == Dispensed(600, 1000)


def test_a_jammed_unit_moves_no_money(unit):
    unit.enable(1000)
    unit.insert(500)
    unit.jam()
    assert unit.insert(100) == CashRejected("jammed")
    assert unit.stack("op-2") == 0
    assert unit.dispense(100, "op-9") == Dispensed(0, 100)
    assert unit.held() == 500
    assert unit.return_held("op-3") == Dispensed(0, 500)


def test_escrow_that_could_not_be_returned_never_goes_to_the_next_resident(unit):
    # The flow books the unpaid 500 as a refund owed; handing it out again later would pay twice.
    unit.enable(1000)
    unit.insert(500)
    unit.jam()
    assert unit.return_held("op-4") == Dispensed(0, 500)
    unit.clear()
    assert unit.held() == 0
    assert unit.return_held("op-5") == Dispensed(0, 0)
    assert unit.cash_box() == {500: 1}


def test_is_always_available():
    assert SimulatedCashUnit.availability().usable



def test_the_unit_keeps_escrow_counters_and_operations_across_a_restart(tmp_path):
    state = tmp_path / "cash_unit.json"
    unit = SimulatedCashUnit(state_file=state)
    unit.enable(5000)
    unit.insert(1000)
    unit.stack("op-1")
    unit.insert(500)
    again = SimulatedCashUnit(state_file=state, change_float={})
    assert again.held() == 500
    assert again.outcome("op-1").done == 1000
    assert again.counters().credited == 1500
    assert again.float_counts() == unit.float_counts()  # the float on file wins over the config's


def test_a_call_that_fails_after_its_work_still_remembers_it(unit):
    from hardware.cash.simulated import CashDeviceError

    unit.enable(1000)
    unit.insert(500)
    unit.fail_next_call()
    with pytest.raises(CashDeviceError):
        unit.return_held("op-lost")
    assert unit.held() == 0
    assert unit.outcome("op-lost").done == 500


def test_collecting_takes_the_bills_and_what_a_jam_retained_and_survives_a_restart(tmp_path):
    state = tmp_path / "cash_unit.json"
    unit = SimulatedCashUnit(state_file=state, change_float={100: 5})
    unit.enable(5000)
    unit.insert(1000)
    unit.insert(500)
    unit.stack("op-1")  # the bill to the box, the coin to the float
    unit.insert(100)
    unit.jam()
    unit.return_held("op-2")  # retained in the box
    unit.clear()
    assert unit.collect() == 1100
    again = SimulatedCashUnit(state_file=state)
    assert again.cash_box() == {} and again.counters().collected == 1100
    assert again.float_counts() == {100: 5, 500: 1}


def test_a_top_up_survives_a_restart(tmp_path):
    state = tmp_path / "cash_unit.json"
    SimulatedCashUnit(state_file=state, change_float={}).top_up({100: 50, 10: 100})
    again = SimulatedCashUnit(state_file=state)
    assert again.float_counts() == {10: 100, 100: 50}
    assert again.counters().topped_up == 6000
