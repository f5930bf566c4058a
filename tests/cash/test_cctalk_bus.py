"""ccTalk requests (hardware/cash/cctalk_bus.py, cctalk_coin_acceptor.py, cctalk_hopper.py)
against an in-memory single-wire bus that echoes what the host writes: echo stripping, NAK and
BUSY, retries only where repeating is safe, and the devices' requests and replies."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from scripted_port import PortFactory, ScriptedPort, replies

from hardware.cash.cctalk_bus import CcTalkBus, CcTalkBusy, CcTalkNak
from hardware.cash.cctalk_coin_acceptor import CoinAcceptor
from hardware.cash.cctalk_hopper import Hopper
from hardware.cash.cctalk_protocol import (
    BufferedCredit,
    FrameDecoder,
    Header,
    HopperStatus,
    encode,
)
from hardware.cash.serial_link import DeviceSilent, PortOwner, ProtocolError

TIMEOUT = 0.15
SLACK = 1.0


def reply(src: int, data: bytes = b"", header: int = Header.REPLY) -> bytes:
    return encode(1, header, data, src=src)


class Devices:
    """Answers by (address, header, data) like devices on the bus; None stays silent."""

    def __init__(self) -> None:
        self.handlers: dict[tuple[int, int], Callable[[bytes], bytes | None]] = {}
        self.requests: list[tuple[int, int, bytes]] = []

    def on(self, address: int, header: int, answer: Callable[[bytes], bytes | None]) -> None:
        self.handlers[(address, header)] = answer

    def __call__(self, request: bytes) -> bytes | None:
        [frame] = FrameDecoder().feed(request)
        self.requests.append((frame.dest, frame.header, frame.data))
        handler = self.handlers.get((frame.dest, frame.header))
        return handler(frame.data) if handler else None


@pytest.fixture
def devices() -> Devices:
    return Devices()


@pytest.fixture
def port(devices: Devices) -> ScriptedPort:
    return ScriptedPort(devices, echo=True)


@pytest.fixture
def bus(port: ScriptedPort) -> Iterator[CcTalkBus]:
    with PortOwner("/dev/ttyCOIN", open_port=PortFactory(port)) as owner:
        yield CcTalkBus(owner, reply_timeout=TIMEOUT, retry_delay=0.0)


def test_the_echo_is_stripped_and_the_reply_returned(bus: CcTalkBus, devices: Devices, port: ScriptedPort) -> None:
    devices.on(2, Header.REQUEST_MASTER_INHIBIT, lambda data: reply(2, b"\x01"))
    assert bus.request(2, Header.REQUEST_MASTER_INHIBIT) == b"\x01"
    assert port.writes == [bytes.fromhex("02 00 01 E3 1A")]


def test_without_echo_the_reply_comes_alone(devices: Devices) -> None:
    devices.on(2, Header.SIMPLE_POLL, lambda data: reply(2))
    with PortOwner("/dev/ttyCOIN", open_port=PortFactory(ScriptedPort(devices))) as owner:
        assert CcTalkBus(owner, echo=False, reply_timeout=TIMEOUT).request(2, Header.SIMPLE_POLL) == b""


def test_a_missing_echo_is_a_broken_line(devices: Devices) -> None:
    devices.on(2, Header.SIMPLE_POLL, lambda data: reply(2))
    with PortOwner("/dev/ttyCOIN", open_port=PortFactory(ScriptedPort(devices))) as owner:
        bus = CcTalkBus(owner, reply_timeout=TIMEOUT, retries=0)
        with pytest.raises(DeviceSilent, match="echo"):
            bus.request(2, Header.SIMPLE_POLL)


def test_frames_before_the_echo_are_stale(devices: Devices) -> None:
    def answer(request: bytes) -> bytes:
        return reply(2, b"\x00") + request + reply(2, b"\x01")  # an old reply, our echo, the reply

    with PortOwner("/dev/ttyCOIN", open_port=PortFactory(ScriptedPort(answer))) as owner:
        assert CcTalkBus(owner, reply_timeout=TIMEOUT).request(2, Header.REQUEST_MASTER_INHIBIT) == b"\x01"


@pytest.mark.parametrize("noise", [b"\x00\xff\x13", b"\x01\x09", b"\x07"])
def test_garbage_between_echo_and_reply_is_skipped(noise: bytes) -> None:
    with PortOwner("/dev/ttyCOIN", open_port=PortFactory(ScriptedPort(lambda r: r + noise + reply(2, b"\x01")))) as owner:
        assert CcTalkBus(owner, echo=True, reply_timeout=TIMEOUT).request(2, Header.REQUEST_MASTER_INHIBIT) == b"\x01"


def test_a_reply_from_another_address_is_not_the_reply(bus: CcTalkBus, devices: Devices) -> None:
    devices.on(2, Header.SIMPLE_POLL, lambda data: reply(3))
    with pytest.raises(DeviceSilent):
        bus.request(2, Header.SIMPLE_POLL, retry=False)


def test_nak_is_typed_and_not_repeated(bus: CcTalkBus, devices: Devices) -> None:
    devices.on(3, Header.REQUEST_HOPPER_STATUS, lambda data: reply(3, header=Header.NAK))
    with pytest.raises(CcTalkNak):
        bus.request(3, Header.REQUEST_HOPPER_STATUS)
    assert len(devices.requests) == 1


def test_busy_is_asked_again_then_typed(bus: CcTalkBus, devices: Devices, port: ScriptedPort) -> None:
    busy = reply(2, header=Header.BUSY)
    port.answer = replies(busy, busy, reply(2, b"\x01"))
    assert bus.request(2, Header.REQUEST_MASTER_INHIBIT) == b"\x01"
    port.answer = lambda request: busy
    with pytest.raises(CcTalkBusy):
        bus.request(2, Header.REQUEST_MASTER_INHIBIT)
    assert len(port.writes) == 6


def test_silence_is_retried_for_reads_within_a_bounded_time(bus: CcTalkBus, devices: Devices) -> None:
    start = time.monotonic()
    with pytest.raises(DeviceSilent):
        bus.request(2, Header.READ_BUFFERED_CREDIT)
    assert len(devices.requests) == 3
    assert time.monotonic() - start < 3 * TIMEOUT + SLACK


@pytest.mark.parametrize("header", [Header.DISPENSE_HOPPER_COINS, Header.RESET_DEVICE, Header.EMERGENCY_STOP])
def test_commands_that_act_are_never_repeated_by_default(bus: CcTalkBus, devices: Devices, header: int) -> None:
    with pytest.raises(DeviceSilent):
        bus.request(3, header)
    assert len(devices.requests) == 1


def test_the_caller_may_refuse_retries(bus: CcTalkBus, devices: Devices) -> None:
    with pytest.raises(DeviceSilent):
        bus.request(2, Header.SIMPLE_POLL, retry=False)
    assert len(devices.requests) == 1


def test_unexpected_reply_header(bus: CcTalkBus, devices: Devices) -> None:
    devices.on(2, Header.SIMPLE_POLL, lambda data: reply(2, header=99))
    with pytest.raises(ProtocolError):
        bus.request(2, Header.SIMPLE_POLL)
    with pytest.raises(ValueError):
        bus.request(1, Header.SIMPLE_POLL)


# --- the coin acceptor ------------------------------------------------------------------------

COIN_IDS = {1: b"JP010A", 2: b"JP050A", 3: b"JP100A", 4: b"JP500A", 5: b"EU100A"}


def test_coin_acceptor_requests(bus: CcTalkBus, devices: Devices) -> None:
    acceptor = CoinAcceptor(bus)
    devices.on(2, Header.SIMPLE_POLL, lambda data: reply(2))
    devices.on(2, Header.REQUEST_COIN_ID, lambda data: reply(2, COIN_IDS.get(data[0], b"......")))
    devices.on(2, Header.MODIFY_INHIBIT_STATUS, lambda data: reply(2))
    devices.on(2, Header.MODIFY_MASTER_INHIBIT, lambda data: reply(2))
    devices.on(2, Header.REQUEST_MASTER_INHIBIT, lambda data: reply(2, b"\x01"))
    devices.on(2, Header.READ_BUFFERED_CREDIT, lambda data: reply(2, bytes([4, 3, 1, 0, 2, 0, 0, 0, 0, 0, 0])))
    devices.on(2, Header.RESET_DEVICE, lambda data: reply(2))
    acceptor.simple_poll()
    assert acceptor.coin_table() == {1: 10, 2: 50, 3: 100, 4: 500}
    acceptor.set_coin_inhibits({1, 2, 3, 4})
    acceptor.set_master(True)
    acceptor.set_master(False)
    assert acceptor.master() is True
    assert acceptor.read_buffered() == BufferedCredit(4, ((3, 1), (0, 2), (0, 0), (0, 0), (0, 0)))
    acceptor.reset()
    sent = [(header, data) for _, header, data in devices.requests if header != Header.REQUEST_COIN_ID]
    assert sent == [
        (Header.SIMPLE_POLL, b""), (Header.MODIFY_INHIBIT_STATUS, b"\x0f\x00"),
        (Header.MODIFY_MASTER_INHIBIT, b"\x01"), (Header.MODIFY_MASTER_INHIBIT, b"\x00"),
        (Header.REQUEST_MASTER_INHIBIT, b""), (Header.READ_BUFFERED_CREDIT, b""), (Header.RESET_DEVICE, b""),
    ]  # fmt: skip
    assert [data for _, header, data in devices.requests if header == Header.REQUEST_COIN_ID] == [
        bytes([n]) for n in range(1, 17)
    ]


def test_a_short_buffered_credit_reply_is_a_protocol_error(bus: CcTalkBus, devices: Devices) -> None:
    devices.on(2, Header.READ_BUFFERED_CREDIT, lambda data: reply(2, b"\x04\x03"))
    with pytest.raises(ProtocolError):
        CoinAcceptor(bus).read_buffered()


# --- a hopper ---------------------------------------------------------------------------------

def test_hopper_requests(bus: CcTalkBus, devices: Devices) -> None:
    hopper = Hopper(bus, 3)
    devices.on(3, Header.REQUEST_HOPPER_COIN, lambda data: reply(3, b"JP100A  "))
    devices.on(3, Header.ENABLE_HOPPER, lambda data: reply(3))
    devices.on(3, Header.TEST_HOPPER, lambda data: reply(3, b"\x80\x00"))
    devices.on(3, Header.REQUEST_HOPPER_STATUS, lambda data: reply(3, b"\x05\x00\x07\x03"))
    devices.on(3, Header.DISPENSE_HOPPER_COINS, lambda data: reply(3, b"\x06"))
    devices.on(3, Header.EMERGENCY_STOP, lambda data: reply(3, b"\x02"))
    assert hopper.coin_yen() == 100
    hopper.enable(True)
    hopper.enable(False)
    assert hopper.test().needs_enable
    assert hopper.status() == HopperStatus(counter=5, remaining=0, paid=7, unpaid=3)
    assert hopper.dispense(4) == 6
    assert hopper.emergency_stop() == 2
    assert (3, Header.ENABLE_HOPPER, b"\xa5") in devices.requests
    assert (3, Header.ENABLE_HOPPER, b"\x00") in devices.requests
    assert (3, Header.DISPENSE_HOPPER_COINS, bytes(8) + b"\x04") in devices.requests


def test_a_hopper_that_only_acks_a_dispense(bus: CcTalkBus, devices: Devices) -> None:
    devices.on(4, Header.DISPENSE_HOPPER_COINS, lambda data: reply(4))
    assert Hopper(bus, 4).dispense(1) is None


def test_a_silent_dispense_is_sent_once(bus: CcTalkBus, devices: Devices) -> None:
    with pytest.raises(DeviceSilent):
        Hopper(bus, 3).dispense(2)
    assert devices.requests == [(3, Header.DISPENSE_HOPPER_COINS, bytes(8) + b"\x02")]


def test_a_refused_dispense_is_a_nak(bus: CcTalkBus, devices: Devices) -> None:
    devices.on(3, Header.DISPENSE_HOPPER_COINS, lambda data: reply(3, header=Header.NAK))
    with pytest.raises(CcTalkNak):
        Hopper(bus, 3).dispense(2)
    assert len(devices.requests) == 1


def test_malformed_hopper_replies_are_protocol_errors(bus: CcTalkBus, devices: Devices) -> None:
    devices.on(3, Header.REQUEST_HOPPER_STATUS, lambda data: reply(3, b"\x05\x00"))
    devices.on(3, Header.TEST_HOPPER, lambda data: reply(3))
    devices.on(3, Header.EMERGENCY_STOP, lambda data: reply(3))
    devices.on(3, Header.DISPENSE_HOPPER_COINS, lambda data: reply(3, b"\x01\x02"))
    hopper = Hopper(bus, 3)
    for call in (hopper.status, hopper.test, hopper.emergency_stop, lambda: hopper.dispense(1)):
        with pytest.raises(ProtocolError):
            call()
