"""Signs page codes with the municipality's seal key from the demo PKI (kiosk.pki.seals).

Every key this signer can load comes from the demo PKI, so everything it signs is a sample:
the renderer prints 見本 whenever ``demo`` is true, and there is no switch to turn it off.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from kiosk.pki.seals import load_seal_private_key
from printing.security.seal_code import PageSeal, seal_bytes


class SealSigner:
    demo = True  # the only key source is the demo PKI; a production HSM signer would say False

    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir
        self._key = cache(lambda code: load_seal_private_key(self._data_dir, code))

    def sign(self, seal: PageSeal) -> bytes:
        return seal_bytes(seal, self._key(seal.municipality_code))
