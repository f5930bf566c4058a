"""Renderer port: document data in, PDF bytes out."""
from __future__ import annotations

from abc import ABC, abstractmethod

from kiosk.documents import CertificateDocument, Receipt
from kiosk.journal.day_close import DayClose


class Renderer(ABC):
    @abstractmethod
    def render(self, document: CertificateDocument) -> bytes:
        """One PDF holding ``document.copies`` copies of the certificate."""

    @abstractmethod
    def render_receipt(self, receipt: Receipt) -> bytes:
        """The 利用明細, and the refund slip: every refund owed with its reference."""

    @abstractmethod
    def render_day_close(self, report: DayClose) -> bytes:
        """The 日計表: the daily close on a receipt-width slip."""

    @abstractmethod
    def self_test(self, municipality_codes: tuple[str, ...]) -> None:
        """Sign a test page with each municipality's current seal key, read afresh; raises if any cannot be."""
