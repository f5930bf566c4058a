"""The folder printer: the shared contract, then what only the folder promises."""
import subprocess

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

    def sides(self, job_id):
        return self._printer.sides(job_id)


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
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder-000001.pdf", "folder-000001.sides", "folder-000001.title"]


def test_a_two_sided_job_keeps_every_page_and_records_its_sides(tmp_path):
    """Both sides are in the PDF (front, back, front, back...): the folder keeps it whole and
    says, in a file of its own, that it was asked two-sided."""
    pdf = one_page_pdf("sheet", pages=4)
    printer = FolderPrinter(tmp_path)
    duplex = printer.submit(pdf, "certificate", two_sided=True)
    simplex = printer.submit(one_page_pdf("receipt"), "receipt")
    assert (tmp_path / f"{duplex}.pdf").read_bytes() == pdf
    assert (tmp_path / f"{duplex}.sides").read_text() == "two-sided-long-edge"
    assert (tmp_path / f"{simplex}.sides").read_text() == "one-sided"
    assert FolderPrinter(tmp_path).sides(duplex) == "two-sided-long-edge"  # after a restart too
    assert printer.sides("folder-999999") is None and printer.sides("../x") is None


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


# --- through the composition root: certificates two-sided, receipts one-sided -----------------------
@pytest.mark.parametrize("sides", ["two-sided", "one-sided"])
def test_a_paid_certificate_is_submitted_as_the_config_says_and_the_receipt_one_sided(kiosk_config, sides):
    import dataclasses

    from app.bootstrap import build_kiosk
    from app.provision import DEMO_REFERENCE_TIME
    from kiosk import events as ev
    from kiosk.clock import ManualClock
    from kiosk.config import PrintingSettings
    from kiosk.kinds import CertificateKind
    from kiosk.pin import Pin
    from kiosk.session_view import Screen

    config = dataclasses.replace(kiosk_config, printing=PrintingSettings(sides=sides))
    clock = ManualClock(DEMO_REFERENCE_TIME)
    kiosk = build_kiosk(config, clock=clock)
    kiosk.start()
    try:
        kiosk.card.insert("sato-ichiro")
        kiosk.runtime.post(ev.PinEntered(Pin("4721")))
        kiosk.card.remove()
        kiosk.runtime.post(ev.KindChosen(CertificateKind.JUMINHYO))
        kiosk.runtime.post(ev.OrderConfirmed())
        kiosk.cash.insert(1000)
        for _ in range(50):
            if kiosk.flow.screen is not Screen.PRINTING:
                break
            clock.advance(1)
            kiosk.runtime.post(ev.Tick(clock.now()))
        assert kiosk.flow.screen is not Screen.PRINTING
        view = kiosk.flow.view()
    finally:
        kiosk.close()
    printer = FolderPrinter(config.printed_dir)
    jobs = sorted(path.stem for path in config.printed_dir.glob("*.pdf"))
    assert len(jobs) == 2, jobs  # the certificate, then the receipt
    certificate, receipt = jobs
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(config.printed_dir / f"{certificate}.pdf"), "-"],
                          capture_output=True, check=True).stdout.decode()
    pages = text.count("\f")
    if sides == "two-sided":
        assert printer.sides(certificate) == "two-sided-long-edge"
        assert pages % 2 == 0 and text.count("頁の裏面") == pages // 2  # front, back, front, back...
        assert view.sheets_done == pages // 2  # the resident takes sheets: a front and its back are one
    else:
        assert printer.sides(certificate) == "one-sided"
        assert pages >= 1 and "頁の裏面" not in text  # the fronts alone
        assert view.sheets_done == pages
    assert printer.sides(receipt) == "one-sided"


def test_the_config_chooses_two_sided_by_default_or_one_sided(tmp_path):
    from kiosk.config import ConfigError, load_config

    path = tmp_path / "kiosk.toml"
    path.write_text('kiosk_id = "T-1"\n')
    assert load_config(path).printing.two_sided
    path.write_text('kiosk_id = "T-1"\n[printing]\nsides = "one-sided"\n')
    assert not load_config(path).printing.two_sided
    path.write_text('kiosk_id = "T-1"\n[printing]\nsides = "duplex"\n')
    with pytest.raises(ConfigError, match="printing.sides"):
        load_config(path)
