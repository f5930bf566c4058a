"""What the simulated reader adds beside the port: operator API, fault injection, APDU economy."""
from __future__ import annotations

import pytest
from contract.card_reader_contract import (
    CHALLENGE,
    CONTRACT_PIN,
    FACE_AUTH,
    LOCKED,
    NOT_MY_NUMBER,
    USABLE,
    WRONG_PIN,
    demo_credential,
    write_card_file,
    write_contract_cards,
)

from hardware.card.jpki_files import INS_READ_BINARY, INS_SIGN, INS_VERIFY
from hardware.card.simulated import READER_NAME, DemoCardChoice, SimulatedCardReader, UnknownDemoCard
from kiosk.health import DeviceState
from kiosk.pin import Pin
from kiosk.ports.card import (
    CardFault,
    CardGone,
    CardInserted,
    CardProbe,
    CardRemoved,
    PinBlocked,
    PinTriesLeft,
    ReaderHealthChanged,
    Signed,
    WrongPin,
)


@pytest.fixture
def cards_dir(tmp_path):
    write_contract_cards(tmp_path)
    return tmp_path


@pytest.fixture
def reader(cards_dir):
    return SimulatedCardReader(cards_dir)


@pytest.fixture
def events(reader):
    seen = []
    reader.set_listener(seen.append)
    reader.start()
    return seen


def sign(reader: SimulatedCardReader, digits: str = CONTRACT_PIN):
    return reader.verify_and_sign(Pin(digits), CHALLENGE)


def apdus_during(reader: SimulatedCardReader, action):
    """What ``action`` returned, and the APDUs it cost."""
    mark = reader.apdu_log.count
    result = action()
    return result, list(reader.apdu_log.since(mark))


def test_always_available():
    assert SimulatedCardReader.availability().usable


def test_available_cards_list_the_demo_cards_by_name(reader):
    choices = reader.available_cards()
    assert [c.name for c in choices] == sorted(c.name for c in choices)
    usable = next(c for c in choices if c.name == USABLE)
    assert usable == DemoCardChoice(USABLE, f"テスト用カード {USABLE}", f"test card {USABLE}", "ordinary")


def test_an_unknown_card_name_is_an_operator_error(reader):
    with pytest.raises(UnknownDemoCard):
        reader.insert("no-such-card")
    assert not reader.card_present()


def test_no_events_before_start_and_start_reports_the_card_already_there(reader):
    seen = []
    reader.set_listener(seen.append)
    reader.insert(USABLE)
    assert seen == []
    reader.start()
    assert seen == [CardInserted(READER_NAME)]
    reader.stop()
    reader.remove()
    assert seen == [CardInserted(READER_NAME)]


def test_inserting_over_a_card_removes_it_first(reader, events):
    reader.insert(USABLE)
    reader.insert(LOCKED)
    assert events == [CardInserted(READER_NAME), CardRemoved(READER_NAME), CardInserted(READER_NAME)]


def test_probe_of_a_usable_card_costs_five_apdus_plus_the_certificate(reader, events):
    reader.insert(USABLE)
    probe, sent = apdus_during(reader, reader.probe)
    chunks = -(-(len(demo_credential().certificate_der) - 4) // 256)
    assert isinstance(probe, CardProbe)
    assert len(sent) == 5 + 2 + chunks  # + SELECT 000A and the header read


def test_verify_and_sign_costs_four_apdus_and_never_rereads_the_certificate(reader, events):
    reader.insert(USABLE)
    reader.probe()
    outcome, sent = apdus_during(reader, lambda: sign(reader))
    assert isinstance(outcome, Signed) and outcome.certificate_der is None
    assert len(sent) == 4
    assert not [e for e in sent if e.ins == INS_READ_BINARY]


def refused_locally(reader: SimulatedCardReader, card: str):
    """Insert, probe, then sign: the outcome, the APDUs the signing sent, and the PIN afterwards."""
    reader.insert(card)
    reader.probe()
    pin = Pin(CONTRACT_PIN)
    outcome, sent = apdus_during(reader, lambda: reader.verify_and_sign(pin, CHALLENGE))
    return outcome, sent, pin


def test_a_locked_card_is_refused_without_apdus(reader, events):
    outcome, sent, pin = refused_locally(reader, LOCKED)
    assert (outcome, sent) == (PinBlocked(), [])
    assert pin.wiped


@pytest.mark.parametrize("card", [FACE_AUTH, NOT_MY_NUMBER])
def test_a_card_without_a_usable_pin_is_a_fault_without_apdus(reader, events, card):
    outcome, sent, pin = refused_locally(reader, card)
    assert isinstance(outcome, CardFault) and sent == []
    assert pin.wiped


def test_signing_before_any_probe_is_refused_without_apdus(reader, events):
    reader.insert(USABLE)
    outcome, sent = apdus_during(reader, lambda: sign(reader))
    assert isinstance(outcome, CardFault) and sent == []


def test_once_blocked_no_further_verify_reaches_the_card(reader, events):
    reader.insert(USABLE)
    reader.probe()
    assert [sign(reader, WRONG_PIN) for _ in range(5)] == [
        WrongPin(PinTriesLeft(2)),
        WrongPin(PinTriesLeft(1)),
        PinBlocked(),
        PinBlocked(),
        PinBlocked(),
    ]
    pin_verifies = [e for e in reader.apdu_log.entries if e.ins == INS_VERIFY and e.lc == 4]
    assert len(pin_verifies) == 3


def test_card_pulled_during_the_signature_is_gone(reader, events):
    reader.insert(USABLE)
    reader.probe()
    reader.pull_during_next_sign()
    outcome, sent = apdus_during(reader, lambda: sign(reader))
    assert outcome == CardGone()
    assert sent[-1].ins == INS_SIGN and sent[-1].sw is None
    assert events[-1] == CardRemoved(READER_NAME)
    assert not reader.card_present()
    reader.insert(USABLE)
    assert reader.probe().tries_left == PinTriesLeft(3)  # the correct VERIFY had counted


def test_the_pull_fires_only_once(reader, events):
    reader.insert(USABLE)
    reader.probe()
    reader.pull_during_next_sign()
    sign(reader)
    reader.insert(USABLE)
    reader.probe()
    assert isinstance(sign(reader), Signed)


def test_unplugging_the_reader_faults_and_takes_the_card_away(reader, events):
    reader.insert(USABLE)
    reader.probe()
    reader.unplug()
    assert reader.health().state is DeviceState.FAULT
    assert events[-2:] == [ReaderHealthChanged(reader.health()), CardRemoved(READER_NAME)]
    assert not reader.card_present()
    assert reader.probe() == CardGone()
    assert sign(reader) == CardGone()


def test_plugging_back_reports_the_card_and_a_fresh_session(reader, events):
    reader.insert(USABLE)
    reader.probe()
    reader.unplug()
    reader.plug()
    assert reader.health().ok
    assert events[-2:] == [ReaderHealthChanged(reader.health()), CardInserted(READER_NAME)]
    assert isinstance(sign(reader), CardFault)  # a new power-up needs a new probe
    reader.probe()
    assert isinstance(sign(reader), Signed)


def test_a_listener_may_call_back_into_the_reader(reader):
    probes = []

    def probe_on_insert(event):
        if isinstance(event, CardInserted):
            probes.append(reader.probe())

    reader.set_listener(probe_on_insert)
    reader.start()
    reader.insert(USABLE)
    assert isinstance(probes[0], CardProbe)


def test_a_card_the_protocol_does_not_allow_is_a_fault_naming_the_step(cards_dir, reader, events):
    write_card_file(cards_dir, "future", token_label="JPKIAPFUTURETOKEN")
    reader.insert("future")
    fault = reader.probe()
    assert isinstance(fault, CardFault) and fault.detail.startswith("read_token")
    assert isinstance(sign(reader), CardFault)  # no probe to act on


def test_card_names_cannot_leave_the_cards_directory(reader):
    with pytest.raises(UnknownDemoCard):
        reader.insert(f"../{reader.available_cards()[0].name}")


def test_the_apdu_log_never_holds_the_pin(reader, events):
    reader.insert(USABLE)
    reader.probe()
    sign(reader, "8642")
    assert b"8642" not in repr(reader.apdu_log.entries).encode()
