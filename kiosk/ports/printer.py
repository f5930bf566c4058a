"""Printer port: submit a PDF, follow the job, report the printer's state."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum

from kiosk.health import Availability


class JobState(Enum):
    PENDING = "pending"
    PRINTING = "printing"
    COMPLETED = "completed"  # the only state that counts as printed
    FAILED = "failed"

    @property
    def final(self) -> bool:
        return self in (JobState.COMPLETED, JobState.FAILED)


@dataclass(frozen=True)
class JobStatus:
    state: JobState
    reason: str = ""


def sides_keyword(two_sided: bool) -> str:
    """How a job asks to be printed, in IPP's words (``sides``, RFC 8011 §5.2.8): what a CUPS
    printer sends and the folder printer records. Two-sided turns the sheet on its long edge, as
    a book's page: a certificate's back is drawn upright under its front."""
    return "two-sided-long-edge" if two_sided else "one-sided"


class PrinterState(Enum):
    IDLE = "idle"
    PRINTING = "printing"
    PAUSED = "paused"
    MEDIA_EMPTY = "media-empty"
    JAM = "jam"
    OFFLINE = "offline"

    @property
    def can_print(self) -> bool:
        return self in (PrinterState.IDLE, PrinterState.PRINTING)


@dataclass(frozen=True)
class PrinterHealth:
    state: PrinterState
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.state.can_print


class Printer(ABC):
    @classmethod
    @abstractmethod
    def availability(cls) -> Availability: ...

    @abstractmethod
    def submit(self, pdf: bytes, title: str, *, two_sided: bool = False) -> str:
        """Queue one PDF; returns the job id. ``title`` names the job (the kiosk's request id, no personal data).

        ``two_sided``: print the PDF's pages in pairs on both sides of each sheet, turned on the
        long edge (page 1 the front, page 2 its back, ...): certificates printed with their backs
        (printing/back_side.py). Otherwise every page on a sheet of its own, one side printed:
        receipts, day-close reports, certificates of a kiosk set to one-sided."""

    @abstractmethod
    def find_job(self, title: str) -> str | None:
        """The id of the job submitted with this title, if the printer has one (its answer may have been lost)."""

    @abstractmethod
    def job_status(self, job_id: str) -> JobStatus: ...

    @abstractmethod
    def cancel(self, job_id: str) -> None:
        """Make sure a job the kiosk gave up on (and refunded) never prints later."""

    @abstractmethod
    def health(self) -> PrinterHealth: ...

    def resume(self) -> None:
        """Operator action after a fault is cleared (e.g. paper refilled)."""
