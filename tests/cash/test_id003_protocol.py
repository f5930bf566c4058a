"""ID-003 framing and parsers (hardware/cash/id003_protocol.py): the published check values,
round trips, and a decoder that no byte stream can make raise or lose a frame to garbage."""
from __future__ import annotations

import pytest
from byte_streams import FUZZ, MIXED, ROUND_TRIPS, chunked, is_subsequence
from hypothesis import given
from hypothesis import strategies as st

from hardware.cash.id003_protocol import (
    MAX_FRAME,
    SYNC,
    Command,
    Frame,
    FrameDecoder,
    Status,
    crc16_kermit,
    denomination_inhibit_mask,
    encode,
    parse_currency_table,
)


# computed with the algorithm the sources state; also hard-coded in lamassu-machine (2014)
CHECK_VALUES = [
    (Command.STATUS_REQUEST, b"", "FC 05 11 27 56"),
    (Command.ACK, b"", "FC 05 50 AA 05"),
    (Command.RESET, b"", "FC 05 40 2B 15"),
    (Command.STACK_1, b"", "FC 05 41 A2 04"),
    (Command.SET_INHIBIT, b"\x00", "FC 06 C3 00 04 D6"),
]


@pytest.mark.parametrize("command, data, wire", CHECK_VALUES)
def test_check_values(command: int, data: bytes, wire: str) -> None:
    assert encode(command, data) == bytes.fromhex(wire)
    assert FrameDecoder().feed(bytes.fromhex(wire)) == [Frame(command, data)]


def test_crc_is_kermit() -> None:
    assert crc16_kermit(b"123456789") == 0x2189  # the catalogued check value of CRC-16/KERMIT
    assert crc16_kermit(b"") == 0


def test_encode_refuses_what_no_frame_holds() -> None:
    with pytest.raises(ValueError):
        encode(0x100)
    with pytest.raises(ValueError):
        encode(0x11, bytes(MAX_FRAME - 4))
    assert len(encode(0x11, bytes(MAX_FRAME - 5))) == MAX_FRAME


frames = st.builds(Frame, st.integers(0, 255), st.binary(max_size=40))
# garbage rich in SYNC bytes (one in eight), where false starts come from
_SYNC_RICH = bytes(range(0xE0)) + bytes([SYNC]) * 0x20
garbage = st.binary(max_size=30).map(lambda junk: junk.translate(_SYNC_RICH))


@ROUND_TRIPS
@given(frame=frames, cuts=st.lists(st.integers(0, 300), max_size=6))
def test_round_trip_in_any_pieces(frame: Frame, cuts: list[int]) -> None:
    decoder = FrameDecoder()
    out = [f for piece in chunked(encode(frame.command, frame.data), cuts) for f in decoder.feed(piece)]
    assert out == [frame]
    assert decoder.pending == 0


@FUZZ
@given(stream=st.binary(max_size=600), cuts=st.lists(st.integers(0, 700), max_size=10))
def test_any_bytes_never_raise_and_the_buffer_stays_bounded(stream: bytes, cuts: list[int]) -> None:
    decoder = FrameDecoder()
    for piece in chunked(stream, cuts):
        for frame in decoder.feed(piece):
            assert encode(frame.command, frame.data) in stream  # a frame is only what was sent
        assert decoder.pending < MAX_FRAME
    decoder.line_idle()
    assert decoder.pending == 0


@MIXED
@given(parts=st.lists(st.tuples(garbage, frames), min_size=1, max_size=5), tail=garbage,
       cuts=st.lists(st.integers(0, 500), max_size=8))
def test_frames_among_garbage_are_all_found(parts: list[tuple[bytes, Frame]], tail: bytes, cuts: list[int]) -> None:
    wanted = [frame for _, frame in parts]
    stream = b"".join(junk + encode(f.command, f.data) for junk, f in parts) + tail
    decoder = FrameDecoder()
    found = [f for piece in chunked(stream, cuts) for f in decoder.feed(piece)]
    found += decoder.line_idle()
    # A frame is lost only to garbage that itself formed a valid frame over it (CRC-16: 1 in 65536)
    assert is_subsequence(wanted, found) or any(f not in wanted for f in found)


def test_false_start_hiding_a_frame_is_resolved_when_the_line_goes_quiet() -> None:
    decoder = FrameDecoder()
    status = encode(Status.ESCROW, b"\x63")
    assert decoder.feed(b"\xfc\x40" + status) == []  # "FC 40" claims 64 bytes: wait for them
    assert decoder.line_idle() == [Frame(Status.ESCROW, b"\x63")]


def test_bad_crc_and_impossible_lengths_are_dropped() -> None:
    good = encode(Status.ENABLE)
    bad = bytearray(good)
    bad[-1] ^= 1
    assert FrameDecoder().feed(bytes(bad) + good) == [Frame(Status.ENABLE)]
    assert FrameDecoder().feed(b"\xfc\x00\xfc\x04" + good) == [Frame(Status.ENABLE)]


def test_currency_table() -> None:
    # escrow code, country (not checked), value, power of ten; value 0 = unassigned
    data = bytes.fromhex("61 AA 01 03" "62 AA 00 00" "63 AA 05 03" "64 AA 01 04")
    assert parse_currency_table(data) == {0x61: 1000, 0x63: 5000, 0x64: 10000}
    assert parse_currency_table(b"") == {}
    with pytest.raises(ValueError):
        parse_currency_table(data[:-1])


def test_denomination_mask_inhibits_all_but_the_enabled() -> None:
    assert denomination_inhibit_mask(set()) == b"\xff\xff"
    assert denomination_inhibit_mask({0x61}) == b"\xfe\xff"
    assert denomination_inhibit_mask({0x61, 0x63, 0x64}) == b"\xf2\xff"
    assert denomination_inhibit_mask({0x68, 0x69, 0x70}) == b"\x7f\x7e"
    for outside in (0x60, 0x71):
        with pytest.raises(ValueError):
            denomination_inhibit_mask({outside})
