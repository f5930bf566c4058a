"""SimulatedCardReader: the CardReader port over the card emulator, every step as real APDUs.

Beside the port it has an operator/scenario API: insert or remove a demo card by name, list the
demo cards, and inject faults (the card pulled mid-signature, the reader unplugged). Events go to
the listener synchronously, on the thread of the call that caused them.

Decisions the port leaves open (the probe and VERIFY-then-sign ones are in ``reader_steps``):

- An unplugged reader is a FAULT (someone has to plug it back); a card in it counts as removed.
- ``pull_during_next_sign``: the card leaves as the signing command reaches it, so
  ``CardRemoved`` reaches the listener from inside ``verify_and_sign``, before ``CardGone`` is
  returned.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple

from hardware.card.apdu import ApduLog, ApduTransport, CardAbsent
from hardware.card.card_file import PinTryCounter, card_path, list_demo_cards, load_demo_card
from hardware.card.emulator import JpkiCardEmulator
from hardware.card.jpki import JpkiSession, ProtocolError
from hardware.card.jpki_files import CLA_PROPRIETARY, INS_SIGN
from hardware.card.reader_steps import read_probe, refusal_before_verify, verify_then_sign, with_last_pin_status
from kiosk.health import Availability, DeviceHealth, DeviceState
from kiosk.pin import Pin
from kiosk.ports.card import (
    CardEvent,
    CardFault,
    CardGone,
    CardInserted,
    CardProbe,
    CardReader,
    CardRemoved,
    ReaderHealthChanged,
    SignOutcome,
)

READER_NAME = "Simulated card reader"
_SIGN_HEADER = bytes((CLA_PROPRIETARY, INS_SIGN))


class UnknownDemoCard(LookupError):
    """The operator named a card that has no file in the cards directory."""


class DemoCardChoice(NamedTuple):
    name: str
    purpose_ja: str
    purpose_en: str
    profile: str


@dataclass
class _CardInSlot:
    name: str
    emulator: JpkiCardEmulator
    session: JpkiSession | None = None  # one per power-up
    probe: CardProbe | None = None  # the last probe since this power-up


class _SlotTransport(ApduTransport):
    def __init__(self, deliver: Callable[[bytes], bytes]) -> None:
        self._deliver = deliver

    def transmit(self, command: bytes) -> bytes:
        return self._deliver(command)


class SimulatedCardReader(CardReader):
    @classmethod
    def from_config(cls, config) -> "SimulatedCardReader":
        cards_dir = config.adapter_options.get("card", {}).get("cards_dir")
        return cls(Path(cards_dir) if cards_dir else config.data_dir / "cards")

    def __init__(self, cards_dir: Path) -> None:
        self._cards_dir = cards_dir
        self._lock = threading.RLock()  # re-entrant: a listener may call back into the reader
        self._listener: Callable[[CardEvent], None] | None = None
        self._watching = False
        self._plugged = True
        self._slot: _CardInSlot | None = None
        self._pull_at_next_sign = False
        self._apdus = ApduLog(_SlotTransport(self._deliver))

    # --- the CardReader port

    @classmethod
    def availability(cls) -> Availability:
        return Availability(True)

    def set_listener(self, listener: Callable[[CardEvent], None]) -> None:
        self._listener = listener

    def start(self) -> None:
        with self._lock:
            self._watching = True
            if self.card_present():
                self._emit(CardInserted(READER_NAME))

    def stop(self) -> None:
        with self._lock:
            self._watching = False

    def card_present(self) -> bool:
        return self._plugged and self._slot is not None

    def health(self) -> DeviceHealth:
        if self._plugged:
            return DeviceHealth(DeviceState.OK)
        return DeviceHealth(DeviceState.FAULT, "card reader disconnected")

    def probe(self) -> CardProbe | CardGone | CardFault:
        with self._lock:
            slot = self._powered_slot()
            if slot is None:
                return CardGone()
            slot.probe = None  # a failed probe must not leave an older one to act on
            try:
                slot.probe = read_probe(slot.session)
            except CardAbsent:
                return CardGone()
            except ProtocolError as error:
                return CardFault(str(error))
            return slot.probe

    def verify_and_sign(self, pin: Pin, challenge: bytes) -> SignOutcome:
        try:
            with self._lock:
                slot = self._powered_slot()
                if slot is None:
                    return CardGone()
                refusal = refusal_before_verify(slot.probe)
                if refusal is not None:
                    return refusal
                outcome = verify_then_sign(slot.session, slot.probe.token, pin, challenge)
                slot.probe = with_last_pin_status(slot.probe, slot.session)
                return outcome
        finally:
            pin.wipe()

    # --- operator and scenario API

    @property
    def apdu_log(self) -> ApduLog:
        """Every APDU exchanged since construction (headers only), for tests and benchmarks."""
        return self._apdus

    def available_cards(self) -> list[DemoCardChoice]:
        return [
            DemoCardChoice(card.name, card.purpose_ja, card.purpose_en, card.profile)
            for card in list_demo_cards(self._cards_dir)
        ]

    def insert(self, card_name: str) -> None:
        """Put the named demo card on the reader, taking out any card already there."""
        path = card_path(self._cards_dir, card_name)
        if Path(card_name).name != card_name or not path.is_file():
            raise UnknownDemoCard(card_name)
        card = load_demo_card(path)
        emulator = JpkiCardEmulator(card, PinTryCounter(card))
        with self._lock:
            self._take_out()
            self._slot = _CardInSlot(card.name, emulator)
            if self._plugged:
                self._power_up(self._slot)
                self._emit(CardInserted(READER_NAME))

    def remove(self) -> None:
        with self._lock:
            self._take_out()

    def pull_during_next_sign(self) -> None:
        """The next signing command never gets its answer: the card is gone by then."""
        with self._lock:
            self._pull_at_next_sign = True

    def unplug(self) -> None:
        with self._lock:
            if not self._plugged:
                return
            self._plugged = False
            if self._slot is not None:
                self._slot.emulator.power_off()
            self._emit(ReaderHealthChanged(self.health()))
            if self._slot is not None:
                self._emit(CardRemoved(READER_NAME))

    def plug(self) -> None:
        with self._lock:
            if self._plugged:
                return
            self._plugged = True
            self._emit(ReaderHealthChanged(self.health()))
            if self._slot is not None:
                self._power_up(self._slot)
                self._emit(CardInserted(READER_NAME))

    # --- inside

    def _powered_slot(self) -> _CardInSlot | None:
        return self._slot if self.card_present() else None

    def _power_up(self, slot: _CardInSlot) -> None:
        slot.emulator.power_on()
        slot.session = JpkiSession(self._apdus)
        slot.probe = None

    def _take_out(self) -> None:
        if self._slot is None:
            return
        self._slot.emulator.power_off()
        self._slot = None
        if self._plugged:
            self._emit(CardRemoved(READER_NAME))

    def _deliver(self, command: bytes) -> bytes:
        slot = self._powered_slot()
        if slot is None:
            raise CardAbsent()
        if self._pull_at_next_sign and command[:2] == _SIGN_HEADER:
            self._pull_at_next_sign = False
            self._take_out()
            raise CardAbsent()
        return slot.emulator.process(command)

    def _emit(self, event: CardEvent) -> None:
        if self._watching and self._listener is not None:
            self._listener(event)
