"""What left the kiosk is reported to the center's 交付記録: printed, refunded, or voided (issued,
never paid for), once per document when the session closes. Through the real composition root."""
from __future__ import annotations

import pytest

from kiosk import events as ev
from kiosk.ports.center import DocumentOutcome
from kiosk.ports.printer import PrinterState
from kiosk.session_view import Screen
from tests.test_flow_answers import at_payment, kiosk, settle  # noqa: F401 - the fixture and the drive

pytestmark = pytest.mark.usefixtures("kiosk")


@pytest.fixture
def reports(kiosk, monkeypatch):  # noqa: F811 - the fixture imported above
    said: list[tuple[str, str, DocumentOutcome]] = []
    real = kiosk.center.report

    def report(session_id: str, issue_number: str, outcome: DocumentOutcome) -> None:
        said.append((session_id, issue_number, outcome))
        real(session_id, issue_number, outcome)

    monkeypatch.setattr(kiosk.center, "report", report)
    return said


def _finish(k) -> None:
    k.card.remove()
    k.runtime.post(ev.FinishTouched())
    settle(k)
    assert k.flow.screen in (Screen.ATTRACT, Screen.OUT_OF_SERVICE) and not k.flow.session_open


def test_a_printed_certificate_is_reported_printed(kiosk, reports):  # noqa: F811
    at_payment(kiosk)
    session = kiosk.flow.view().session_id
    kiosk.cash.insert(500)
    settle(kiosk)
    while kiosk.flow.screen is Screen.PRINTING:
        kiosk.test_clock.advance(1)
        settle(kiosk)
    _finish(kiosk)
    [(sid, number, outcome)] = reports
    assert (sid, outcome) == (session, DocumentOutcome.PRINTED) and number.startswith("990001-")


def test_a_certificate_issued_but_never_paid_for_is_voided(kiosk, reports):  # noqa: F811
    at_payment(kiosk)
    kiosk.runtime.post(ev.CancelTouched())
    settle(kiosk)
    _finish(kiosk)
    assert [outcome for _, _, outcome in reports] == [DocumentOutcome.VOIDED]


def test_a_paid_certificate_that_did_not_print_is_refunded(kiosk, reports):  # noqa: F811
    at_payment(kiosk)
    kiosk.printer.set_fault(PrinterState.MEDIA_EMPTY)
    for _ in range(3):
        kiosk.cash.insert(100)
    settle(kiosk)
    while kiosk.flow.screen is Screen.PRINTING:
        kiosk.test_clock.advance(5)
        settle(kiosk)
    assert kiosk.flow.view().refund_owed == 300
    _finish(kiosk)
    assert [outcome for _, _, outcome in reports] == [DocumentOutcome.REFUNDED]
