"""A money journal of its own for each test, on a clock that moves only when told."""
from datetime import datetime

import pytest

from kiosk.clock import JST, ManualClock
from kiosk.journal import MoneyJournal

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=JST)


@pytest.fixture
def clock():
    return ManualClock(T0)


@pytest.fixture
def journal(tmp_path, clock):
    with MoneyJournal(tmp_path / "journal.db", clock) as j:
        yield j
