"""PKCS#1 DigestInfo: what the host sends to the card's signing command (the card pads it).

The host side builds SHA-256 DigestInfo; the card side only checks the shape, because a real
card signs whatever hash is inside: public code sends both, SHA-1 (siketyan/jpki-rs cli/src/digest.rs)
and SHA-256 (jpki/myna mpa/src/main.rs).
"""
from __future__ import annotations

import hashlib

SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")

_SEQUENCE = 0x30
_OID = 0x06
_NULL = 0x05
_OCTET_STRING = 0x04


def sha256_digest_info(message: bytes) -> bytes:
    return SHA256_DIGEST_INFO_PREFIX + hashlib.sha256(message).digest()


def is_well_formed(data: bytes) -> bool:
    """DER ``SEQUENCE { SEQUENCE { OID, [NULL] }, OCTET STRING }`` with nothing left over."""
    outer = _element(data, 0, _SEQUENCE)
    if outer is None or outer[1] != len(data):
        return False
    body_start, body_end = outer
    algorithm = _element(data, body_start, _SEQUENCE)
    if algorithm is None:
        return False
    oid = _element(data, algorithm[0], _OID)
    if oid is None or oid[1] == oid[0]:
        return False
    if oid[1] != algorithm[1]:
        parameters = _element(data, oid[1], _NULL)
        if parameters is None or parameters[0] != parameters[1] or parameters[1] != algorithm[1]:
            return False
    digest = _element(data, algorithm[1], _OCTET_STRING)
    return digest is not None and digest[1] == body_end and digest[1] > digest[0]


def _element(data: bytes, at: int, tag: int) -> tuple[int, int] | None:
    """(content start, content end) of the element with ``tag`` at ``at``, or None.

    Lengths below 256 only: any DigestInfo a 2048-bit key can sign (<= 245 bytes) fits.
    """
    if at + 2 > len(data) or data[at] != tag:
        return None
    length = data[at + 1]
    start = at + 2
    if length == 0x81:
        if start >= len(data):
            return None
        length = data[start]
        start += 1
    elif length > 0x7F:
        return None
    end = start + length
    return (start, end) if end <= len(data) else None
