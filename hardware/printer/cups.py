"""A printer behind a CUPS queue, spoken to over IPP through libcups (pycups).

Why pycups rather than lp/lpstat: only IPP's ``job-state`` tells a completed job from one the
device canceled or CUPS aborted. lpstat shows just ``job-state-reasons`` ("Alerts:"), and CUPS
2.4.2 reports ``processing-to-stop-point`` there for completed and canceled jobs alike
(measured), so a job followed through lpstat could count as printed when nothing came out.

Jobs are streamed as ``application/pdf``: never auto-typed (bytes that are not a PDF fail in the
filter instead of printing as text) and no temporary file ever holds a certificate. Only
job-state *completed* counts as printed. A *stopped* job (a filter failed; CUPS keeps it for an
operator to restart) is canceled when seen, so a job reported failed never prints later.

The queue should have ``printer-error-policy=abort-job``: with CUPS' default (stop-printer) a
device error stops the queue and keeps the job, which would print after the kiosk owed the fee.

Options (``[options.printer]``): ``queue`` (default "KIOSK") and ``server``, a cupsd socket path
or host[:port] (default: libcups' own choice, i.e. $CUPS_SERVER or /run/cups/cups.sock).
"""
from __future__ import annotations

import re
from typing import Any

from kiosk.health import Availability
from kiosk.journal.events import allow_job_prefix
from kiosk.ports.printer import JobState, JobStatus, Printer, PrinterHealth, PrinterState, sides_keyword

DEFAULT_QUEUE = "KIOSK"
UNKNOWN_JOB = "unknown-job"
UNREACHABLE = "spooler unreachable"
_QUEUE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,127}")  # CUPS allows more; a kiosk needs no more
_PRINTER_ATTRIBUTES = ["printer-state", "printer-state-reasons", "printer-state-message", "printer-is-accepting-jobs"]
_JOB_ATTRIBUTES = ["job-state", "job-printer-state-reasons", "job-printer-state-message"]
_IPP_OK = 0
_IPP_NOT_FOUND = 0x0406
_HTTP_CONTINUE = 100

# IPP job-state (RFC 8011 §5.3.7)
_PENDING, _HELD, _PROCESSING, _STOPPED, _CANCELED, _ABORTED, _COMPLETED = range(3, 10)
_FAILED_STATES = {_STOPPED: "stopped", _CANCELED: "canceled", _ABORTED: "aborted"}
# IPP printer-state
_PRINTER_PROCESSING, _PRINTER_STOPPED = 4, 5

# Device reasons by priority: an offline printer's other reasons are stale.
_DEVICE_FAULTS = (
    ("offline", PrinterState.OFFLINE),
    ("media-jam", PrinterState.JAM),
    ("media-empty", PrinterState.MEDIA_EMPTY),
    ("media-needed", PrinterState.MEDIA_EMPTY),
)
_SEVERITIES = ("-error", "-warning", "-report")


def split_reason(keyword: str) -> tuple[str, str]:
    """'media-empty-error' -> ('media-empty', 'error'); no suffix means error (RFC 8011 §5.4.12)."""
    for suffix in _SEVERITIES:
        if keyword.endswith(suffix):
            return keyword[: -len(suffix)], suffix[1:]
    return keyword, "error"


def _device_fault(reasons: list[str]) -> tuple[PrinterState, str] | None:
    found = {split_reason(r): r for r in reasons}
    for base, state in _DEVICE_FAULTS:
        for severity in ("error", "report") if base == "offline" else ("error",):
            # CUPS backends report an unreachable printer as "offline-report"
            if (base, severity) in found:
                return state, found[(base, severity)]
    # Any other "-error" means the device stopped (RFC 8011): toner out, door open, ...
    # Unsuffixed CUPS reasons (connecting-to-device, paused) are not device errors.
    errors = [r for r in reasons if r.endswith("-error")]
    return (PrinterState.OFFLINE, ", ".join(errors)) if errors else None


def printer_health(attributes: dict[str, Any]) -> PrinterHealth:
    """The kiosk's view of a queue from its IPP printer attributes."""
    reasons = _reasons(attributes.get("printer-state-reasons"))
    fault = _device_fault(reasons)
    if fault is not None:
        return PrinterHealth(*fault)
    message = attributes.get("printer-state-message") or ""
    if attributes.get("printer-state") == _PRINTER_STOPPED or "paused" in reasons:
        return PrinterHealth(PrinterState.PAUSED, message or "paused")
    if not attributes.get("printer-is-accepting-jobs", True):
        return PrinterHealth(PrinterState.PAUSED, message or "not accepting jobs")
    if attributes.get("printer-state") == _PRINTER_PROCESSING:
        return PrinterHealth(PrinterState.PRINTING)
    return PrinterHealth(PrinterState.IDLE)


def job_status(attributes: dict[str, Any]) -> JobStatus:
    """The kiosk's view of a job from its IPP job attributes: job-state decides, nothing else."""
    state = attributes.get("job-state")
    if state == _COMPLETED:
        return JobStatus(JobState.COMPLETED)
    if state == _PROCESSING:
        return JobStatus(JobState.PRINTING)
    if state in (_PENDING, _HELD):
        return JobStatus(JobState.PENDING, "held" if state == _HELD else "queued")
    what = _FAILED_STATES.get(state, f"job-state {state}")
    fault = _device_fault(_reasons(attributes.get("job-printer-state-reasons")))
    if fault is not None:
        return JobStatus(JobState.FAILED, f"{what} {fault[1]}")  # plain tokens: the journal keeps them
    message = attributes.get("job-printer-state-message") or ""
    return JobStatus(JobState.FAILED, f"{what}: {message}" if message else what)


def _reasons(value: Any) -> list[str]:
    values = [value] if isinstance(value, str) else list(value or ())
    return [v for v in values if v != "none"]


# At 100 %: the 地紋's latent 「複写」 is balanced for 600 dpi dots one printer pixel each
# (printing/security/tint.py); a page scaled to fit would turn them into other sizes and show it.
JOB_OPTIONS = {"print-scaling": "none"}


class CupsPrinter(Printer):
    # pycups is imported where it is used, so availability() can answer on a machine without it.
    @classmethod
    def availability(cls) -> Availability:
        try:
            import cups  # noqa: F401
        except ImportError:
            return Availability(False, "pycups is not installed (pip install pycups; building it needs libcups2-dev)")
        return Availability(True)

    @classmethod
    def from_config(cls, config) -> "CupsPrinter":
        options = config.adapter_options.get("printer", {})
        unknown = set(options) - {"queue", "server"}
        if unknown:
            raise ValueError(f"[options.printer] has unknown keys for the cups printer: {', '.join(sorted(unknown))}")
        return cls(options.get("queue", DEFAULT_QUEUE), options.get("server"))

    def __init__(self, queue: str = DEFAULT_QUEUE, server: str | None = None) -> None:
        if not isinstance(queue, str) or not _QUEUE_NAME.fullmatch(queue):
            raise ValueError(f"[options.printer] queue {queue!r} is not a CUPS queue name (letters, digits, _ . -)")
        if not allow_job_prefix(queue):  # e.g. "KIOSK2024": a run of digits looks like a PIN or a date
            raise ValueError(f"[options.printer] queue {queue!r}: its job ids would be redacted in the journal")
        self._queue = queue
        self._server = server_address(server)
        self._job_id = re.compile(re.escape(queue) + r"-(\d+)")

    @property
    def queue(self) -> str:
        return self._queue

    def submit(self, pdf: bytes, title: str, *, two_sided: bool = False) -> str:
        conn = self._connect()
        # sides always asked for, never left to the queue's default: a duplex queue may default to
        # two-sided, and would then print a receipt's pages back to back
        job = conn.createJob(self._queue, title, {**JOB_OPTIONS, "sides": sides_keyword(two_sided)})
        try:
            conn.startDocument(self._queue, job, title, "application/pdf", 1)
            if conn.writeRequestData(pdf, len(pdf)) != _HTTP_CONTINUE:
                raise RuntimeError("cupsd did not take the document")
            if conn.finishDocument(self._queue) != _IPP_OK:
                raise RuntimeError("cupsd refused the document")
        except BaseException:
            _cancel_quietly(self._connect, job)  # a job without its document must not linger
            raise
        return f"{self._queue}-{job}"

    def job_status(self, job_id: str) -> JobStatus:
        import cups

        found = self._job_id.fullmatch(job_id)
        if not found:
            return JobStatus(JobState.FAILED, UNKNOWN_JOB)
        number = int(found.group(1))
        try:
            conn = self._connect()
            attributes = conn.getJobAttributes(number, requested_attributes=_JOB_ATTRIBUTES)
        except cups.IPPError as exc:
            if exc.args and exc.args[0] == _IPP_NOT_FOUND:
                return JobStatus(JobState.FAILED, UNKNOWN_JOB)
            return JobStatus(JobState.PENDING, str(exc.args[-1]) if exc.args else UNREACHABLE)
        except RuntimeError:  # cupsd down: the flow's print timeout decides
            return JobStatus(JobState.PENDING, UNREACHABLE)
        if attributes.get("job-state") == _STOPPED:
            _cancel_quietly(lambda: conn, number)
        return job_status(attributes)

    def find_job(self, title: str) -> str | None:
        # my_jobs: CUPS shows job-name only to the job's owner (JobPrivateValues), which the kiosk is
        jobs = self._connect().getJobs(which_jobs="all", my_jobs=True,
                                       requested_attributes=["job-id", "job-name", "job-printer-uri"])
        numbers = [n for n, attributes in jobs.items() if attributes.get("job-name") == title
                   and str(attributes.get("job-printer-uri", "")).endswith(f"/printers/{self._queue}")]
        return f"{self._queue}-{max(numbers)}" if numbers else None

    def cancel(self, job_id: str) -> None:
        found = self._job_id.fullmatch(job_id)
        if found:
            _cancel_quietly(self._connect, int(found.group(1)))

    def health(self) -> PrinterHealth:
        import cups

        try:
            attributes = self._connect().getPrinterAttributes(self._queue, requested_attributes=_PRINTER_ATTRIBUTES)
        except cups.IPPError as exc:
            if exc.args and exc.args[0] == _IPP_NOT_FOUND:
                return PrinterHealth(PrinterState.OFFLINE, f"no queue {self._queue}")
            return PrinterHealth(PrinterState.OFFLINE, UNREACHABLE)
        except RuntimeError:
            return PrinterHealth(PrinterState.OFFLINE, UNREACHABLE)
        return printer_health(attributes)

    def resume(self) -> None:
        """Enable and accept on the queue (cupsenable + cupsaccept); device reasons clear themselves."""
        conn = self._connect()
        conn.enablePrinter(self._queue)
        conn.acceptJobs(self._queue)

    def _connect(self):
        # A connection per call: cheap on a local socket (~0.3 ms), survives a cupsd restart, and
        # is never shared between the printer worker and the thread that checks health.
        import cups

        return cups.Connection(**self._server)


def server_address(server: str | None) -> dict[str, Any]:
    """pycups Connection arguments: none (libcups' default), a socket path, or host[:port]."""
    if server is None:
        return {}
    if not isinstance(server, str) or not server:
        raise ValueError("[options.printer] server must be a cupsd socket path or host[:port]")
    host, colon, port = server.rpartition(":")
    if server.startswith("/") or not colon:
        return {"host": server}
    if not port.isdigit():
        raise ValueError(f"[options.printer] server {server!r} has a bad port")
    return {"host": host, "port": int(port)}


def _cancel_quietly(connect, job: int) -> None:
    import cups

    try:
        connect().cancelJob(job)
    except (cups.IPPError, RuntimeError):
        pass  # already final, or cupsd gone: either way it will not print
