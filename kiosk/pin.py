"""The resident's 4-digit PIN, held as briefly and as privately as Python allows.

From the key press to the VERIFY command the digits live only in ``bytearray``s, each zeroed
once used: the PIN pad's buffer (ui/screens/pin.py), the ``Pin``, and the command buffer that
``JpkiSession.verify`` fills with ``copy_into`` and wipes after sending (hardware/card/jpki.py).
No ``bytes`` or ``str`` copy is made on the way: those are immutable, and CPython frees them
without clearing, so their digits would stay in the heap until something else overwrites them.
A ``Pin`` is made with its final size at once: a growing bytearray leaves its old blocks behind.
Beyond that path Python cannot reach: what pyscard and pcscd copy is written down in
hardware/card/pcsc_transport.py.
"""
from __future__ import annotations

from typing import NoReturn

PIN_LENGTH = 4
_ZERO, _NINE = 0x30, 0x39


class PinFormatError(ValueError):
    """Raised before anything reaches a card: a PIN is exactly four ASCII digits."""


class Pin:
    """Digits in a mutable buffer so they can be wiped after use.

    Never printed, logged or pickled: ``repr`` and ``str`` show a mask, and ``wipe`` zeroes
    the buffer. The digits leave it only through ``copy_into``, into another bytearray the
    caller wipes.
    """

    __slots__ = ("_digits",)

    def __init__(self, digits: bytearray | bytes | str) -> None:
        """``digits`` as the PIN pad keeps them (a bytearray it wipes next); scenarios and tests may
        pass the str or bytes they already hold. Copied digit by digit: no intermediate object."""
        buffer = bytearray(PIN_LENGTH)
        valid = len(digits) == PIN_LENGTH
        if valid:
            for i in range(PIN_LENGTH):
                item = digits[i]
                code = ord(item) if isinstance(item, str) else item
                if not _ZERO <= code <= _NINE:
                    valid = False
                    break
                buffer[i] = code
        if not valid:
            wipe_buffer(buffer)
            raise PinFormatError("a PIN is exactly four digits")
        self._digits = buffer

    def copy_into(self, buffer: bytearray, offset: int) -> None:
        """Write the digits into ``buffer`` at ``offset``; the caller wipes ``buffer`` after use."""
        if not self._digits:
            raise PinFormatError("this PIN was already used and wiped")
        for i, code in enumerate(self._digits):
            buffer[offset + i] = code

    @property
    def wiped(self) -> bool:
        return not self._digits

    def wipe(self) -> None:
        wipe_buffer(self._digits)
        self._digits = bytearray()

    def __repr__(self) -> str:
        return "Pin(****)"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:  # refuse pickling: a PIN is never stored
        raise TypeError("a PIN cannot be serialised")


def wipe_buffer(buffer: bytearray) -> None:
    """Zero a buffer that held PIN digits, in place (a new object would leave the old one as it was)."""
    for i in range(len(buffer)):
        buffer[i] = 0
