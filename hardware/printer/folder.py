"""A printer that writes each job into a folder: demos, tests, and kiosks without paper.

The folder is the job table, so job states and the id sequence survive a restart:
``<job id>.pdf`` is a completed job, ``<job id>.pending`` a job held by a paused queue and
``<job id>.failed`` a failed job (its text is the reason); ``<job id>.title`` holds the job's name,
written first, so a job whose id the kiosk never heard of can be found by name, and
``<job id>.sides`` how the job asked to be printed, in IPP's words as the CUPS printer asks
(``two-sided-long-edge`` or ``one-sided``): the PDF holds every page, backs included, so the
folder keeps both sides, and the sides file is what a test reads back (``sides()``). Faults mirror CUPS: a paused queue
holds new jobs until ``resume()``; with no paper, a jam or the printer offline a job fails
(it never prints later by surprise, so the kiosk can owe the fee at once).
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterator

from kiosk.crashpoints import crashpoint
from kiosk.health import Availability
from kiosk.ports.printer import JobState, JobStatus, Printer, PrinterHealth, PrinterState, sides_keyword

JOB_PREFIX = "folder-"
_JOB_ID = re.compile(re.escape(JOB_PREFIX) + r"(\d{6,})")
PRINTED, HELD, FAILED, TITLE, SIDES = ".pdf", ".pending", ".failed", ".title", ".sides"
NOT_A_PDF = "not-a-pdf"
UNKNOWN_JOB = "unknown-job"
_DEVICE_FAULTS = frozenset({PrinterState.MEDIA_EMPTY, PrinterState.JAM, PrinterState.OFFLINE})


class FolderPrinter(Printer):
    @classmethod
    def from_config(cls, config) -> "FolderPrinter":
        directory = config.adapter_options.get("printer", {}).get("directory")
        return cls(Path(directory) if directory else config.printed_dir)

    def __init__(self, out_dir: str | Path) -> None:
        self._dir = Path(out_dir)
        self._dir.mkdir(parents=True, exist_ok=True)
        self._state = PrinterState.IDLE
        self._last_number = max(self._job_numbers(), default=0)

    @classmethod
    def availability(cls) -> Availability:
        return Availability(True)

    def submit(self, pdf: bytes, title: str, *, two_sided: bool = False) -> str:
        # title only names the job in a real queue; the file name is the job id
        self._last_number += 1
        job_id = f"{JOB_PREFIX}{self._last_number:06d}"
        self._write(job_id, TITLE, title.encode("utf-8"))
        self._write(job_id, SIDES, sides_keyword(two_sided).encode("ascii"))
        crashpoint("printer:named")
        if not pdf.startswith(b"%PDF-"):
            self._write(job_id, FAILED, NOT_A_PDF.encode())
        elif self._state is PrinterState.PAUSED:
            self._write(job_id, HELD, pdf)
        elif self._state in _DEVICE_FAULTS:
            self._write(job_id, FAILED, self._state.value.encode())
        else:
            self._write(job_id, PRINTED, pdf)
        return job_id

    def job_status(self, job_id: str) -> JobStatus:
        if not _JOB_ID.fullmatch(job_id):
            return JobStatus(JobState.FAILED, UNKNOWN_JOB)
        if self._path(job_id, PRINTED).exists():
            return JobStatus(JobState.COMPLETED)
        if self._path(job_id, HELD).exists():
            return JobStatus(JobState.PENDING, PrinterState.PAUSED.value)
        failed = self._path(job_id, FAILED)
        if failed.exists():
            return JobStatus(JobState.FAILED, failed.read_text(encoding="ascii"))
        return JobStatus(JobState.FAILED, UNKNOWN_JOB)

    def sides(self, job_id: str) -> str | None:
        """How the job asked to be printed (``two-sided-long-edge`` or ``one-sided``); None: no such job."""
        path = self._path(job_id, SIDES)
        if not _JOB_ID.fullmatch(job_id) or not path.exists():
            return None
        return path.read_text(encoding="ascii")

    def find_job(self, title: str) -> str | None:
        wanted = title.encode("utf-8")
        for path in sorted(self._dir.glob(f"{JOB_PREFIX}*{TITLE}"), reverse=True):
            if path.read_bytes() == wanted:
                return path.name[: -len(TITLE)]
        return None

    def cancel(self, job_id: str) -> None:
        held = self._path(job_id, HELD)
        if _JOB_ID.fullmatch(job_id) and held.exists():
            self._write(job_id, FAILED, b"canceled")
            held.unlink()

    def health(self) -> PrinterHealth:
        return PrinterHealth(self._state, "" if self._state.can_print else self._state.value)

    def resume(self) -> None:
        """Re-enable a paused queue and print what it held; a device fault needs clear_fault() first."""
        if self._state is PrinterState.PAUSED:
            self._state = PrinterState.IDLE
        if not self._state.can_print:
            return
        for held in sorted(self._dir.glob(f"{JOB_PREFIX}*{HELD}")):
            os.replace(held, held.with_suffix(PRINTED))

    # --- fault injection (not part of the port) ------------------------------------------------
    def set_fault(self, state: PrinterState) -> None:
        if state.can_print:
            raise ValueError(f"{state.value} is not a fault")
        self._state = state

    def clear_fault(self) -> None:
        """The paper is refilled, the jam cleared or the cable back; a paused queue stays paused."""
        if self._state in _DEVICE_FAULTS:
            self._state = PrinterState.IDLE

    # --- the folder ------------------------------------------------------------------------------
    def _path(self, job_id: str, suffix: str) -> Path:
        return self._dir / f"{job_id}{suffix}"

    def _write(self, job_id: str, suffix: str, data: bytes) -> None:
        # write then rename, so a reader never sees half a job
        partial = self._path(job_id, ".part")
        partial.write_bytes(data)
        os.replace(partial, self._path(job_id, suffix))

    def _job_numbers(self) -> Iterator[int]:
        for path in self._dir.glob(f"{JOB_PREFIX}*"):
            found = _JOB_ID.match(path.name)
            if found:
                yield int(found.group(1))
