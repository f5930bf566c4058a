"""ResidentRegistry: read access to the municipalities' records (the 既存住基 of the real service)."""
from __future__ import annotations

from typing import Protocol

from center.registry.records import KosekiRecord, ResidentRecord


class ResidentRegistry(Protocol):
    def resident(self, resident_ref: str) -> ResidentRecord | None: ...

    def household(self, household_id: str) -> tuple[ResidentRecord, ...]:
        """Current members, household head first; deceased and moved-out persons excluded."""

    def koseki(self, koseki_id: str) -> KosekiRecord | None: ...

    def resident_for_certificate(self, certificate_sha256: str) -> str | None:
        """The J-LIS style link: auth certificate (SHA-256 of its DER, hex) -> resident_ref."""

    def link_certificate(self, certificate_sha256: str, resident_ref: str) -> None: ...
