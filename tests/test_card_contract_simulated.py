"""The CardReader contract, run against the simulated reader."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from contract.card_reader_contract import CardReaderContract, write_contract_cards

from hardware.card.simulated import SimulatedCardReader
from kiosk.ports.card import CardEvent


@dataclass
class SimulatedRig:
    reader: SimulatedCardReader
    events: list[CardEvent] = field(default_factory=list)

    def insert(self, card_name: str) -> None:
        self.reader.insert(card_name)  # events are synchronous: reported on return

    def remove(self) -> None:
        self.reader.remove()


@pytest.fixture
def rig(tmp_path):
    write_contract_cards(tmp_path)
    rig = SimulatedRig(SimulatedCardReader(tmp_path))
    rig.reader.set_listener(rig.events.append)
    rig.reader.start()
    yield rig
    rig.reader.stop()


class TestSimulatedCardReader(CardReaderContract):
    pass
