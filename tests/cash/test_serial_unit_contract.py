"""The serial cash unit on its emulators passes the contract every CashUnit passes."""
from __future__ import annotations

import pytest

from cash_rig import CashRig
from contract.cash_unit_contract import CashUnitContract


@pytest.fixture
def rig(tmp_path):
    rig = CashRig(tmp_path)
    yield rig
    rig.close()


class TestSerialCashUnitContract(CashUnitContract):
    @pytest.fixture
    def cash_unit(self, rig):
        return rig.start_unit()

    @pytest.fixture
    def cash_driver(self, rig, cash_unit):
        return rig.driver
