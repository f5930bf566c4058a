"""The resident's 4-digit PIN, held as briefly and as privately as Python allows."""
from __future__ import annotations

PIN_LENGTH = 4


class PinFormatError(ValueError):
    """Raised before anything reaches a card: a PIN is exactly four ASCII digits."""


class Pin:
    """Digits in a mutable buffer so they can be wiped after use.

    Never printed, logged or pickled: ``repr`` and ``str`` show a mask, and ``wipe`` zeroes
    the buffer. Python may still hold transient copies (the bytes handed to a transport);
    we keep those to one call and drop them at once.
    """

    __slots__ = ("_digits",)

    def __init__(self, digits: str | bytes | bytearray) -> None:
        raw = digits.encode("ascii", "strict") if isinstance(digits, str) else bytes(digits)
        if len(raw) != PIN_LENGTH or not all(0x30 <= b <= 0x39 for b in raw):
            raise PinFormatError("a PIN is exactly four digits")
        self._digits = bytearray(raw)

    def ascii_bytes(self) -> bytes:
        if not self._digits:
            raise PinFormatError("this PIN was already used and wiped")
        return bytes(self._digits)

    @property
    def wiped(self) -> bool:
        return not self._digits

    def wipe(self) -> None:
        for i in range(len(self._digits)):
            self._digits[i] = 0
        self._digits = bytearray()

    def __repr__(self) -> str:
        return "Pin(****)"

    __str__ = __repr__

    def __reduce__(self):  # refuse pickling: a PIN is never stored
        raise TypeError("a PIN cannot be serialised")
