"""The ccTalk bus emulator (coin acceptor at 2, hoppers at 3…), through a real pty with pyserial."""
from __future__ import annotations

import time

import pytest

from cash_emulator_kit import CcTalkHost, cctalk_frame, emulator, nothing_more, read_exactly, wait_for

ACCEPTOR, HOPPER_500, HOPPER_100 = 2, 3, 4
ACK, NAK, BUSY = 0, 5, 6
UNENCRYPTED = bytes(8)


@pytest.fixture
def bus():
    with emulator("cctalk", "--payout-ms", "2") as running, running.port() as port:
        yield CcTalkHost(port), running.control


def hopper_status(host: CcTalkHost, address: int) -> tuple[int, int, int, int]:
    counter, remaining, paid, unpaid = host.ack(address, 166)
    return counter, remaining, paid, unpaid


def payout_done(host: CcTalkHost, address: int):
    status = hopper_status(host, address)
    return status if status[1] == 0 else None


def test_frames_of_the_test_host_match_published_examples():
    assert cctalk_frame(2, 254).hex() == "020001feff"  # simple poll
    assert cctalk_frame(2, 245).hex() == "020001f508"  # equipment category
    assert cctalk_frame(2, 231, b"\xff\xff").hex() == "020201e7ffff16"


def test_every_byte_is_echoed_then_the_reply_follows(bus):
    host, _ = bus
    host.port.write(cctalk_frame(ACCEPTOR, 254))
    assert read_exactly(host.port, 5).hex() == "020001feff"  # our own bytes first
    assert read_exactly(host.port, 5).hex() == "01000200fd"  # ACK from address 2 to the host
    assert host.ack(ACCEPTOR, 245) == b"Coin Acceptor"
    assert host.ack(HOPPER_500, 245) == b"Payout"
    assert host.ack(HOPPER_100, 171) == b"JP100A  "
    assert [host.ack(ACCEPTOR, 184, bytes([p])) for p in (1, 2, 3, 4, 5)] == [
        b"JP010A", b"JP050A", b"JP100A", b"JP500A", b"......"]
    assert len(host.ack(ACCEPTOR, 242)) == 3
    assert host.request(ACCEPTOR, 99) == (NAK, b"")  # a header it does not know


def test_bad_checksum_and_absent_address_get_only_the_echo(bus):
    host, control = bus
    bad = bytearray(cctalk_frame(ACCEPTOR, 254))
    bad[-1] ^= 0x01
    host.send(bytes(bad))  # echoed ...
    host.send(cctalk_frame(9, 254))  # nobody at 9: echoed ...
    host.send(cctalk_frame(ACCEPTOR, 254))
    # ... but the first reply is the good frame's: nothing came for the other two
    assert host.read_reply() == (ACCEPTOR, ACK, b"")
    assert nothing_more(host.port)
    assert control("state")["bad_frames"] == 1


def test_a_frame_cut_short_is_dropped_after_the_inter_byte_gap(bus):
    host, _ = bus
    frame = cctalk_frame(ACCEPTOR, 245)
    host.send(frame[:3])
    assert nothing_more(host.port, 0.1)  # more than the 50 ms gap: the receiver starts over
    host.send(cctalk_frame(ACCEPTOR, 254))
    assert host.read_reply() == (ACCEPTOR, ACK, b"")


def test_event_counter_zero_after_power_up_then_credits_newest_first(bus):
    host, control = bus
    assert control("insert", yen=100)["result"] == "returned"  # no 229 yet: the acceptor takes nothing
    assert host.credit() == (0, [(0, 0)] * 5)
    host.ack(ACCEPTOR, 231, b"\xff\xff")
    host.ack(ACCEPTOR, 228, b"\x01")
    for yen in (10, 500, 100):
        assert control("insert", yen=yen)["result"] == "credited"
    counter, events = host.credit()
    # positions 1 ¥10, 4 ¥500, 3 ¥100; sorter path = hopper address - 2 (500 → 3 → 1, 100 → 4 → 2, 10 → 6 → 4)
    assert counter == 3 and events == [(3, 2), (4, 1), (1, 4), (0, 0), (0, 0)]
    assert host.credit()[0] == 3  # reading does not consume: the host dedupes by the counter
    state = control("state")
    assert state["acceptor"]["accepted"] == {"10": 1, "50": 0, "100": 1, "500": 1}
    assert state["hoppers"]["100"]["count"] == 51  # recycled into its hopper


def test_counter_wraps_from_255_to_1_and_reset_brings_it_to_0(bus):
    host, control = bus
    host.open_acceptor()
    for _ in range(255):
        control("insert", yen=10)
    assert host.credit()[0] == 255
    for _ in range(5):
        control("insert", yen=50)
    counter, events = host.credit()
    assert counter == 5  # 255 → 1, never 0
    assert events == [(2, 3)] * 5
    host.ack(ACCEPTOR, 1)  # reset
    assert wait_for(lambda: host.credit(), what="229 after reset") == (0, [(0, 0)] * 5)
    assert host.ack(ACCEPTOR, 230) == b"\x00\x00"  # every coin inhibited again
    assert host.ack(ACCEPTOR, 227) == b"\x00"  # master inhibit on
    host.open_acceptor()
    control("insert", yen=500)
    control("reset", device="acceptor")
    assert host.credit()[0] == 0


def test_per_coin_and_master_inhibit(bus):
    host, control = bus
    host.credit()
    host.ack(ACCEPTOR, 231, b"\x04\x00")  # only position 3 (¥100)
    host.ack(ACCEPTOR, 228, b"\x01")
    assert host.ack(ACCEPTOR, 230) == b"\x04\x00"
    assert host.ack(ACCEPTOR, 227) == b"\x01"
    assert control("state")["acceptor"]["enabled_positions"] == [3]
    control("insert", yen=10)  # position 1 inhibited: error 128 + 0
    control("insert", yen=5)  # not a coin it knows: reject
    control("insert", yen=100)
    host.ack(ACCEPTOR, 228, b"\x00")
    control("insert", yen=100)  # master inhibit: inhibited coin
    counter, events = host.credit()
    assert counter == 4
    assert events == [(0, 2), (3, 2), (0, 1), (0, 128), (0, 0)]
    assert control("state")["acceptor"]["accepted"]["100"] == 1


def test_jammed_acceptor_takes_no_coin(bus):
    host, control = bus
    host.open_acceptor()
    control("jam", device="acceptor")
    assert control("insert", yen=100)["result"] == "error event"
    counter, events = host.credit()
    assert counter == 1 and events[0][0] == 0
    control("clear")
    assert control("insert", yen=100)["result"] == "credited"


def test_payout_counts_down_and_reports_paid(bus):
    host, control = bus
    assert host.ack(HOPPER_500, 163)[0] & 0xC0 == 0xC0  # power-up and payout disabled
    assert host.request(HOPPER_500, 167, UNENCRYPTED + b"\x03") == (NAK, b"")  # not enabled
    host.ack(HOPPER_500, 164, b"\xa5")
    assert host.request(HOPPER_500, 167, UNENCRYPTED + b"\x00") == (NAK, b"")  # zero coins
    assert host.ack(HOPPER_500, 167, UNENCRYPTED + b"\x03") == b"\x03"  # 3rd 167: counter 3, even NAKed ones
    assert wait_for(lambda: payout_done(host, HOPPER_500), what="payout") == (3, 0, 3, 0)  # counter, left, paid, unpaid
    assert host.ack(HOPPER_500, 163) == b"\x00"
    hopper = control("state")["hoppers"]["500"]
    assert hopper["count"] == 17 and hopper["paid_total"] == 3


def test_dispense_while_dispensing_is_refused_and_emergency_stop():
    with emulator("cctalk", "--payout-ms", "60000") as running, running.port() as port:
        host, control = CcTalkHost(port), running.control
        host.ack(HOPPER_100, 164, b"\xa5")
        assert host.ack(HOPPER_100, 167, UNENCRYPTED + b"\x05") == b"\x01"
        assert host.request(HOPPER_100, 167, UNENCRYPTED + b"\x01") == (NAK, b"")
        assert host.request(HOPPER_100, 164, b"\x00") == (BUSY, b"")  # no disabling mid-payout
        assert hopper_status(host, HOPPER_100) == (2, 5, 0, 0)
        assert host.ack(HOPPER_100, 172) == b"\x05"  # emergency stop: 5 unpaid
        assert hopper_status(host, HOPPER_100) == (2, 0, 0, 5)
        assert host.ack(HOPPER_100, 163)[0] & 0x80  # and disabled
        assert control("state")["hoppers"]["100"]["count"] == 50


def test_power_cut_mid_payout_keeps_paid_and_unpaid(bus):
    host, control = bus
    host.open_acceptor()
    control("insert", yen=100)
    host.ack(HOPPER_100, 164, b"\xa5")
    assert control("power_cut", after_coins=2)["power_cut"] == "armed"
    host.ack(HOPPER_100, 167, UNENCRYPTED + b"\x05")
    # counter 0 again: the devices powered up; last payout 2 paid, 3 unpaid, in non-volatile memory
    assert wait_for(lambda: hopper_status(host, HOPPER_100) == (0, 0, 2, 3), what="power cut")
    assert host.ack(HOPPER_100, 163)[0] & 0xC0 == 0xC0  # powered up, disabled
    assert host.credit() == (0, [(0, 0)] * 5)  # the acceptor lost its buffer too
    assert host.ack(ACCEPTOR, 230) == b"\x00\x00"
    state = control("state")
    assert state["hoppers"]["100"]["count"] == 51 - 2 and state["power_cuts"] == 1
    control("power_cut")  # now, with nothing running: the record stays
    assert hopper_status(host, HOPPER_100) == (0, 0, 2, 3)


def test_hopper_running_empty_stops_with_the_rest_unpaid(bus):
    host, control = bus
    control("set_hopper", yen=500, count=2)
    host.ack(HOPPER_500, 164, b"\xa5")
    host.ack(HOPPER_500, 167, UNENCRYPTED + b"\x05")
    assert wait_for(lambda: payout_done(host, HOPPER_500), what="payout")[2:] == (2, 3)
    assert host.ack(HOPPER_500, 163)[0] & 0x02  # b1: payout timeout, it ran empty
    control("empty_hopper", yen=100)
    host.ack(HOPPER_100, 164, b"\xa5")
    host.ack(HOPPER_100, 167, UNENCRYPTED + b"\x04")
    assert wait_for(lambda: payout_done(host, HOPPER_100), what="payout")[2:] == (0, 4)
    state = control("state")["hoppers"]
    assert state["500"]["count"] == 0 and state["100"]["count"] == 0


def test_jammed_hopper_pays_nothing_and_reports_b2(bus):
    host, control = bus
    control("jam", device="hoppers")
    assert host.ack(HOPPER_500, 163)[0] & 0x04
    host.ack(HOPPER_500, 164, b"\xa5")
    host.ack(HOPPER_500, 167, UNENCRYPTED + b"\x02")
    assert wait_for(lambda: payout_done(host, HOPPER_500), what="payout")[2:] == (0, 2)
    control("clear")
    assert not host.ack(HOPPER_500, 163)[0] & 0x04
    assert control("state")["hoppers"]["500"]["count"] == 20


def test_reset_disables_hoppers_and_zeroes_counters(bus):
    host, control = bus
    host.ack(HOPPER_500, 164, b"\xa5")
    host.request(HOPPER_500, 167, UNENCRYPTED + b"\x01")
    assert hopper_status(host, HOPPER_500)[0] == 1
    control("reset", device="hoppers")
    assert hopper_status(host, HOPPER_500)[0] == 0
    assert control("state")["hoppers"]["500"]["enabled"] is False


def test_pulled_cable_gives_not_even_the_echo(bus):
    host, control = bus
    control("pull_cable")
    host.port.write(cctalk_frame(ACCEPTOR, 254))
    assert nothing_more(host.port)
    control("plug_cable")
    assert host.ack(ACCEPTOR, 254) == b""


def test_garbage_arrives_on_the_line(bus):
    host, control = bus
    assert control("garbage", count=100)["written"] == 100
    assert len(read_exactly(host.port, 100)) == 100
    assert host.ack(ACCEPTOR, 254) == b""


def test_real_pace_echo_then_latency_then_reply():
    with emulator("cctalk", "--pace", "1", "--latency-ms", "10", fast=False) as running, running.port() as port:
        host = CcTalkHost(port)
        started = time.monotonic()
        assert host.ack(ACCEPTOR, 245) == b"Coin Acceptor"
        elapsed = time.monotonic() - started
        # 5 echoed bytes + 10 ms + 18 reply bytes, 10 bits each at 9600 baud (8N1), with some slack below
        assert elapsed >= 0.010 + 0.9 * (5 + 18) * 10 / 9600, elapsed
