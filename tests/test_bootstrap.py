"""The composition root builds what the config names."""
from __future__ import annotations

import dataclasses

import pytest

from app.bootstrap import AdapterUnavailable, build_kiosk
from kiosk.clock import ManualClock
from app.provision import DEMO_REFERENCE_TIME
from kiosk.shuffle import ShufflingExecutor


def test_the_configured_center_is_read_and_one_that_does_not_exist_is_refused(kiosk_config):
    config = dataclasses.replace(kiosk_config, adapters=dataclasses.replace(kiosk_config.adapters, center="network"))
    with pytest.raises(AdapterUnavailable, match="center adapter 'network'"):
        build_kiosk(config, clock=ManualClock(DEMO_REFERENCE_TIME), executor=ShufflingExecutor(None))
