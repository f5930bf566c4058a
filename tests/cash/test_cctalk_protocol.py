"""ccTalk framing and parsers (hardware/cash/cctalk_protocol.py): check values, a decoder no
byte stream can make raise, the event counter's arithmetic against a model acceptor, and the
hopper and coin-id replies."""
from __future__ import annotations

import pytest
from byte_streams import FUZZ, MIXED, ROUND_TRIPS, chunked, is_subsequence
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.cash.cctalk_protocol import (
    BufferedCredit,
    Frame,
    FrameDecoder,
    HopperFlags,
    HopperStatus,
    coin_inhibit_mask,
    coin_value_yen,
    dispense_payload,
    encode,
    new_events,
    parse_buffered_credit,
    parse_hopper_flags,
    parse_hopper_status,
)

MODEL = settings(FUZZ, max_examples=400)


def test_check_values() -> None:
    # liquisearch / wow-only.ru examples: every byte, checksum included, sums to 0 mod 256
    assert encode(2, 245) == bytes.fromhex("02 00 01 F5 08")
    assert encode(2, 231, b"\xff\xff") == bytes.fromhex("02 02 01 E7 FF FF 16")
    assert FrameDecoder().feed(bytes.fromhex("02 02 01 E7 FF FF 16")) == [Frame(2, 1, 231, b"\xff\xff")]


def test_a_reply_from_the_alberici_manual() -> None:
    # a hopper's status after a power cut: idle, last payout 7 paid and 3 unpaid
    [frame] = FrameDecoder().feed(bytes.fromhex("01 04 03 00 00 00 07 03 EE"))
    assert (frame.dest, frame.src, frame.header) == (1, 3, 0)
    assert parse_hopper_status(frame.data) == HopperStatus(counter=0, remaining=0, paid=7, unpaid=3)


frames = st.builds(Frame, st.integers(0, 255), st.integers(0, 255), st.integers(0, 255), st.binary(max_size=20))


def wire(frame: Frame) -> bytes:
    return encode(frame.dest, frame.header, frame.data, src=frame.src)


@ROUND_TRIPS
@given(frame=frames, cuts=st.lists(st.integers(0, 300), max_size=6))
def test_round_trip_in_any_pieces(frame: Frame, cuts: list[int]) -> None:
    decoder = FrameDecoder()
    assert [f for piece in chunked(wire(frame), cuts) for f in decoder.feed(piece)] == [frame]
    assert decoder.pending == 0


@FUZZ
@given(stream=st.binary(max_size=600), cuts=st.lists(st.integers(0, 700), max_size=10))
def test_any_bytes_never_raise_and_the_buffer_stays_bounded(stream: bytes, cuts: list[int]) -> None:
    decoder = FrameDecoder()
    for piece in chunked(stream, cuts):
        for frame in decoder.feed(piece):
            assert wire(frame) in stream
        assert decoder.pending < 260
    decoder.line_idle()
    assert decoder.pending == 0


@MIXED
@given(parts=st.lists(st.tuples(st.binary(max_size=30), frames), min_size=1, max_size=5),
       cuts=st.lists(st.integers(0, 400), max_size=6))
def test_a_frame_after_a_quiet_line_is_always_found(parts: list[tuple[bytes, Frame]], cuts: list[int]) -> None:
    """ccTalk frames are told apart by the gap before them (X6 p.12), whatever garbage came."""
    decoder = FrameDecoder()
    found: list[Frame] = []
    for junk, frame in parts:
        found += decoder.feed(junk) + decoder.line_idle()
        found += [f for piece in chunked(wire(frame), cuts) for f in decoder.feed(piece)]
    assert is_subsequence([frame for _, frame in parts], found)


@MIXED
@given(parts=st.lists(st.tuples(st.binary(max_size=30), frames), min_size=1, max_size=5), tail=st.binary(max_size=20))
def test_garbage_glued_to_frames_hides_one_only_behind_a_forged_frame(
    parts: list[tuple[bytes, Frame]], tail: bytes
) -> None:
    wanted = [frame for _, frame in parts]
    decoder = FrameDecoder()
    found = decoder.feed(b"".join(junk + wire(f) for junk, f in parts) + tail) + decoder.line_idle()
    assert is_subsequence(wanted, found) or any(f not in wanted for f in found)


# --- the event counter ------------------------------------------------------------------------

class ModelAcceptor:
    """The 229 buffer as the sources describe it: counter 0 after reset, 1…255 then 1 again,
    the last 5 events newest first."""

    def __init__(self, counter: int = 0) -> None:
        self.counter = counter
        self.log: list[tuple[int, int]] = []

    def accept(self, n: int) -> list[tuple[int, int]]:
        new = []
        for _ in range(n):
            self.counter = 1 if self.counter in (0, 255) else self.counter + 1
            i = len(self.log)
            new.append((i % 16 + 1, i // 16 % 256))  # distinct events, coin positions 1…16
            self.log.append(new[-1])
        return new

    def reset(self) -> None:
        self.counter = 0
        self.log = []  # assumed cleared; new_events must not need it when the reset shows as 0

    def reply(self) -> BufferedCredit:
        newest = list(reversed(self.log[-5:])) + [(0, 0)] * 5
        return BufferedCredit(self.counter, tuple(newest[:5]))


@MODEL
@given(start=st.integers(0, 255), batches=st.lists(st.integers(0, 9), min_size=1, max_size=40))
def test_every_event_is_reported_once_or_the_miss_is_flagged(start: int, batches: list[int]) -> None:
    device = ModelAcceptor(start)
    last = None
    assert new_events(last, device.reply()).events == ()  # host start: nothing is new
    last = device.counter
    for n in batches:
        happened = device.accept(n)
        fresh = new_events(last, device.reply())
        last = device.counter
        if n <= 5:
            assert fresh.events == tuple(happened) and not fresh.missed
        else:  # more than the buffer holds: the newest are credited once, the rest flagged
            assert fresh.events == tuple(happened[len(happened) - len(fresh.events):])
            assert fresh.missed


@MODEL
@given(history=st.integers(1, 600), after=st.integers(0, 5))
def test_a_reset_is_flagged_and_what_followed_it_credited(history: int, after: int) -> None:
    device = ModelAcceptor()
    device.accept(history)
    last = device.counter
    device.reset()
    happened = device.accept(after)
    fresh = new_events(last, device.reply())
    if after == 0 or after < last < 250 + after:  # a reset the counter can show (see new_events)
        assert fresh.device_reset and fresh.missed
        assert fresh.events == tuple(happened)


def test_counter_arithmetic() -> None:
    reply = BufferedCredit(1, ((5, 1), (4, 1), (3, 1), (2, 1), (1, 1)))
    wrapped = new_events(254, reply)  # 255, then 1: two events across the wrap
    assert (wrapped.events, wrapped.lost, wrapped.device_reset) == (((4, 1), (5, 1)), 0, False)
    assert new_events(None, reply).events == ()
    assert new_events(1, reply).events == ()
    lost = new_events(3, BufferedCredit(10, reply.events))
    assert (len(lost.events), lost.lost, lost.device_reset) == (5, 2, False)
    assert new_events(0, BufferedCredit(2, reply.events)).events == ((4, 1), (5, 1))
    reset = new_events(100, BufferedCredit(0, ((0, 0),) * 5))
    assert (reset.events, reset.device_reset) == ((), True)
    after_reset = new_events(100, BufferedCredit(2, reply.events))
    assert (after_reset.events, after_reset.device_reset) == (((4, 1), (5, 1)), True)
    with pytest.raises(ValueError):
        new_events(256, reply)


def test_buffered_credit_reply() -> None:
    data = bytes([7, 3, 0, 0, 1, 2, 1, 0, 0, 0, 0])  # counter 7; coin 3; error 1 (reject); coin 2
    assert parse_buffered_credit(data) == BufferedCredit(7, ((3, 0), (0, 1), (2, 1), (0, 0), (0, 0)))
    for bad in (data[:-1], data + b"\x00", b""):
        with pytest.raises(ValueError):
            parse_buffered_credit(bad)


# --- coin ids, inhibits, hoppers --------------------------------------------------------------

@pytest.mark.parametrize("coin_id, yen", [
    ("JP100A", 100), (b"JP010A", 10), (b"JP050A", 50), ("JP500A", 500), (b"JP500B  ", 500),
    (b"JP100A\x00\x00", 100), ("JP100", 100), ("......", None), (b"EU100A", None), ("JP000A", None),
    (b"JP1O0A", None), (b"\xffJP100A", None), ("JP\u0661\u0660\u0660A", None), ("", None), (b"JP100AX", None),
])  # fmt: skip
def test_coin_value(coin_id: bytes | str, yen: int | None) -> None:
    assert coin_value_yen(coin_id) == yen


def test_coin_inhibit_mask_enables_the_listed_positions() -> None:
    assert coin_inhibit_mask(set()) == b"\x00\x00"
    assert coin_inhibit_mask({1, 2, 3, 4}) == b"\x0f\x00"
    assert coin_inhibit_mask({9, 16}) == b"\x00\x81"
    for bad in (0, 17):
        with pytest.raises(ValueError):
            coin_inhibit_mask({bad})


def test_dispense_payload_is_unencrypted() -> None:
    assert dispense_payload(3) == bytes(8) + b"\x03"
    for bad in (0, 256):
        with pytest.raises(ValueError):
            dispense_payload(bad)


def test_hopper_flags() -> None:
    assert parse_hopper_flags(b"\x00") == HopperFlags(0)
    flags = parse_hopper_flags(b"\x84\x01\x02")
    assert flags.motor_reversed and flags.jammed and flags.needs_enable and flags.extra == b"\x01\x02"
    assert not (flags.fraud or flags.empty_or_timeout or flags.power_up)
    assert parse_hopper_flags(b"\x02").empty_or_timeout
    assert parse_hopper_flags(b"\x10").fraud and parse_hopper_flags(b"\x08").fraud
    assert parse_hopper_flags(b"\x20").jammed and parse_hopper_flags(b"\x01").jammed
    assert parse_hopper_flags(b"\x40").power_up
    for bad in (b"", b"1234"):
        with pytest.raises(ValueError):
            parse_hopper_flags(bad)
    with pytest.raises(ValueError):
        parse_hopper_status(b"\x00\x00\x00")
