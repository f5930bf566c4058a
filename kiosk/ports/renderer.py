"""Renderer port: document data in, PDF bytes out."""
from __future__ import annotations

from abc import ABC, abstractmethod

from kiosk.documents import CertificateDocument, Receipt


class Renderer(ABC):
    @abstractmethod
    def render(self, document: CertificateDocument) -> bytes:
        """One PDF holding ``document.copies`` copies of the certificate."""

    @abstractmethod
    def render_receipt(self, receipt: Receipt) -> bytes: ...
