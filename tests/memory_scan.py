"""Look for a secret in this process's memory without planting it there first.

A search needs its pattern in memory, and the copy of memory it searches is memory too. So every
pattern is written byte by byte (from small ints, never as a ``bytes`` or ``str``) into one private
anonymous mapping, memory is read into that same mapping, and the scan skips it. Reports name
the form and the place, never the digits.

Two scans: every readable mapping in /proc/self/maps, read through /proc/self/mem (regions the
kernel refuses, such as [vvar], are skipped), which also sees memory freed but not yet
overwritten; and every object the garbage collector tracks and every frame's local variables,
with the strings and buffers they refer to, which names the live holder of a copy. A copy made
and freed on the way is soon overwritten by the next objects, so ``KeysToCard`` also watches the
way itself, from the key presses to the card.
"""
from __future__ import annotations

import ctypes
import gc
import json
import mmap
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, ClassVar, Iterator, Self, Sequence

from hardware.card.emulator import JpkiCardEmulator

_CHUNK = 4 << 20
_NEEDLE_AREA = 4096
_ALNUM = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_VERIFY_HEADER = (0x00, 0x20, 0x00, 0x80, 0x04)  # CLA INS P1 P2 Lc of VERIFY with a 4-digit PIN
_INS_VERIFY = 0x20


@dataclass(frozen=True)
class Form:
    """One way a PIN can lie in memory."""

    label: str  # what it is, for the report: never the digits
    values: Callable[[], Iterator[int]]  # its bytes one by one: a list of them would spell it as well
    standalone: int = 0  # > 0: only counts with no ASCII letter or digit this many bytes before or after


def pin_forms(label: str, digits: Sequence[int], *, card_side_known: bool = False) -> list[Form]:
    """The forms a PIN takes on its way to the card. ``digits`` are 0..9, not characters.

    ``card_side_known``: the card (emulated in this process) holds this PIN as its reference data,
    so only the forms the kiosk itself would make count: the VERIFY command and pyscard's list.
    """
    def ascii_digits() -> Iterator[int]:
        for d in digits:
            yield 0x30 + d

    def utf16() -> Iterator[int]:
        for d in digits:
            yield 0x30 + d
            yield 0

    def verify() -> Iterator[int]:
        yield from _VERIFY_HEADER
        yield from ascii_digits()

    def small_int_pointers() -> Iterator[int]:
        # pyscard takes a list of ints; CPython's small ints are shared objects, so such a list
        # holds their addresses in PIN order
        for d in digits:
            address = id(0x30 + d)
            for k in range(8):
                yield (address >> (8 * k)) & 0xFF

    forms = [
        Form(f"{label}: the VERIFY command 00 20 00 80 04 + digits", verify),
        Form(f"{label}: a list of ints as pyscard takes it", small_int_pointers),
    ]
    if not card_side_known:
        forms += [
            Form(f"{label}: ASCII digits as typed", ascii_digits, standalone=1),
            Form(f"{label}: UTF-16 digits", utf16, standalone=2),
        ]
    return forms


class SecretScan:
    """``with SecretScan(forms) as scan: hits = scan.memory() + scan.objects()``"""

    _open: ClassVar[set[int]] = set()  # where every open scan's mapping starts: none of them is searched

    def __init__(self, forms: Sequence[Form]) -> None:
        self._forms = list(forms)
        self._map = mmap.mmap(-1, _NEEDLE_AREA + _CHUNK)
        self._spans: list[tuple[int, int]] = []
        at = 0
        for form in self._forms:
            length = 0
            for value in form.values():
                self._map[at + length] = value
                length += 1
            self._spans.append((at, length))
            at += length
        assert at <= _NEEDLE_AREA
        anchor = ctypes.c_char.from_buffer(self._map)
        self._address = ctypes.addressof(anchor)
        del anchor  # a live export would keep the mapping from closing
        SecretScan._open.add(self._address)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        SecretScan._open.discard(self._address)
        self._map.close()

    def memory(self) -> list[str]:
        """Hits in every readable mapping: ``form label in region``."""
        hits: list[str] = []
        longest = max(length for _, length in self._spans)  # a pattern across two chunks is still found
        fd = os.open("/proc/self/mem", os.O_RDONLY)
        try:
            for start, end, name in _readable_regions():
                if any(start <= address < end for address in SecretScan._open):
                    continue  # the patterns themselves and the copies being searched
                self._scan_region(fd, start, end, name, longest, hits)
        finally:
            os.close(fd)
        return sorted(set(hits))

    def objects(self, *, immutable_only: bool = False) -> list[str]:
        """Hits in the str, bytes and bytearray objects that gc-tracked objects and the local
        variables of every thread's frames refer to, and any ``Pin`` still holding digits:
        ``form label in <type> held by <holder>``.

        ``immutable_only``: only str and bytes count (a PIN on its way lies in bytearrays)."""
        gc.collect()
        kinds = (str, bytes) if immutable_only else (str, bytes, bytearray)
        hits: list[str] = []
        seen: set[int] = set()

        def look(item: object, holder: str) -> None:
            if type(item) in kinds and id(item) not in seen:
                seen.add(id(item))
                for label in self.held_by(item):
                    hits.append(f"{label} in a {type(item).__name__} held by {holder}")

        holders = gc.get_objects()
        try:
            for holder in holders:
                if not immutable_only and type(holder).__name__ == "Pin" and not getattr(holder, "wiped", True):
                    hits.append(f"a Pin still holding digits ({type(holder).__module__})")
                for item in gc.get_referents(holder):
                    look(item, f"a {type(holder).__name__}")
        finally:
            del holders
        for frame in sys._current_frames().values():
            while frame is not None:
                for item in frame.f_locals.values():
                    look(item, f"a local of {frame.f_code.co_name}()")
                frame = frame.f_back
        return sorted(set(hits))

    def _scan_region(self, fd: int, start: int, end: int, name: str, overlap: int, hits: list[str]) -> None:
        view = memoryview(self._map)
        try:
            at = start
            while at < end:
                size = min(_CHUNK, end - at)
                try:
                    got = os.preadv(fd, [view[_NEEDLE_AREA:_NEEDLE_AREA + size]], at)
                except (OSError, OverflowError):
                    return  # not readable after all: skipped
                if got <= 0:
                    return
                for label in self._in_map(_NEEDLE_AREA, _NEEDLE_AREA + got):
                    hits.append(f"{label} in {name or 'anonymous memory'}")
                if at + got >= end:
                    return
                at += max(got - overlap, 1)
        finally:
            view.release()

    def _in_map(self, lo: int, hi: int) -> list[str]:
        found = []
        for form, (offset, length) in zip(self._forms, self._spans):
            with memoryview(self._map)[offset:offset + length] as needle:
                pos = self._map.find(needle, lo, hi)
                while pos != -1:
                    if _standalone(self._map, pos, length, form.standalone, lo, hi):
                        found.append(form.label)
                        break
                    pos = self._map.find(needle, pos + 1, hi)
        return found

    def held_by(self, item: str | bytes | bytearray) -> list[str]:
        """The labels of the forms ``item`` contains."""
        data = item.encode("utf-8", "surrogatepass") if isinstance(item, str) else item
        found = []
        for form, (offset, length) in zip(self._forms, self._spans):
            with memoryview(self._map)[offset:offset + length] as needle:
                pos = data.find(needle)
                while pos != -1:
                    if _standalone(data, pos, length, form.standalone, 0, len(data)):
                        found.append(form.label)
                        break
                    pos = data.find(needle, pos + 1)
        return found


def _standalone(data, pos: int, length: int, unit: int, lo: int, hi: int) -> bool:
    """No ASCII letter or digit right before or after (``unit`` bytes a character; 0: no check)."""
    if not unit:
        return True
    before, after = pos - unit, pos + length
    return (before < lo or data[before] not in _ALNUM) and (after >= hi or data[after] not in _ALNUM)


def _readable_regions():
    with open("/proc/self/maps", encoding="ascii", errors="replace") as maps:
        lines = maps.read().splitlines()
    for line in lines:
        fields = line.split(maxsplit=5)
        if len(fields) < 5 or not fields[1].startswith("r"):
            continue
        start, end = (int(x, 16) for x in fields[0].split("-"))
        yield start, end, fields[5] if len(fields) > 5 else ""


# --- the PINs the memory tests type ----------------------------------------------------------------

# No years, no repeated or consecutive digits: values a process is unlikely to hold by chance.
CANDIDATE_PINS = ((8, 3, 6, 9), (5, 0, 9, 7), (6, 9, 2, 8), (3, 8, 5, 6), (7, 4, 0, 5), (9, 1, 6, 3), (5, 8, 2, 7))


def unused_pins(count: int) -> list[tuple[int, ...]] | None:
    """``count`` candidate PINs found nowhere in memory now, in any form; None if too few are."""
    chosen = []
    for digits in CANDIDATE_PINS:
        with SecretScan(pin_forms("candidate", digits)) as scan:
            if not scan.memory():
                chosen.append(digits)
        if len(chosen) == count:
            return chosen
    return None


def give_card_pin(cards_dir: Path, card: str, digits: Sequence[int]) -> None:
    """Set a demo card's PIN (its reference data, as the card holds it)."""
    path = cards_dir / f"{card}.json"
    content = json.loads(path.read_text(encoding="utf-8"))
    content["pin"] = "".join(chr(0x30 + d) for d in digits)
    path.write_text(json.dumps(content), encoding="utf-8")


def session_forms(first_wrong, second_wrong, right) -> list[Form]:
    return [*pin_forms("first wrong PIN", first_wrong), *pin_forms("second wrong PIN", second_wrong),
            *pin_forms("right PIN", right, card_side_known=True)]


class KeysToCard:
    """Follows PINs from the key presses to the card.

    ``track(pin_scan)`` starts a line trace that checks the local variables of every frame run
    (a str or bytes holding the PIN is a copy: it cannot be wiped); when a VERIFY with data
    reaches the card (emulator), the trace stops and every object the garbage collector sees,
    and every thread's frame locals, are checked for str or bytes copies. The bytearrays (the
    Pin's buffer, the command on its way) are the allowed holders. Without ``track`` (a PIN
    typed on another thread), only the check at the card is made.
    """

    def __init__(self, monkeypatch, every_pin: SecretScan) -> None:
        self.found: list[str] = []
        self._every_pin = every_pin
        self._pin_scan: SecretScan | None = None
        self._previous = None
        process = JpkiCardEmulator.process

        def arrives(card, apdu):
            if len(apdu) > 5 and apdu[1] == _INS_VERIFY:
                self.stop()
                self.found.extend(self._every_pin.objects(immutable_only=True))
            return process(card, apdu)

        monkeypatch.setattr(JpkiCardEmulator, "process", arrives)

    def track(self, pin_scan: SecretScan) -> None:
        self._pin_scan = pin_scan
        self._previous = sys.gettrace()  # a coverage tool's, say: given back by stop()
        sys.settrace(self._call)

    def stop(self) -> None:
        if sys.gettrace() == self._call:
            sys.settrace(self._previous)

    def _call(self, frame, event, arg):
        return self._line

    def _line(self, frame, event, arg):
        if event in ("line", "return"):
            for name, value in frame.f_locals.items():
                if type(value) in (str, bytes):
                    for label in self._pin_scan.held_by(value):
                        self.found.append(f"{label} in the {type(value).__name__} {name} of {frame.f_code.co_qualname}()")
        return self._line
