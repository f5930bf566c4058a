"""Where the demo PKI lives inside the data directory."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_CA_PREFIX = "auth-ca-"


@dataclass(frozen=True)
class DemoPkiLayout:
    """``pki/`` holds what the center trusts (plus seal keys); ``cards/`` one file per demo card.

    The unknown CA sits under ``pki/untrusted/`` so no glob over ``pki/`` can pick it up.
    """

    root: Path

    @property
    def pki_dir(self) -> Path:
        return self.root / "pki"

    @property
    def cards_dir(self) -> Path:
        return self.root / "cards"

    def ca_certificate(self, label: str) -> Path:
        return self.pki_dir / f"{_CA_PREFIX}{label}.crt"

    def crl(self, label: str) -> Path:
        return self.pki_dir / f"{_CA_PREFIX}{label}.crl"

    def trusted_labels(self) -> list[str]:
        """Labels of the CA generations written here, oldest first."""
        return sorted(path.stem[len(_CA_PREFIX) :] for path in self.pki_dir.glob(f"{_CA_PREFIX}*.crt"))

    @property
    def unknown_ca_certificate(self) -> Path:
        return self.pki_dir / "untrusted" / "unknown-ca.crt"

    @property
    def seals_dir(self) -> Path:
        """The seal keys (see center.pki.seals): the key list, the history, one folder per municipality."""
        return self.pki_dir / "seals"

    @property
    def seal_key_list(self) -> Path:
        return self.seals_dir / "keys.json"

    @property
    def seal_history(self) -> Path:
        return self.seals_dir / "history.log"

    def seal_private_key(self, municipality_code: str, key_id: str) -> Path:
        return self.seals_dir / municipality_code / f"{key_id}.key"

    def seal_private_keys(self, municipality_code: str) -> list[Path]:
        return sorted((self.seals_dir / municipality_code).glob("*.key"))

    def legacy_seal_private_key(self, municipality_code: str) -> Path:
        """Where a seal key lived before keys had ids: imported, never written."""
        return self.pki_dir / f"seal-{municipality_code}.key"

    def legacy_seal_public_key(self, municipality_code: str) -> Path:
        return self.pki_dir / f"seal-{municipality_code}.pub"

    def card(self, name: str) -> Path:
        return self.cards_dir / f"{name}.json"
