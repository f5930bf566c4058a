"""Staff commands on the serial cash unit (`kiosk cash collect`, `day-close`, `journal --check`)
read and write its book while the kiosk runs, and never touch the devices it is driving."""
from __future__ import annotations

import dataclasses

import pytest

from app.bootstrap import build_cash_unit
from cash_rig import CashRig


@pytest.fixture
def rig(tmp_path):
    rig = CashRig(tmp_path)
    yield rig
    rig.close()


def test_the_staff_view_counts_and_collects_without_taking_the_ports(rig, kiosk_config):
    unit = rig.start_unit()
    unit.enable(100_000)
    rig.driver.insert(1000)
    unit.stack("op-1")
    config = dataclasses.replace(
        kiosk_config, data_dir=rig.work, adapters=dataclasses.replace(kiosk_config.adapters, cash="serial"),
        adapter_options={**kiosk_config.adapter_options, "cash": rig.devices.unit_options()},
    )
    staff = build_cash_unit(config)
    try:
        assert staff.counters().stacked == 1000
        assert staff.collect() == 1000
        assert staff._bill_owner._port is None and staff._bus_owner._port is None  # no port opened
    finally:
        staff.close()
    assert unit.counters().collected == 1000  # one book: the kiosk sees what the staff took
    rig.driver.insert(100)  # the kiosk's unit still owns its ports
    assert unit.held() == 100
