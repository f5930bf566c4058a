"""The 個人番号 (My Number) check digit.

Rule of 番号法施行令 第8条: number the first 11 digits P_n from the right (n = 1..11), weight
them Q_n = n + 1 for n <= 6 and Q_n = n - 5 for n >= 7, take r = sum(P_n * Q_n) mod 11;
the 12th digit is 0 when r <= 1, otherwise 11 - r.
"""
from __future__ import annotations

import re

_FIRST11 = re.compile(r"[0-9]{11}")
_MY_NUMBER = re.compile(r"[0-9]{12}")


def _weight(n: int) -> int:
    return n + 1 if n <= 6 else n - 5


def check_digit(first11: str) -> int:
    """The check digit for 11 ASCII digits; anything else is a programming error."""
    if not _FIRST11.fullmatch(first11):
        raise ValueError("expected exactly 11 ASCII digits")
    remainder = sum(int(p) * _weight(n) for n, p in enumerate(reversed(first11), start=1)) % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_valid_my_number(s: str) -> bool:
    """Twelve ASCII digits whose last one is the check digit of the first eleven.

    Full-width or other Unicode digits are refused: str.isdigit() would accept them.
    """
    return bool(_MY_NUMBER.fullmatch(s)) and check_digit(s[:11]) == int(s[11])
