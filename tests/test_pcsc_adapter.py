"""The pyscard adapter through the real stack: pcscd, its vpcd reader, and the card emulator as
a vpcd client. The CardReader contract first, then what only a real stack can show."""
from __future__ import annotations

import dataclasses
import signal
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytest.register_assert_rewrite("pcscd_fixture")  # it is also this module's pytest plugin, below

from contract.card_reader_contract import (
    CHALLENGE,
    CONTRACT_PIN,
    USABLE,
    CardReaderContract,
    demo_credential,
    write_contract_cards,
)
from pcscd_fixture import PrivatePcscd, poll
from smartcard import scard

from hardware.card import pcsc_transport
from hardware.card.apdu import CardAbsent
from hardware.card.card_file import PinTryCounter, card_path, load_demo_card
from hardware.card.emulator import JpkiCardEmulator
from hardware.card.jpki_files import INS_SELECT, INS_SIGN, INS_VERIFY
from hardware.card.pcsc import PcscCardReader
from hardware.card.vpcd import VpcdCard
from app.bootstrap import build_kiosk
from kiosk.config import AdapterChoice
from kiosk.health import DeviceHealth, DeviceState
from kiosk.pin import Pin
from kiosk.ports.card import (
    CardEvent,
    CardGone,
    CardInserted,
    CardProbe,
    CardRemoved,
    PinTriesLeft,
    ReaderHealthChanged,
    Signed,
)
from kiosk.ports.center import Identity

pytest_plugins = ["pcscd_fixture"]

SEEN_SECONDS = 5.0  # pcscd notices a vpcd card in about 0.4 s and its removal in about 0.15 s
RECOVERY_SECONDS = 10.0


@dataclass
class PcscRig:
    reader: PcscCardReader
    daemon: PrivatePcscd
    cards_dir: Path
    events: list[CardEvent] = field(default_factory=list)
    card: VpcdCard | None = None

    def insert(self, card_name: str) -> None:
        mark = len(self.events)
        self.card = attach(self.cards_dir, card_name, self.daemon.port)
        self.wait_for(CardInserted, mark)

    def remove(self) -> None:
        mark = len(self.events)
        self.card.detach()
        self.card = None
        self.wait_for(CardRemoved, mark)

    def wait_for(self, kind: type, mark: int, timeout: float = SEEN_SECONDS, match=lambda event: True):
        return poll(
            lambda: next((e for e in self.events[mark:] if isinstance(e, kind) and match(e)), None),
            timeout, f"{kind.__name__} from the reader",
        )

    def close(self) -> None:
        self.reader.stop()
        if self.card is not None:
            self.card.detach()
        self.daemon.wait_slot_empty()


def attach(cards_dir: Path, card_name: str, port: int) -> VpcdCard:
    card = load_demo_card(card_path(cards_dir, card_name))
    vpcd_card = VpcdCard(JpkiCardEmulator(card, PinTryCounter(card)), port)
    vpcd_card.attach()
    return vpcd_card


@pytest.fixture
def rig(pcscd, tmp_path):  # pcscd makes every test that uses the rig a real-stack one
    write_contract_cards(tmp_path)
    rig = PcscRig(PcscCardReader(pcscd.reader), pcscd, tmp_path)
    rig.reader.set_listener(rig.events.append)
    rig.reader.start()
    yield rig
    rig.close()


@pytest.mark.realstack
class TestPcscCardReader(CardReaderContract):
    pass


@pytest.mark.realstack
def test_start_reports_the_reader_and_a_card_already_there(pcscd, tmp_path):
    write_contract_cards(tmp_path)
    card = attach(tmp_path, USABLE, pcscd.port)
    rig = PcscRig(PcscCardReader("Kiosk Test VPCD"), pcscd, tmp_path, card=card)
    poll(pcscd.has_card, SEEN_SECONDS, "pcscd to see the card")
    rig.reader.set_listener(rig.events.append)
    try:
        rig.reader.start()
        assert rig.reader.reader_name == pcscd.reader
        assert rig.reader.health() == DeviceHealth(DeviceState.OK, pcscd.reader)
        assert rig.reader.card_present()
        assert rig.events == [ReaderHealthChanged(rig.reader.health()), CardInserted(pcscd.reader)]
    finally:
        rig.close()


@pytest.mark.realstack
def test_ok_costs_only_verify_and_the_signature(rig):
    rig.insert(USABLE)
    assert isinstance(rig.reader.probe(), CardProbe)
    mark = rig.reader.apdu_log.count
    assert isinstance(rig.reader.verify_and_sign(Pin(CONTRACT_PIN), CHALLENGE), Signed)
    sent = [entry.ins for entry in rig.reader.apdu_log.since(mark)]
    assert sent == [INS_SELECT, INS_VERIFY, INS_SELECT, INS_SIGN]


@pytest.mark.realstack
def test_no_verified_state_outlives_the_signature(rig):
    """After signing, the card is reset: another program finds no verified key to use."""
    rig.insert(USABLE)
    rig.reader.probe()
    assert isinstance(rig.reader.verify_and_sign(Pin(CONTRACT_PIN), CHALLENGE), Signed)
    _, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    try:
        code, handle, protocol = scard.SCardConnect(
            context, rig.daemon.reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T1
        )
        assert code == scard.SCARD_S_SUCCESS
        code, answer = scard.SCardTransmit(handle, protocol, list(bytes.fromhex("00A4020C020017")))  # auth key
        assert code == scard.SCARD_S_SUCCESS and bytes(answer) != bytes.fromhex("9000")  # no application selected
        scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
    finally:
        scard.SCardReleaseContext(context)
    # and the reader itself signs again, selecting the application anew
    outcome = rig.reader.verify_and_sign(Pin(CONTRACT_PIN), CHALLENGE)
    assert isinstance(outcome, Signed) and demo_credential().verifies(outcome.signature, CHALLENGE)


@pytest.mark.realstack
def test_the_card_pulled_in_the_middle_of_the_signature(rig):
    rig.insert(USABLE)
    rig.reader.probe()
    rig.card.pull_during_next_sign()
    mark = len(rig.events)
    pin = Pin(CONTRACT_PIN)
    assert rig.reader.verify_and_sign(pin, CHALLENGE) == CardGone()
    rig.wait_for(CardRemoved, mark)
    assert not rig.reader.card_present()
    assert rig.reader.probe() == CardGone()
    rig.card = None
    rig.insert(USABLE)
    assert rig.reader.probe().tries_left == PinTriesLeft(3)  # the VERIFY before the pull had passed


@pytest.mark.realstack
def test_pcscd_killed_and_restarted_during_a_session(rig):
    rig.insert(USABLE)
    assert rig.reader.probe().certificate_der == demo_credential().certificate_der
    mark = len(rig.events)
    rig.daemon.restart(signal.SIGKILL)
    degraded = rig.wait_for(ReaderHealthChanged, mark, match=lambda e: e.health.state is DeviceState.DEGRADED)
    removed = rig.wait_for(CardRemoved, mark)
    recovered = rig.wait_for(ReaderHealthChanged, mark, RECOVERY_SECONDS, lambda e: e.health.ok)
    inserted = rig.wait_for(CardInserted, mark, RECOVERY_SECONDS)
    order = [rig.events.index(e, mark) for e in (degraded, recovered, inserted)]
    assert order == sorted(order) and rig.events.index(removed, mark) < order[2]
    assert rig.reader.health().ok
    probe = rig.reader.probe()
    assert probe.certificate_der == demo_credential().certificate_der
    outcome = rig.reader.verify_and_sign(Pin(CONTRACT_PIN), CHALLENGE)
    assert isinstance(outcome, Signed) and demo_credential().verifies(outcome.signature, CHALLENGE)


@pytest.mark.realstack
def test_the_signature_verifies_at_the_center(pcscd, kiosk_config):
    """The kiosk built by the composition root with the pcsc adapter, a provisioned demo card and
    the embedded center: the card's signature over the center's challenge authenticates it."""
    config = dataclasses.replace(
        kiosk_config,
        adapters=AdapterChoice(card="pcsc"),
        adapter_options={"card": {"reader": pcscd.reader}},
    )
    kiosk = build_kiosk(config)
    events: list[CardEvent] = []
    rig = PcscRig(kiosk.card, pcscd, config.data_dir / "cards", events)
    kiosk.card.set_listener(events.append)  # the test plays the flow's part
    kiosk.card.start()
    try:
        rig.insert("sato-ichiro")
        probe = kiosk.card.probe()
        challenge = kiosk.center.new_challenge()
        signed = kiosk.card.verify_and_sign(Pin("4721"), challenge.nonce)
        assert isinstance(signed, Signed)
        result = kiosk.center.authenticate(probe.certificate_der, challenge.challenge_id, signed.signature)
        assert isinstance(result, Identity) and result.resident_ref == "R-0001"
    finally:
        rig.close()
        kiosk.close()


# --- without pcscd: the transport's T=0 status words and the adapter's options


class ScriptedCard:
    """Stands in for SCardTransmit: the answers a T=0 card gives, in order; records the commands."""

    def __init__(self, *answers: str) -> None:
        self.answers = [list(bytes.fromhex(answer)) for answer in answers]
        self.commands: list[str] = []

    def __call__(self, handle, protocol, command):
        self.commands.append(bytes(command).hex().upper())
        return 0, self.answers.pop(0)


def test_the_transport_fetches_61xx_data_with_get_response(monkeypatch):
    card = ScriptedCard("6104", "AABBCCDD6102", "EEFF9000")
    monkeypatch.setattr(pcsc_transport.scard, "SCardTransmit", card)
    answer = pcsc_transport.PcscTransport(1, 2).transmit(bytes.fromhex("00B0000006"))
    assert answer == bytes.fromhex("AABBCCDDEEFF9000")
    assert card.commands == ["00B0000006", "00C0000004", "00C0000002"]


def test_the_transport_resends_with_the_le_a_6cxx_asks_for(monkeypatch):
    card = ScriptedCard("6C04", "01020304" "9000")
    monkeypatch.setattr(pcsc_transport.scard, "SCardTransmit", card)
    assert pcsc_transport.PcscTransport(1, 2).transmit(bytes.fromhex("00B0000000")) == bytes.fromhex("010203049000")
    assert card.commands == ["00B0000000", "00B0000004"]


def test_a_transmit_without_any_answer_means_the_card_is_gone(monkeypatch):
    monkeypatch.setattr(pcsc_transport.scard, "SCardTransmit", ScriptedCard(""))
    with pytest.raises(CardAbsent):
        pcsc_transport.PcscTransport(1, 2).transmit(bytes.fromhex("00A4040C0AD392F000260100000001"))


def test_options_name_the_reader_and_nothing_else(kiosk_config):
    with pytest.raises(ValueError, match="readr"):
        PcscCardReader.from_config(dataclasses.replace(kiosk_config, adapter_options={"card": {"readr": "x"}}))
    with pytest.raises(ValueError, match="string"):
        PcscCardReader.from_config(dataclasses.replace(kiosk_config, adapter_options={"card": {"reader": 1}}))
    assert PcscCardReader.availability().usable


@pytest.mark.realstack
def test_without_the_configured_reader_it_is_degraded(pcscd, kiosk_config):
    config = dataclasses.replace(kiosk_config, adapter_options={"card": {"reader": "ACS ACR39U"}})
    reader = PcscCardReader.from_config(config)
    events: list[CardEvent] = []
    reader.set_listener(events.append)
    reader.start()
    try:
        assert reader.health().state is DeviceState.DEGRADED and "ACS ACR39U" in reader.health().detail
        assert events == [ReaderHealthChanged(reader.health())]
        assert reader.reader_name is None and reader.probe() == CardGone()
    finally:
        reader.stop()


def test_a_reader_never_started_has_no_card():
    reader = PcscCardReader()
    pin = Pin(CONTRACT_PIN)
    assert reader.probe() == CardGone()
    assert reader.verify_and_sign(pin, CHALLENGE) == CardGone()
    assert not reader.card_present() and not reader.health().ok
    assert pin.wiped
