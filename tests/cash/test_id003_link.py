"""ID-003 requests (hardware/cash/id003_link.py) against an in-memory port that answers from a
script: the right frame goes out, the reply is checked, and silence, garbage, refusals and
replies that do not fit are typed faults within the deadline."""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from scripted_port import PortFactory, ScriptedPort, replies, table

from hardware.cash.id003_link import (
    CommunicationError,
    Id003Link,
    Id003Status,
    InvalidCommand,
    UnexpectedReply,
)
from hardware.cash.id003_protocol import Command, Status, encode
from hardware.cash.serial_link import DeviceSilent, PortOwner

TIMEOUT = 0.15
SLACK = 1.0

STATUS = encode(Command.STATUS_REQUEST)
ACK = encode(Command.ACK)


@pytest.fixture
def port() -> ScriptedPort:
    return ScriptedPort()


@pytest.fixture
def link(port: ScriptedPort) -> Iterator[Id003Link]:
    with PortOwner("/dev/ttyBILL", parity="N", open_port=PortFactory(port)) as owner:
        yield Id003Link(owner, reply_timeout=TIMEOUT)


def test_status_with_and_without_data(link: Id003Link, port: ScriptedPort) -> None:
    port.answer = replies(encode(Status.ENABLE), encode(Status.ESCROW, b"\x63"), encode(Status.REJECTING, b"\x79"))
    assert link.status() == Id003Status(Status.ENABLE)
    escrow = link.status()
    assert (escrow.name, escrow.escrow_code, escrow.reject_code) == ("ESCROW", 0x63, None)
    rejecting = link.status()
    assert rejecting.reject_code == 0x79 and rejecting.describe() == "REJECTING (inhibited)"
    assert port.writes == [STATUS] * 3


@pytest.mark.parametrize("call, request_frame", [
    (lambda link: link.reset(), encode(Command.RESET)),
    (lambda link: link.stack(), encode(Command.STACK_1)),
    (lambda link: link.stack(2), encode(Command.STACK_2)),
    (lambda link: link.return_bill(), encode(Command.RETURN)),
    (lambda link: link.hold(), encode(Command.HOLD)),
])  # fmt: skip
def test_operations_expect_an_ack(link: Id003Link, port: ScriptedPort, call, request_frame: bytes) -> None:
    port.answer = table({request_frame: ACK})
    call(link)
    assert port.writes == [request_frame]
    port.answer = table({request_frame: encode(Status.ENABLE)})
    with pytest.raises(UnexpectedReply):
        call(link)


def test_the_hosts_ack_expects_no_reply(link: Id003Link, port: ScriptedPort) -> None:
    start = time.monotonic()
    link.ack()
    assert time.monotonic() - start < TIMEOUT  # it does not wait for an answer that never comes
    assert port.writes == [bytes.fromhex("FC 05 50 AA 05")]


def test_settings_expect_their_echo(link: Id003Link, port: ScriptedPort) -> None:
    uninhibit, inhibit = encode(Command.SET_INHIBIT, b"\x00"), encode(Command.SET_INHIBIT, b"\x01")
    mask = encode(Command.SET_DENOMINATION_INHIBIT, b"\xf2\xff")
    port.answer = lambda request: request  # a validator echoes command and data
    link.set_inhibit(False)
    link.set_inhibit(True)
    link.set_denomination_inhibits(b"\xf2\xff")
    assert port.writes == [uninhibit, inhibit, mask]
    port.answer = table({uninhibit: inhibit})
    with pytest.raises(UnexpectedReply):
        link.set_inhibit(False)
    with pytest.raises(ValueError):
        link.set_denomination_inhibits(b"\x00")


def test_currency_table_and_version(link: Id003Link, port: ScriptedPort) -> None:
    port.answer = table({
        encode(Command.CURRENCY_ASSIGN): encode(Command.CURRENCY_ASSIGN, bytes.fromhex("61 AA 01 03 62 AA 00 00 63 AA 05 03")),
        encode(Command.VERSION_REQUEST): encode(Command.VERSION_REQUEST, b"i(JPY)-100-SS ID003-05V201-11 "),
    })  # fmt: skip
    assert link.currency_assign() == {0x61: 1000, 0x63: 5000}
    assert link.version() == "i(JPY)-100-SS ID003-05V201-11"
    port.answer = table({encode(Command.CURRENCY_ASSIGN): encode(Command.CURRENCY_ASSIGN, b"\x61\xaa\x01")})
    with pytest.raises(UnexpectedReply):
        link.currency_assign()


def test_invalid_command_and_communication_error_are_typed(link: Id003Link, port: ScriptedPort) -> None:
    port.answer = replies(encode(Status.INVALID_COMMAND), encode(Status.COMMUNICATION_ERROR), encode(0x99))
    with pytest.raises(InvalidCommand):
        link.stack()
    with pytest.raises(CommunicationError):
        link.status()
    with pytest.raises(UnexpectedReply):
        link.status()  # not a status code at all


def test_silence_is_device_silent_within_the_deadline(link: Id003Link) -> None:
    start = time.monotonic()
    with pytest.raises(DeviceSilent):
        link.status()
    assert TIMEOUT * 0.9 <= time.monotonic() - start < TIMEOUT + SLACK


@pytest.mark.parametrize("noise", [b"\x00\xff\x13", b"\xfc\x40", b"\xfc\x05\x11\x00\x00"])
def test_garbage_before_the_reply_is_skipped(link: Id003Link, port: ScriptedPort, noise: bytes) -> None:
    port.answer = table({STATUS: noise + encode(Status.DISABLE)})
    assert link.status().code == Status.DISABLE


def test_a_reply_in_pieces(port: ScriptedPort, link: Id003Link) -> None:
    port.max_chunk = 1
    port.answer = table({STATUS: encode(Status.FAILURE, b"\xa2")})
    assert link.status().describe() == "FAILURE (stacker motor)"


def test_only_garbage_or_a_bad_crc_is_device_silent(link: Id003Link, port: ScriptedPort) -> None:
    damaged = bytearray(encode(Status.STACKED))
    damaged[-1] ^= 0x80
    for answer in (bytes(damaged), b"\x55" * 40):
        port.answer = table({STATUS: answer})
        with pytest.raises(DeviceSilent):
            link.status()


def test_stale_input_is_flushed_before_each_request(link: Id003Link, port: ScriptedPort) -> None:
    port.inject(encode(Status.VEND_VALID))  # a late reply or a repeat from before
    port.answer = table({STATUS: encode(Status.ENABLE)})
    assert link.status().code == Status.ENABLE
