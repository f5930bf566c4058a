"""The ID-003 bill validator emulator, through a real pty with pyserial and its control socket."""
from __future__ import annotations

import time

import pytest

from cash_emulator_kit import Id003Host, emulator, id003_frame, kermit, nothing_more, read_exactly

ENABLE, ACCEPTING, ESCROW, STACKING, VEND_VALID, STACKED = 0x11, 0x12, 0x13, 0x14, 0x15, 0x16
REJECTING, RETURNING, HOLDING, DISABLE, INITIALIZE = 0x17, 0x18, 0x19, 0x1A, 0x1B
ACK, INVALID_COMMAND = 0x50, 0x4B


@pytest.fixture
def validator():
    with emulator("id003") as running, running.port() as port:
        yield Id003Host(port), running.control


def test_crc_of_the_test_host_matches_published_frames():
    # check values computed from CRC-16/KERMIT (and hard-coded in lamassu-machine)
    assert id003_frame(0x11).hex() == "fc05112756"
    assert id003_frame(0x50).hex() == "fc0550aa05"
    assert id003_frame(0xC3, b"\x00").hex() == "fc06c30004d6"
    assert kermit(b"123456789") == 0x2189  # the catalogue check value of CRC-16/KERMIT


def test_power_up_until_reset_then_initialize_disable_enable(validator):
    host, control = validator
    assert host.status() == (0x40, b"")
    assert host.status() == (0x40, b"")  # POWER UP stays until the host resets
    assert control("insert", yen=1000)["result"] == "refused"
    assert host.request(0x40) == (ACK, b"")
    seen = host.status_until(DISABLE)
    assert seen[0] == (INITIALIZE, b"")
    assert control("insert", yen=1000)["result"] == "refused"  # inhibited: not drawn in
    assert host.request(0xC3, b"\x00") == (0xC3, b"\x00")  # a setting is echoed
    assert host.status() == (ENABLE, b"")
    assert host.request(0xC3, b"\x01") == (0xC3, b"\x01")
    assert host.status() == (DISABLE, b"")


def test_identity_currency_table_and_settings(validator):
    host, _ = validator
    command, version = host.request(0x88)
    assert command == 0x88 and version.isascii() and b"ID003" in version
    command, table = host.request(0x8A)
    assert command == 0x8A
    entries = [table[i:i + 4] for i in range(0, len(table), 4)]
    # the emulator's decision (id003.py): 61 ¥1000, 63 ¥5000, 64 ¥10000; country 0x88; value × 10^exp
    assert {e[0]: e[2] * 10 ** e[3] for e in entries} == {0x61: 1000, 0x63: 5000, 0x64: 10000}
    assert {e[1] for e in entries} == {0x88}
    assert host.request(0xC0, b"\x04\x00") == (0xC0, b"\x04\x00")
    assert host.request(0x80) == (0x80, b"\x04\x00")  # read back
    assert host.request(0xC0, b"\x04") == (INVALID_COMMAND, b"")  # wrong length
    assert host.request(0x41) == (INVALID_COMMAND, b"")  # nothing in escrow to stack


def test_escrow_stack_vend_valid_until_ack_then_stacked(validator):
    host, control = validator
    host.start()
    assert control("insert", yen=5000)["result"] == "accepting"
    seen = host.status_until(ESCROW)
    assert seen[0] == (ACCEPTING, b"") and seen[-1] == (ESCROW, b"\x63")
    assert control("state")["escrow_yen"] == 5000
    assert host.status() == (ESCROW, b"\x63")  # held until the host decides
    assert host.request(0x41) == (ACK, b"")  # STACK-1
    seen = host.status_until(VEND_VALID)
    assert seen[0] == (STACKING, b"")
    for _ in range(5):  # repeated on every status request until ACKed
        assert host.status() == (VEND_VALID, b"")
    state = control("state")
    assert state["stacked"]["5000"] == 0 and state["status"] == "VEND_VALID"
    host.port.write(id003_frame(ACK))  # the host's ACK is not answered ...
    assert host.status() == (STACKED, b"")  # ... so the next reply is the status
    assert host.status() == (ENABLE, b"")
    state = control("state")
    assert state["stacked"] == {"1000": 0, "5000": 1, "10000": 0}
    assert state["returned"] == state["rejected"] == 0 and state["escrow_yen"] is None


def test_return_from_escrow_and_hold(validator):
    host, control = validator
    host.start()
    control("insert", yen=10000)
    assert host.status_until(ESCROW)[-1] == (ESCROW, b"\x64")
    assert host.request(0x44) == (ACK, b"")  # HOLD
    assert host.status() == (HOLDING, b"")
    assert host.request(0x43) == (ACK, b"")  # RETURN
    seen = host.status_until(ENABLE)
    assert seen[0] == (RETURNING, b"")
    state = control("state")
    assert state["returned"] == 1 and state["stacked"]["10000"] == 0


@pytest.mark.parametrize("yen, code", [(1000, 0x79), (2000, 0x76), (1, 0x76), (0, 0x72)],
                         ids=["inhibited", "2000-not-in-table", "1-yen", "paper"])
def test_rejects(validator, yen, code):
    host, control = validator
    host.start()
    assert host.request(0xC0, b"\x01\x00") == (0xC0, b"\x01\x00")  # bit 0: ¥1000 (code 61) inhibited
    assert control("insert", yen=yen)["result"] == "rejecting"
    seen = host.status_until(ENABLE)
    assert (REJECTING, bytes([code])) in seen
    assert ESCROW not in [status for status, _ in seen]
    state = control("state")
    assert state["rejected"] == 1 and sum(state["stacked"].values()) == 0


def test_power_cycle_in_escrow_gives_41_and_reset_returns_the_note(validator):
    host, control = validator
    host.start()
    control("insert", yen=1000)
    host.status_until(ESCROW)
    assert control("reset")["status"] == "POWER_UP_BILL_IN_ACCEPTOR"
    assert host.status() == (0x41, b"")
    assert host.status() == (0x41, b"")
    assert host.request(0x40) == (ACK, b"")
    host.status_until(DISABLE)  # settings were lost: inhibited again
    state = control("state")
    assert state["returned"] == 1 and state["stacked"]["1000"] == 0 and state["in_transport_yen"] is None


@pytest.mark.parametrize("stop_at", [STACKING, VEND_VALID])
def test_power_cycle_while_stacking_gives_42_and_reset_keeps_the_note(validator, stop_at):
    host, control = validator
    host.start()
    control("insert", yen=10000)
    host.status_until(ESCROW)
    host.request(0x42)  # STACK-2
    host.status_until(stop_at)
    assert control("reset")["status"] == "POWER_UP_BILL_IN_STACKER"
    assert host.status() == (0x42, b"")
    assert host.request(0x40) == (ACK, b"")
    host.status_until(DISABLE)
    state = control("state")
    assert state["stacked"]["10000"] == 1 and state["returned"] == 0


@pytest.mark.parametrize("op, fields, status", [
    ("jam", {"where": "acceptor"}, (0x45, b"")), ("jam", {"where": "stacker"}, (0x46, b"")),
    ("stacker_full", {}, (0x43, b"")), ("stacker_open", {}, (0x44, b"")), ("cheat", {}, (0x48, b"")),
    ("fail", {"code": 0xA5}, (0x49, b"\xa5")),
])
def test_faults_are_reported_until_cleared(validator, op, fields, status):
    host, control = validator
    host.start()
    control(op, **fields)
    assert host.status() == status
    assert host.status() == status
    assert control("insert", yen=1000)["result"] == "refused"
    control("clear")
    assert host.status() == (ENABLE, b"")


def test_a_jam_with_a_note_in_escrow_restarts_with_bill_in_acceptor(validator):
    host, control = validator
    host.start()
    control("insert", yen=1000)
    host.status_until(ESCROW)
    control("jam", where="acceptor")
    assert host.status() == (0x45, b"")
    assert host.request(0x41) == (INVALID_COMMAND, b"")  # cannot stack during the jam
    assert control("clear")["status"] == "POWER_UP_BILL_IN_ACCEPTOR"
    assert host.status() == (0x41, b"")


def test_bad_crc_gets_no_answer_and_the_line_resynchronises(validator):
    host, control = validator
    bad = bytearray(id003_frame(0x88))
    bad[-1] ^= 0xFF
    # noise, a frame with a bad CRC, then a good status request, all in one write
    host.port.write(b"\x00\x13\xfc" + bytes(bad) + id003_frame(0x11))
    assert host.read_frame() == (0x40, b"")  # the first answer is the good frame's
    assert nothing_more(host.port)
    assert control("state")["bad_frames"] >= 1


def test_pulled_cable_is_silent_until_plugged_back(validator):
    host, control = validator
    assert host.status() == (0x40, b"")
    assert control("pull_cable")["line"]["plugged"] is False
    host.port.write(id003_frame(0x11))
    assert nothing_more(host.port)
    control("plug_cable")
    assert host.status() == (0x40, b"")


def test_garbage_arrives_on_the_line(validator):
    host, control = validator
    assert control("garbage", count=64, seed=7)["written"] == 64
    assert len(read_exactly(host.port, 64)) == 64
    assert host.status() == (0x40, b"")  # the device itself is unaffected


def test_real_pace_and_latency():
    with emulator("id003", "--pace", "1", "--latency-ms", "10", fast=False) as running, running.port() as port:
        host = Id003Host(port)
        started = time.monotonic()
        command, version = host.request(0x88)
        elapsed = time.monotonic() - started
        assert command == 0x88
        frame_bytes = len(version) + 5
        # 10 ms latency + 11 bits per byte at 9600 baud (8E1), with some slack below
        assert elapsed >= 0.010 + 0.9 * frame_bytes * 11 / 9600, elapsed


def test_the_host_may_close_and_reopen_the_port():
    with emulator("id003") as running:
        for _ in range(3):
            with running.port() as port:
                assert Id003Host(port).status() == (0x40, b"")
