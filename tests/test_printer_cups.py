"""The CUPS printer: the shared contract against a real private cupsd with a cups-pdf queue, then
how IPP attributes (captured from that cupsd) become printer and job states, and the options."""
import time
from types import SimpleNamespace

import cups  # pycups: a dependency of the kiosk (pyproject.toml), never optional
import pytest

from contract.printer_contract import PrinterContract, one_page_pdf
from cups_fixture import CupsQueue, cups_queue, private_cups  # noqa: F401
from hardware.printer.cups import CupsPrinter, job_status, printer_health, server_address, split_reason
from kiosk.ports.printer import JobState, JobStatus, Printer, PrinterHealth, PrinterState

SETTLE_SECONDS = 20.0
POLL_SECONDS = 0.02
# What a real device's backend reports for each fault (PWG 5100.x keywords as CUPS passes them on).
DEVICE_REASONS = {
    PrinterState.MEDIA_EMPTY: "media-empty-error",
    PrinterState.JAM: "media-jam-error",
    PrinterState.OFFLINE: "offline-report",
}


class CupsDriver:
    def __init__(self, queue: CupsQueue) -> None:
        self._queue = queue

    def fault(self, state: PrinterState) -> None:
        if state is PrinterState.PAUSED:
            self._queue.pause()
        else:
            self._queue.device_fault(DEVICE_REASONS[state])

    def clear(self) -> None:
        self._queue.clear_device_fault()

    def settle(self, printer: Printer, job_id: str) -> JobStatus:
        """Final, or pending in a paused queue (nothing moves it until resume)."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            status = printer.job_status(job_id)
            if status.state.final or time.monotonic() > deadline:
                return status
            if status.state is JobState.PENDING and printer.health().state is PrinterState.PAUSED:
                return status
            time.sleep(POLL_SECONDS)

    def output(self, job_id: str) -> bytes | None:
        path = self._queue.output_file(job_id)
        return path.read_bytes() if path else None

    def sides(self, job_id: str) -> str | None:
        """The job's ``sides`` attribute as cupsd keeps it."""
        number = int(job_id.rsplit("-", 1)[1])
        attributes = cups.Connection(host=str(self._queue.server.socket)).getJobAttributes(number)
        return attributes.get("sides")


class TestCupsPrinterContract(PrinterContract):
    @pytest.fixture
    def printer(self, cups_queue):
        return CupsPrinter(cups_queue.name, str(cups_queue.server.socket))

    @pytest.fixture
    def printer_driver(self, cups_queue):
        return CupsDriver(cups_queue)


# --- only CUPS ------------------------------------------------------------------------------------
def test_a_printed_job_comes_out_of_cups_pdf_as_a_one_page_pdf(cups_queue):
    printer = CupsPrinter(cups_queue.name, str(cups_queue.server.socket))
    job_id = printer.submit(one_page_pdf("cups"), "juminhyo")
    assert job_id.startswith(f"{cups_queue.name}-")
    assert CupsDriver(cups_queue).settle(printer, job_id) == JobStatus(JobState.COMPLETED)
    out = cups_queue.output_file(job_id)
    assert out is not None
    info = cups_queue.server.run("pdfinfo", str(out))
    assert "Pages:           1" in info and "(A4)" in info


def test_jobs_print_at_full_size_never_scaled_to_fit(cups_queue):
    import cups

    printer = CupsPrinter(cups_queue.name, str(cups_queue.server.socket))
    job_id = printer.submit(one_page_pdf("scaling"), "scaling")
    number = int(job_id.rsplit("-", 1)[1])
    attributes = cups.Connection(host=str(cups_queue.server.socket)).getJobAttributes(number)
    assert attributes.get("print-scaling") == "none"


@pytest.mark.parametrize("two_sided, sides", [(True, "two-sided-long-edge"), (False, "one-sided")])
def test_jobs_ask_cups_for_their_sides(cups_queue, two_sided, sides):
    """Certificates with their backs two-sided, turned on the long edge; everything else
    one-sided, asked for even so (a duplex queue's default would print a receipt back to back)."""
    import cups

    printer = CupsPrinter(cups_queue.name, str(cups_queue.server.socket))
    job_id = printer.submit(one_page_pdf("sides", pages=2), "sides", two_sided=two_sided)
    number = int(job_id.rsplit("-", 1)[1])
    attributes = cups.Connection(host=str(cups_queue.server.socket)).getJobAttributes(number)
    assert attributes.get("sides") == sides
    assert attributes.get("print-scaling") == "none"


def test_a_device_fault_names_the_device_reason_in_health_and_in_the_failed_job(cups_queue):
    printer = CupsPrinter(cups_queue.name, str(cups_queue.server.socket))
    cups_queue.device_fault("media-empty-error")
    assert printer.health() == PrinterHealth(PrinterState.MEDIA_EMPTY, "media-empty-error")
    job_id = printer.submit(one_page_pdf(), "juminhyo")
    assert CupsDriver(cups_queue).settle(printer, job_id) == JobStatus(JobState.FAILED, "canceled media-empty-error")
    assert cups_queue.output_file(job_id) is None


def test_a_job_cups_stops_is_canceled_so_it_can_never_print_later(cups_queue):
    printer = CupsPrinter(cups_queue.name, str(cups_queue.server.socket))
    job_id = printer.submit(b"hello, not a pdf", "junk")
    status = CupsDriver(cups_queue).settle(printer, job_id)
    assert status.state is JobState.FAILED and status.reason.startswith("stopped")
    number = int(job_id.rpartition("-")[2])
    attributes = cups.Connection(host=str(cups_queue.server.socket)).getJobAttributes(number)
    assert attributes["job-state"] == 7  # canceled: `cupsenable` or a restart cannot revive it


def test_a_rejecting_queue_is_paused_and_resume_accepts_again(cups_queue):
    printer = CupsPrinter(cups_queue.name, str(cups_queue.server.socket))
    cups_queue.server.run("cupsreject", cups_queue.name)
    assert printer.health().state is PrinterState.PAUSED
    with pytest.raises(cups.IPPError):  # the effect runner turns this into a failed job
        printer.submit(one_page_pdf(), "refused")
    printer.resume()
    assert printer.health() == PrinterHealth(PrinterState.IDLE)


def test_a_missing_queue_is_offline(private_cups):
    printer = CupsPrinter("KIOSKTEST-NO-SUCH-QUEUE", str(private_cups.socket))
    assert printer.health() == PrinterHealth(PrinterState.OFFLINE, "no queue KIOSKTEST-NO-SUCH-QUEUE")


def test_an_unreachable_cupsd_is_offline_and_leaves_jobs_to_the_print_timeout(tmp_path):
    printer = CupsPrinter("KIOSK", str(tmp_path / "no-cupsd.sock"))
    assert printer.health() == PrinterHealth(PrinterState.OFFLINE, "spooler unreachable")
    assert printer.job_status("KIOSK-7") == JobStatus(JobState.PENDING, "spooler unreachable")


@pytest.mark.parametrize("job_id", ["OTHER-1", "KIOSK-", "KIOSK-1-2", "folder-000001", ""])
def test_a_job_id_not_of_this_queue_is_unknown_without_asking_cupsd(job_id):
    assert CupsPrinter("KIOSK", "/nonexistent/cups.sock").job_status(job_id) == JobStatus(JobState.FAILED, "unknown-job")


# --- IPP attributes as pycups returned them from the private cupsd (CUPS 2.4.2, cups-pdf 3.0.1) ------
IDLE = {"printer-is-accepting-jobs": True, "printer-state": 3, "printer-state-message": "", "printer-state-reasons": ["none"]}
PRINTING = {**IDLE, "printer-state": 4}
PAUSED = {**IDLE, "printer-state": 5, "printer-state-message": "Paused", "printer-state-reasons": ["paused"]}
REJECTING = {**IDLE, "printer-is-accepting-jobs": False, "printer-state-message": "Rejecting Jobs"}
MEDIA_EMPTY = {**IDLE, "printer-state-reasons": ["media-empty-error"]}
OFFLINE = {**IDLE, "printer-state-reasons": ["offline-report"]}
# seen while writing this adapter: a disabled queue with a device fault reported at the same time
PAUSED_AND_EMPTY = {**PAUSED, "printer-state-message": "operator pause", "printer-state-reasons": ["media-empty-error", "paused"]}


@pytest.mark.parametrize("attributes, expected", [
    (IDLE, PrinterHealth(PrinterState.IDLE)),
    (PRINTING, PrinterHealth(PrinterState.PRINTING)),
    (PAUSED, PrinterHealth(PrinterState.PAUSED, "Paused")),
    (REJECTING, PrinterHealth(PrinterState.PAUSED, "Rejecting Jobs")),
    (MEDIA_EMPTY, PrinterHealth(PrinterState.MEDIA_EMPTY, "media-empty-error")),
    (OFFLINE, PrinterHealth(PrinterState.OFFLINE, "offline-report")),
    (PAUSED_AND_EMPTY, PrinterHealth(PrinterState.MEDIA_EMPTY, "media-empty-error")),  # refill first, then resume
], ids=["idle", "printing", "paused", "rejecting", "media-empty", "offline", "paused-and-empty"])
def test_printer_attributes_become_the_kiosks_printer_state(attributes, expected):
    assert printer_health(attributes) == expected


@pytest.mark.parametrize("reasons, expected", [
    (["media-jam-error"], PrinterState.JAM),
    (["media-jam"], PrinterState.JAM),  # no suffix means error (RFC 8011)
    (["media-needed-error"], PrinterState.MEDIA_EMPTY),
    (["media-empty-error", "offline-report"], PrinterState.OFFLINE),  # offline: the rest is stale
    (["door-open-error"], PrinterState.OFFLINE),  # any other error stops the device
    (["media-low-warning", "media-empty-report", "offline-warning"], PrinterState.IDLE),
    (["connecting-to-device"], PrinterState.IDLE),  # CUPS' own unsuffixed reasons are no errors
    ("none", PrinterState.IDLE),
])
def test_device_reasons_and_their_severity(reasons, expected):
    assert printer_health({**IDLE, "printer-state-reasons": reasons}).state is expected


def test_a_reason_splits_into_keyword_and_severity():
    assert split_reason("media-empty-error") == ("media-empty", "error")
    assert split_reason("offline-report") == ("offline", "report")
    assert split_reason("media-low-warning") == ("media-low", "warning")
    assert split_reason("media-jam") == ("media-jam", "error")


@pytest.mark.parametrize("attributes, expected", [
    ({"job-state": 3}, JobStatus(JobState.PENDING, "queued")),
    ({"job-state": 4}, JobStatus(JobState.PENDING, "held")),
    ({"job-state": 5}, JobStatus(JobState.PRINTING)),
    ({"job-state": 9, "job-printer-state-message": "", "job-printer-state-reasons": ["none"]}, JobStatus(JobState.COMPLETED)),
    ({"job-state": 7, "job-printer-state-message": "", "job-printer-state-reasons": ["media-empty-error"]},
     JobStatus(JobState.FAILED, "canceled media-empty-error")),
    ({"job-state": 7}, JobStatus(JobState.FAILED, "canceled")),
    ({"job-state": 8, "job-printer-state-message": "The printer is not responding."},
     JobStatus(JobState.FAILED, "aborted: The printer is not responding.")),
    ({"job-state": 6, "job-printer-state-reasons": ["none"],
      "job-printer-state-message": "loadFilename failed: /tmp/kiosk-cupsd-wrq918qo/spool/d00004-001: unable to find trailer"},
     JobStatus(JobState.FAILED, "stopped: loadFilename failed: /tmp/kiosk-cupsd-wrq918qo/spool/d00004-001: unable to find trailer")),
], ids=["pending", "held", "processing", "completed", "canceled-at-device", "canceled", "aborted", "stopped"])
def test_job_attributes_become_the_kiosks_job_state(attributes, expected):
    assert job_status(attributes) == expected


def test_only_job_state_completed_counts_as_printed():
    # CUPS 2.4.2 gives completed and canceled jobs the same job-state-reasons; they are ignored
    assert job_status({"job-state": 7, "job-state-reasons": "processing-to-stop-point"}).state is JobState.FAILED
    assert job_status({"job-state": 9, "job-state-reasons": "processing-to-stop-point"}).state is JobState.COMPLETED


# --- options ----------------------------------------------------------------------------------------
def _config(options):
    return SimpleNamespace(adapter_options={"printer": options} if options is not None else {})


def test_from_config_defaults_to_the_kiosk_queue_on_libcups_default_server():
    printer = CupsPrinter.from_config(_config(None))
    assert printer.queue == "KIOSK"


@pytest.mark.parametrize("options, problem", [
    ({"queue": "KIOSK", "colour": True}, "unknown keys"),
    ({"queue": "my queue"}, "not a CUPS queue name"),
    ({"queue": 7}, "not a CUPS queue name"),
    ({"queue": "KIOSK2024"}, "redacted in the journal"),
    ({"server": ""}, "socket path or host"),
    ({"server": "printhost:ipp"}, "bad port"),
])
def test_from_config_refuses_bad_options(options, problem):
    with pytest.raises(ValueError, match=problem):
        CupsPrinter.from_config(_config(options))


@pytest.mark.parametrize("server, arguments", [
    (None, {}),
    ("/run/cups/cups.sock", {"host": "/run/cups/cups.sock"}),
    ("printhost", {"host": "printhost"}),
    ("10.0.0.5:8631", {"host": "10.0.0.5", "port": 8631}),
])
def test_the_server_option_becomes_pycups_connection_arguments(server, arguments):
    assert server_address(server) == arguments
