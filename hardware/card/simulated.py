"""SimulatedCardReader: the CardReader port over the card emulator, every step as real APDUs.

Beside the port it has an operator/scenario API: insert or remove a demo card by name, list the
demo cards, and inject faults (the card pulled mid-signature, the reader unplugged). Events go to
the listener synchronously, on the thread of the call that caused them.

Decisions the port leaves open:

- ``probe`` reads the certificate only from a My Number card whose PIN is usable: a blocked or
  PIN-less card cannot authenticate and the old 住基カード is refused. A phone wants the PIN
  before its certificate (jpki.md §9), so ``verify_and_sign`` reads it between VERIFY and the
  signature and returns it in ``Signed.certificate_der``; for a card it never re-reads it.
- ``verify_and_sign`` answers ``CardFault`` without any APDU when the last probe found no usable
  PIN other than a blocked one (a face-auth card, a non-JPKI card), or when the card was not
  probed since it went in: the port has no outcome for these and the flow learns them from
  ``probe`` first.
- An unplugged reader is a FAULT (someone has to plug it back); a card in it counts as removed.
- ``pull_during_next_sign``: the card leaves as the signing command reaches it, so
  ``CardRemoved`` reaches the listener from inside ``verify_and_sign``, before ``CardGone`` is
  returned.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, NamedTuple

from hardware.card.apdu import ApduLog, ApduTransport, CardAbsent
from hardware.card.card_file import PinTryCounter, card_path, list_demo_cards, load_demo_card
from hardware.card.emulator import JpkiCardEmulator
from hardware.card.jpki import (
    JpkiSession,
    PinNotSet,
    PinVerified,
    ProtocolError,
    VerifyRefused,
)
from hardware.card.jpki_files import CLA_PROPRIETARY, INS_SIGN
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
    PinBlocked,
    PinState,
    ReaderHealthChanged,
    Signed,
    SignOutcome,
    TokenKind,
    WrongPin,
)

READER_NAME = "Simulated card reader"
_PHONES = (TokenKind.PHONE_ANDROID, TokenKind.PHONE_IPHONE)
_CAN_SIGN_AFTER_PROBE = (TokenKind.MY_NUMBER_CARD, *_PHONES)
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
        return cls(config.data_dir / "cards")

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
                slot.probe = self._read_probe(slot.session)
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
                probe = slot.probe
                if probe is None:
                    return CardFault("card not probed since it was inserted")
                if probe.pin_state is PinState.BLOCKED:
                    return PinBlocked()
                if probe.pin_state is not PinState.USABLE or probe.token not in _CAN_SIGN_AFTER_PROBE:
                    return CardFault("card has no usable PIN")
                return self._verify_then_sign(slot, probe.token, pin, challenge)
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

    def _read_probe(self, session: JpkiSession) -> CardProbe:
        token = session.token_kind()
        if token not in _CAN_SIGN_AFTER_PROBE:
            return CardProbe(token)
        pin = session.pin_status()
        certificate = None
        if token is TokenKind.MY_NUMBER_CARD and pin.state is PinState.USABLE:
            certificate = session.read_auth_certificate()
        return CardProbe(token, pin.state, pin.tries_left, certificate)

    def _verify_then_sign(self, slot: _CardInSlot, token: TokenKind, pin: Pin, challenge: bytes) -> SignOutcome:
        session = slot.session
        try:
            outcome = session.verify(pin)
            self._remember_pin_status(slot)
            match outcome:
                case PinVerified():
                    certificate = session.read_auth_certificate() if token in _PHONES else None
                    return Signed(session.sign(challenge), certificate)
                case WrongPin() | PinBlocked():
                    return outcome
                case PinNotSet():
                    return CardFault("card has no PIN")
                case VerifyRefused(reason=reason):
                    return CardFault(reason)
        except CardAbsent:
            return CardGone()
        except ProtocolError as error:
            return CardFault(str(error))

    def _remember_pin_status(self, slot: _CardInSlot) -> None:
        """Keep the probe in step with the card, so a later call refuses locally once blocked."""
        status = slot.session.last_pin_status
        if slot.probe is not None and status is not None:
            slot.probe = replace(slot.probe, pin_state=status.state, tries_left=status.tries_left)

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
