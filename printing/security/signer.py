"""Signs page codes with the municipality's current seal key from the demo PKI (center.pki.seals).

Every key this signer can load comes from the demo PKI, so everything it signs is a sample:
the renderer prints 見本 whenever ``demo`` is true, and there is no switch to turn it off.

The key list is read before every signature, never cached: a key rotated or withdrawn by
``kiosk seal-key`` while the kiosk runs signs nothing more from that moment on.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from center.pki.seals import SealKeyError, load_current_seal_key, load_seal_key_list
from printing.security.seal_code import PageSeal, open_code, seal_bytes


class SealSigner:
    demo = True  # the only key source is the demo PKI; a production HSM signer would say False

    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir

    def key_id(self, municipality_code: str) -> str:
        """The current key's id, to size a page's code before it is signed."""
        return load_seal_key_list(self._data_dir).current_key(municipality_code).key_id

    def sign(self, seal: PageSeal) -> bytes:
        current = load_current_seal_key(self._data_dir, seal.municipality_code)
        return seal_bytes(replace(seal, key_id=current.key.key_id), current.private_key)

    def check(self, municipality_code: str) -> None:
        """Sign a test page with the current key, read afresh, and verify it with the public key
        the key list holds for verifiers: raises if the key is unreadable, wrong or not listed."""
        current = load_current_seal_key(self._data_dir, municipality_code)
        test = PageSeal(municipality_code, "self_test", "0", "2000-01-01T00:00", 1, 1, True, (), current.key.key_id)
        if not open_code(seal_bytes(test, current.private_key)).signed_by(current.key.public_key):
            raise SealKeyError(f"the seal key {current.key.key_id} of {municipality_code} fails its self-test")
