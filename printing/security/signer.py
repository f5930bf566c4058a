"""Signs page codes with the municipality's seal key from the demo PKI (kiosk.pki.seals).

Every key this signer can load comes from the demo PKI, so everything it signs is a sample:
the renderer prints 見本 whenever ``demo`` is true, and there is no switch to turn it off.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from kiosk.pki.seals import load_seal_private_key
from printing.security.seal_code import SIGNING_CONTEXT, PageSeal, seal_bytes


class SealSigner:
    demo = True  # the only key source is the demo PKI; a production HSM signer would say False

    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir
        self._key = cache(lambda code: load_seal_private_key(self._data_dir, code))

    def sign(self, seal: PageSeal) -> bytes:
        return seal_bytes(seal, self._key(seal.municipality_code))

    def check(self, municipality_code: str) -> None:
        """Read the key afresh and sign and verify a test page: raises if the key is unreadable or wrong."""
        key = load_seal_private_key(self._data_dir, municipality_code)
        test = PageSeal(municipality_code, "self_test", "0", "2000-01-01T00:00", 1, 1, True, ())
        signed = seal_bytes(test, key)
        text = test.canonical()
        key.public_key().verify(signed[-64:], SIGNING_CONTEXT + text)
