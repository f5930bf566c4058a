"""What staff do from operator mode: settle a refund, empty the cash box, top up the change, take
the daily close. Device calls run on the device's worker; journal rows are written on the GUI
thread as soon as the device has answered.

The journal is checked writable before any device call, so nothing moves that cannot be
recorded. Each job ends by handing ``report`` one ``Outcome``: a message key and its values.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from kiosk.journal.cash_staff import record_collection, record_top_up
from kiosk.journal.day_close import close_day, record_close
from kiosk.journal.day_close_csv import default_path, write_csv
from kiosk.journal.events import JournalEntryError
from kiosk.journal.journal import JournalOnReserve, JournalWriteError, RefundNotPayable

# Operator sign-in is one shared code (ui/operator/credential.py): it tells no person apart, so
# the journal can only say that staff used this kiosk's own operator panel.
OPERATOR_ID = "op-panel"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    key: str  # i18n message id
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class _Answer:
    value: object = None
    error: str = ""  # the exception's class and message when the device call raised


def _attempt(call: Callable[[], object]) -> Callable[[], _Answer]:
    """A job for a worker that always answers (the executor drops a job that raised)."""
    def job() -> _Answer:
        try:
            return _Answer(call())
        except Exception as exc:  # a device fault, shown to the operator as it came
            return _Answer(error=f"{type(exc).__name__}: {exc}"[:120])
    return job


class StaffWork:
    def __init__(self, shell, report: Callable[[Outcome], None]) -> None:
        self.shell = shell
        self.report = report

    @property
    def _k(self):
        return self.shell.kiosk

    # --- refunds ----------------------------------------------------------------------------------
    def pay(self, reference: str) -> None:
        try:
            event = self._k.journal.mark_refund_paid(reference, OPERATOR_ID)
        except JournalOnReserve as full:  # written, into the last reserved space: it is paid
            event = full.written
        except (RefundNotPayable, JournalEntryError, JournalWriteError) as exc:
            self.report(Outcome(False, "operator.failed.pay", {"reason": str(exc)}))
            return
        self.report(Outcome(True, "operator.done.paid", {"reference": reference, "amount": event.amount}))

    # --- the cash unit --------------------------------------------------------------------------
    def collect(self) -> None:
        if self._journal_refuses():
            return
        cash = self._k.cash
        self.shell.device("cash", _attempt(cash.collect), self._collected)

    def _collected(self, answer: _Answer) -> None:
        if answer.error:
            self.report(Outcome(False, "operator.failed.device", {"reason": answer.error}))
            return
        if self._recorded(lambda: record_collection(self._k.journal, OPERATOR_ID, answer.value)):
            self.report(Outcome(True, "operator.done.collected", {"amount": answer.value}))

    def top_up(self, counts: dict[int, int]) -> None:
        if not any(counts.values()) or self._journal_refuses():
            return
        cash = self._k.cash
        self.shell.device("cash", _attempt(lambda: cash.top_up(counts)), lambda a: self._topped_up(a, counts))

    def _topped_up(self, answer: _Answer, counts: dict[int, int]) -> None:
        if answer.error:
            self.report(Outcome(False, "operator.failed.device", {"reason": answer.error}))
            return
        if self._recorded(lambda: record_top_up(self._k.journal, OPERATOR_ID, counts, answer.value)):
            self.report(Outcome(True, "operator.done.topped_up", {"amount": answer.value}))

    # --- the daily close ----------------------------------------------------------------------------
    def day_close(self) -> None:
        """Counters from the cash unit, then the report, its CSV and journal row, then the slip."""
        if self._journal_refuses():
            return
        cash = self._k.cash
        self.shell.device("cash", _attempt(lambda: (cash.counters(), cash.float_counts())), self._close_with)

    def _close_with(self, answer: _Answer) -> None:
        k, config = self._k, self.shell.config
        counters, floats = answer.value if not answer.error else (None, None)  # a silent unit: figures without it
        catalog = self.shell.catalog
        report = close_day(k.journal, kiosk_id=config.kiosk_id, now=self.shell.clock.now(), counters=counters,
                           float_counts=floats,
                           municipality_names={code: catalog.municipality(code).name for code in catalog.codes()})
        try:
            path = write_csv(report, default_path(config.data_dir, report))
        except OSError as exc:
            self.report(Outcome(False, "operator.failed.file", {"reason": f"{type(exc).__name__}: {exc}"[:120]}))
            return
        if not self._recorded(lambda: record_close(k.journal, report)):
            return
        title = f"day-close-{report.last_seq:06d}"
        render, printer = k.renderer.render_day_close, k.printer
        self.shell.device("printer", _attempt(lambda: printer.submit(render(report), title)),
                          lambda a: self._close_printed(a, path.name))

    def _close_printed(self, answer: _Answer, file: str) -> None:
        if answer.error:
            self.report(Outcome(False, "operator.failed.print", {"reason": answer.error, "file": file}))
        else:
            self.report(Outcome(True, "operator.done.day_close", {"file": file}))

    # --- the journal ---------------------------------------------------------------------------------
    def _journal_refuses(self) -> bool:
        why = self._k.journal.writable()
        if why:
            self.report(Outcome(False, "operator.failed.journal", {"reason": why}))
        return bool(why)

    def _recorded(self, write: Callable[[], object]) -> bool:
        try:
            write()
        except JournalOnReserve:
            return True  # written, into the last reserved space; the health check takes the kiosk out of service
        except JournalWriteError as exc:
            # the device already acted: say so plainly, the operator writes it down by hand
            self.report(Outcome(False, "operator.failed.unrecorded", {"reason": str(exc)}))
            return False
        return True
