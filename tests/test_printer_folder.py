"""The folder printer: the shared contract, then what only the folder promises."""
import pytest

from contract.printer_contract import PrinterContract, one_page_pdf
from hardware.printer.folder import FolderPrinter
from kiosk.ports.printer import JobState, JobStatus, PrinterState


class FolderDriver:
    def __init__(self, printer: FolderPrinter, out_dir) -> None:
        self._printer = printer
        self._out_dir = out_dir

    def fault(self, state):
        self._printer.set_fault(state)

    def clear(self):
        self._printer.clear_fault()

    def settle(self, printer, job_id):
        return printer.job_status(job_id)  # the folder finishes every job inside submit()

    def output(self, job_id):
        path = self._out_dir / f"{job_id}.pdf"
        return path.read_bytes() if path.exists() else None


class TestFolderPrinterContract(PrinterContract):
    @pytest.fixture
    def printer(self, tmp_path):
        return FolderPrinter(tmp_path)

    @pytest.fixture
    def printer_driver(self, printer, tmp_path):
        return FolderDriver(printer, tmp_path)


def test_each_job_is_written_as_its_id_with_the_exact_bytes(tmp_path):
    pdf = one_page_pdf("exact")
    job_id = FolderPrinter(tmp_path).submit(pdf, "exact")
    assert job_id == "folder-000001"
    assert (tmp_path / "folder-000001.pdf").read_bytes() == pdf
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder-000001.pdf", "folder-000001.title"]


def test_ids_and_job_states_survive_a_restart(tmp_path):
    before = FolderPrinter(tmp_path)
    printed = before.submit(one_page_pdf(), "a")
    before.set_fault(PrinterState.PAUSED)
    held = before.submit(one_page_pdf(), "b")
    failed = before.submit(b"junk", "c")

    after = FolderPrinter(tmp_path)
    assert after.submit(one_page_pdf(), "d") == "folder-000004"
    assert after.job_status(printed) == JobStatus(JobState.COMPLETED)
    assert after.job_status(held).state is JobState.PENDING
    assert after.job_status(failed) == JobStatus(JobState.FAILED, "not-a-pdf")
    after.resume()
    assert after.job_status(held) == JobStatus(JobState.COMPLETED)


def test_a_fault_names_itself_as_the_reason(tmp_path):
    printer = FolderPrinter(tmp_path)
    printer.set_fault(PrinterState.MEDIA_EMPTY)
    job_id = printer.submit(one_page_pdf(), "x")
    assert printer.job_status(job_id) == JobStatus(JobState.FAILED, "media-empty")
    assert printer.health().detail == "media-empty"


def test_resume_does_not_print_while_the_device_still_has_a_fault(tmp_path):
    printer = FolderPrinter(tmp_path)
    printer.set_fault(PrinterState.PAUSED)
    held = printer.submit(one_page_pdf(), "x")
    printer.set_fault(PrinterState.JAM)
    printer.resume()
    assert printer.job_status(held).state is JobState.PENDING
    printer.clear_fault()
    printer.resume()
    assert printer.job_status(held).state is JobState.COMPLETED


@pytest.mark.parametrize("job_id", ["folder-999999", "../etc/passwd", "PDF-1", ""])
def test_an_unknown_job_is_reported_failed(tmp_path, job_id):
    assert FolderPrinter(tmp_path).job_status(job_id) == JobStatus(JobState.FAILED, "unknown-job")


@pytest.mark.parametrize("state", [PrinterState.IDLE, PrinterState.PRINTING])
def test_only_faults_can_be_injected(tmp_path, state):
    with pytest.raises(ValueError):
        FolderPrinter(tmp_path).set_fault(state)


def test_the_folder_is_created_when_missing(tmp_path):
    printer = FolderPrinter(tmp_path / "spool" / "out")
    assert printer.submit(one_page_pdf(), "x") == "folder-000001"
    assert (tmp_path / "spool" / "out" / "folder-000001.pdf").exists()
