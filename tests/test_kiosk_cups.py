"""Whole sessions through the composition root with the CUPS printer on a real cups-pdf queue:
a certificate comes out; a queue paused after payment, or a device that fails the job, leaves a
refund owed and the PRINT_FAILED notice; a queue paused before the order takes no money."""
import dataclasses
import io
import subprocess
import time

import pytest
from pypdf import PdfReader

from cups_fixture import cups_queue, private_cups  # noqa: F401
from kiosk import events as ev
from app.bootstrap import build_kiosk
from kiosk.clock import ManualClock
from kiosk.effects import PrintDocument
from kiosk.journal.events import EventType
from kiosk.kinds import CertificateKind
from kiosk.notices import NoticeCode
from kiosk.pin import Pin
from kiosk.ports.printer import JobState, PrinterState
from app.provision import DEMO_REFERENCE_TIME
from kiosk.runtime import InlineExecutor
from kiosk.session_view import Screen

JUMINHYO_FEE = 300
PRINT_SECONDS = 60.0  # a certificate takes about 2.5 s through pdftops, Ghostscript and cups-pdf
POLL_SECONDS = 0.05
HELD_TIMEOUT = 2.0  # the kiosk's print timeout where a job is held for sure: keeps the test short


class BeforePrinting(InlineExecutor):
    """Runs effects inline; calls ``act`` once, just before the first certificate is submitted,
    i.e. after the fee is journaled and the money stacked."""

    def __init__(self) -> None:
        self.act = lambda: None
        self.documents = []

    def submit(self, effect, run, done):
        if isinstance(effect, PrintDocument):
            if not self.documents:
                self.act()
            self.documents.append(effect.document)
        super().submit(effect, run, done)


@pytest.fixture
def kiosk_on_cups(kiosk_config, cups_queue):
    """``build(print_timeout)``: a kiosk printing on the test queue, closed after the test."""
    built = []

    def build(print_timeout: float = PRINT_SECONDS):
        config = dataclasses.replace(
            kiosk_config,
            adapters=dataclasses.replace(kiosk_config.adapters, printer="cups"),
            adapter_options={"printer": {"queue": cups_queue.name, "server": str(cups_queue.server.socket)}},
            timings=dataclasses.replace(kiosk_config.timings, print_timeout=print_timeout),
        )
        clock = ManualClock(DEMO_REFERENCE_TIME)
        executor = BeforePrinting()
        kiosk = build_kiosk(config, clock=clock, executor=executor)
        built.append(kiosk)
        kiosk.start()
        return kiosk, clock, executor

    yield build
    for kiosk in built:
        kiosk.close()


def order_juminhyo(kiosk) -> None:
    post = kiosk.runtime.post
    kiosk.card.insert("sato-ichiro")
    assert kiosk.flow.screen is Screen.PIN
    post(ev.PinEntered(Pin("4721")))
    kiosk.card.remove()
    post(ev.KindChosen(CertificateKind.JUMINHYO))
    post(ev.OrderConfirmed())


def wait_while_printing(kiosk, clock) -> None:
    """Tick the kiosk as its timer would, polling the real queue until it leaves PRINTING."""
    started = last = time.monotonic()
    while kiosk.flow.screen is Screen.PRINTING:
        assert last - started < PRINT_SECONDS + 5, "still printing after the kiosk's own timeout"
        time.sleep(POLL_SECONDS)
        now = time.monotonic()
        clock.advance(now - last)  # the kiosk's clock keeps pace with the real queue
        last = now
        kiosk.runtime.post(ev.Tick(clock.now()))


def journal(kiosk, event_type):
    return [e for e in kiosk.journal.events() if e.type is event_type]


def owed(kiosk) -> int:
    return sum(r.amount for r in kiosk.journal.refunds_owed())


def test_a_paid_certificate_comes_out_of_the_cups_queue(kiosk_on_cups, cups_queue, tmp_path):
    kiosk, clock, executor = kiosk_on_cups()
    order_juminhyo(kiosk)
    assert kiosk.flow.screen is Screen.PAYMENT
    kiosk.cash.insert(1000)
    wait_while_printing(kiosk, clock)

    view = kiosk.flow.view()
    assert view.screen is Screen.DONE and view.notice is None
    [completed] = journal(kiosk, EventType.PRINT_COMPLETED)
    assert owed(kiosk) == 0
    out = cups_queue.output_file(completed.job_id)
    assert out is not None, f"no cups-pdf output for {completed.job_id}"
    # cups-pdf re-distils through Ghostscript: compare pages and a render, not text
    expected_pages = len(PdfReader(io.BytesIO(kiosk.renderer.render(executor.documents[0]))).pages)
    assert len(PdfReader(out).pages) == expected_pages
    # the kiosk's default [printing] sides: each front with its back, printed back to back
    import cups

    number = int(completed.job_id.rsplit("-", 1)[1])
    attributes = cups.Connection(host=str(cups_queue.server.socket)).getJobAttributes(number)
    assert attributes.get("sides") == "two-sided-long-edge" and expected_pages % 2 == 0
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(out), str(tmp_path / "page")], check=True)
    [png] = tmp_path.glob("page*.png")
    assert _ink(png) > 0.01, "the printed page is blank"


def test_a_queue_paused_after_payment_owes_the_fee_and_says_so(kiosk_on_cups, cups_queue):
    kiosk, clock, executor = kiosk_on_cups(print_timeout=HELD_TIMEOUT)
    order_juminhyo(kiosk)
    executor.act = cups_queue.pause
    kiosk.cash.insert(1000)
    assert kiosk.printer.health().state is PrinterState.PAUSED
    wait_while_printing(kiosk, clock)  # the job stays held: the kiosk's print timeout ends it

    view = kiosk.flow.view()
    assert view.screen is Screen.DONE
    assert view.notice.code is NoticeCode.PRINT_FAILED and view.notice.amount == JUMINHYO_FEE
    assert owed(kiosk) == JUMINHYO_FEE
    [cancelled] = journal(kiosk, EventType.PRINT_CANCELLED)
    assert journal(kiosk, EventType.PRINT_COMPLETED) == []
    # refunded, so cancelled for good: resuming the queue must not print it
    kiosk.printer.resume()
    assert kiosk.printer.job_status(cancelled.job_id).state is JobState.FAILED


def test_a_job_the_device_fails_after_payment_owes_the_fee_and_names_the_fault(kiosk_on_cups, cups_queue):
    kiosk, clock, executor = kiosk_on_cups()
    order_juminhyo(kiosk)
    executor.act = lambda: cups_queue.device_fault("media-jam-error")
    kiosk.cash.insert(1000)
    wait_while_printing(kiosk, clock)

    view = kiosk.flow.view()
    assert view.notice.code is NoticeCode.PRINT_FAILED and view.notice.amount == JUMINHYO_FEE
    assert owed(kiosk) == JUMINHYO_FEE
    [failed] = journal(kiosk, EventType.PRINT_FAILED)
    assert failed.detail == f"{failed.job_id} canceled media-jam-error"  # what the operator reads
    assert cups_queue.output_file(failed.job_id) is None


def test_a_queue_paused_before_the_order_takes_no_money(kiosk_on_cups, cups_queue):
    kiosk, clock, executor = kiosk_on_cups()
    cups_queue.pause()
    order_juminhyo(kiosk)

    view = kiosk.flow.view()
    assert view.screen is Screen.NOTICE and view.notice.code is NoticeCode.PRINTER_UNAVAILABLE
    assert view.paid == 0
    assert journal(kiosk, EventType.FEE_CHARGED) == [] and owed(kiosk) == 0
    assert executor.documents == []


def _ink(png) -> float:
    """Share of dark pixels in pdftoppm's render (Pillow comes with reportlab)."""
    from PIL import Image

    with Image.open(png) as image:
        grey = image.convert("L")
        return sum(grey.histogram()[:200]) / (grey.width * grey.height)
