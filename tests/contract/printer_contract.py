"""What every Printer adapter must do, whatever queue or device is behind it.

Use: subclass ``PrinterContract`` in a test module named ``test_*.py`` and provide two fixtures,
``printer`` (a fresh adapter whose printer is idle) and ``printer_driver`` (a ``PrinterDriver``
acting on the same printer). The kiosk relies on these semantics: COMPLETED is the only
success; a paused queue holds jobs as PENDING until ``resume()``; with no paper, a jam or the
printer offline a job FAILS, and a failed job never prints later. A job asked ``two_sided``
is printed on both sides of the sheet, turned on the long edge (a certificate and its backs);
any other job one-sided, whatever the queue's default.
"""
from __future__ import annotations

import io
from typing import Protocol

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from kiosk.health import Availability
from kiosk.ports.printer import JobState, JobStatus, Printer, PrinterState

DEVICE_FAULTS = [PrinterState.MEDIA_EMPTY, PrinterState.JAM, PrinterState.OFFLINE]


def one_page_pdf(text: str = "printer contract", pages: int = 1) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=True)
    for page in range(1, pages + 1):
        canvas.drawString(72, 720, f"{text} {page}/{pages}" if pages > 1 else text)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


class PrinterDriver(Protocol):
    def fault(self, state: PrinterState) -> None:
        """Make the printer be in ``state`` (paper out, jam, offline, or the queue paused)."""

    def clear(self) -> None:
        """Fix the device fault (refill, unjam, reconnect); a paused queue stays paused."""

    def settle(self, printer: Printer, job_id: str) -> JobStatus:
        """The job's status once the printer is done with it for now: final, or still held.

        A real queue finishes asynchronously: its driver polls up to a deadline.
        """

    def output(self, job_id: str) -> bytes | None:
        """What came out for the job, or None where the output cannot be seen."""

    def sides(self, job_id: str) -> str | None:
        """How the job was asked to be printed, in IPP's words (``two-sided-long-edge`` or ``one-sided``)."""


class PrinterContract:
    def test_reports_its_availability(self, printer):
        assert isinstance(type(printer).availability(), Availability)

    def test_starts_idle_and_healthy(self, printer):
        health = printer.health()
        assert health.ok and health.state is PrinterState.IDLE

    def test_a_pdf_prints_and_completes(self, printer, printer_driver):
        job_id = printer.submit(one_page_pdf(), "contract-job")
        assert printer_driver.settle(printer, job_id).state is JobState.COMPLETED
        printed = printer_driver.output(job_id)
        assert printed is None or printed.startswith(b"%PDF-")

    def test_a_two_sided_job_is_printed_on_both_sides_turned_on_the_long_edge(self, printer, printer_driver):
        job_id = printer.submit(one_page_pdf("front and back", pages=2), "duplex-job", two_sided=True)
        assert printer_driver.settle(printer, job_id).state is JobState.COMPLETED
        assert printer_driver.sides(job_id) == "two-sided-long-edge"

    def test_a_job_is_one_sided_unless_asked(self, printer, printer_driver):
        """Receipts and reports: never back to back, whatever the queue would default to."""
        plain = printer.submit(one_page_pdf("receipt", pages=2), "plain-job")
        asked = printer.submit(one_page_pdf("receipt"), "one-sided-job", two_sided=False)
        for job_id in (plain, asked):
            assert printer_driver.settle(printer, job_id).state is JobState.COMPLETED
            assert printer_driver.sides(job_id) == "one-sided"

    def test_each_job_gets_its_own_id(self, printer, printer_driver):
        ids = [printer.submit(one_page_pdf(f"job {n}"), f"job-{n}") for n in range(3)]
        assert len(set(ids)) == 3
        assert all(printer_driver.settle(printer, i).state is JobState.COMPLETED for i in ids)

    def test_bytes_that_are_not_a_pdf_fail_the_job(self, printer, printer_driver):
        job_id = printer.submit(b"hello, not a pdf", "junk")
        assert printer_driver.settle(printer, job_id).state is JobState.FAILED

    @pytest.mark.parametrize("fault", DEVICE_FAULTS, ids=lambda s: s.value)
    def test_a_device_fault_shows_in_health_and_fails_new_jobs(self, printer, printer_driver, fault):
        printer_driver.fault(fault)
        assert printer.health().state is fault and not printer.health().ok
        job_id = printer.submit(one_page_pdf(), "during-fault")
        status = printer_driver.settle(printer, job_id)
        assert status.state is JobState.FAILED and status.reason

    @pytest.mark.parametrize("fault", DEVICE_FAULTS, ids=lambda s: s.value)
    def test_after_a_fault_is_cleared_new_jobs_print_but_failed_ones_stay_failed(
        self, printer, printer_driver, fault
    ):
        printer_driver.fault(fault)
        failed = printer.submit(one_page_pdf(), "during-fault")
        printer_driver.settle(printer, failed)
        printer_driver.clear()
        printer.resume()
        assert printer.health().ok
        later = printer.submit(one_page_pdf(), "after-fault")
        assert printer_driver.settle(printer, later).state is JobState.COMPLETED
        assert printer_driver.settle(printer, failed).state is JobState.FAILED

    def test_a_paused_queue_holds_jobs_until_resumed(self, printer, printer_driver):
        printer_driver.fault(PrinterState.PAUSED)
        assert printer.health().state is PrinterState.PAUSED
        job_id = printer.submit(one_page_pdf(), "while-paused")
        assert printer_driver.settle(printer, job_id).state is JobState.PENDING
        printer_driver.clear()
        assert printer_driver.settle(printer, job_id).state is JobState.PENDING
        printer.resume()
        assert printer_driver.settle(printer, job_id).state is JobState.COMPLETED
        assert printer.health().ok

    def test_a_cancelled_held_job_never_prints_after_resume(self, printer, printer_driver):
        printer_driver.fault(PrinterState.PAUSED)
        job_id = printer.submit(one_page_pdf(), "given-up")
        assert printer_driver.settle(printer, job_id).state is JobState.PENDING
        printer.cancel(job_id)
        printer_driver.clear()
        printer.resume()
        assert printer_driver.settle(printer, job_id).state is JobState.FAILED
        assert printer_driver.output(job_id) is None

    def test_a_job_can_be_found_by_its_name(self, printer, printer_driver):
        """After a crash the kiosk may know a job only by the name it gave it (its request id)."""
        first = printer.submit(one_page_pdf(), "op-101")
        second = printer.submit(one_page_pdf(), "op-102")
        assert printer.find_job("op-101") == first
        assert printer.find_job("op-102") == second
        assert printer.find_job("op-103") is None

    def test_a_held_job_found_by_name_can_be_cancelled_for_good(self, printer, printer_driver):
        printer_driver.fault(PrinterState.PAUSED)
        printer.submit(one_page_pdf(), "op-201")
        found = printer.find_job("op-201")
        printer.cancel(found)
        printer_driver.clear()
        printer.resume()
        assert printer_driver.settle(printer, found).state is JobState.FAILED
        assert printer_driver.output(found) is None
