"""A private cupsd with cups-pdf queues, for the real-stack printer tests (cupsd(8), cupsd.conf(5) and
cups-files.conf(5): https://www.cups.org/doc/man-cupsd.html).

The machine's own CUPS is neither used nor changed: this cupsd has its own config, spool, logs
and socket in a temp dir. Only cups-pdf's per-queue config must live in /etc/cups (cups-pdf
ignores CUPS_SERVERROOT), so every queue gets a name unique to this run and its file is
removed when the queue goes.

Faults, and how real they are:
- paused: ``cupsdisable``, exactly what an operator or CUPS itself does.
- media-empty, jam, offline: the queue's ``printer-state-reasons`` are set over IPP
  (CUPS-Add-Modify-Printer), the attribute a real printer's backend or IPP device sets; cups-pdf
  never reports device states itself. The job failure is real: cups-pdf's output directory is
  made impossible to create, so the backend gives up and CUPS cancels the job at the printer.

Use: ``from cups_fixture import cups_queue, private_cups  # noqa: F401`` in a test module.
"""
from __future__ import annotations

import http.client
import os
import random
import shutil
import signal
import socket
import string
import struct
import subprocess
import tempfile
import time
from itertools import count
from pathlib import Path

import pytest

from conftest import need_real_stack

CUPS_PDF_CONF_DIR = Path("/etc/cups")
CUPS_PDF_PPD = "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"
_TOOLS = ("cupsd", "lpadmin", "lpstat", "cupsdisable", "cupsreject", "pdfinfo", "pdftoppm")
_NEEDED_FILES = ("/usr/lib/cups/backend/cups-pdf", "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")
_START_TIMEOUT = 15.0
_STOP_TIMEOUT = 15.0


def missing_stack() -> str | None:
    """Why a private cupsd with cups-pdf cannot run here, or None."""
    if os.geteuid() != 0:
        return "cupsd with the cups-pdf backend needs root"
    tools = [t for t in _TOOLS if shutil.which(t) is None and not Path("/usr/sbin", t).exists()]
    if tools:
        return f"missing {', '.join(tools)} (scripts/system-deps.sh installs them)"
    files = [f for f in _NEEDED_FILES if not Path(f).exists()]
    if files:
        return f"missing {', '.join(files)} (printer-driver-cups-pdf)"
    try:
        import cups  # noqa: F401
    except ImportError:
        return "pycups is not installed"
    return None


class CupsQueue:
    """One cups-pdf queue of the private cupsd, printing into its own folder."""

    def __init__(self, server: "PrivateCups", name: str, root: Path) -> None:
        self.server = server
        self.name = name
        self.out_dir = root / "out"
        self._root = root
        self._conf = CUPS_PDF_CONF_DIR / f"cups-pdf-{name}.conf"

    def create(self) -> "CupsQueue":
        self.out_dir.mkdir(parents=True)
        self._write_conf(self.out_dir)
        # abort-job: a device error fails the job at once instead of stopping the queue (cups.py)
        self.server.run("lpadmin", "-p", self.name, "-v", f"cups-pdf:/{self.name}", "-E",
                        "-m", CUPS_PDF_PPD, "-o", "printer-error-policy=abort-job")
        return self

    def remove(self) -> None:
        try:
            self.server.run("lpadmin", "-x", self.name)
        finally:
            self._conf.unlink(missing_ok=True)

    # --- faults ---------------------------------------------------------------------------------
    def pause(self) -> None:
        self.server.run("cupsdisable", self.name)

    def device_fault(self, reason: str) -> None:
        """The device reports ``reason`` and cannot print: cups-pdf finds no place to write."""
        blocker = self._root / "no-room"
        blocker.write_bytes(b"")  # a file where cups-pdf wants a directory
        self._write_conf(blocker / "out")
        self.server.set_printer_state_reasons(self.name, [reason])

    def clear_device_fault(self) -> None:
        self._write_conf(self.out_dir)
        self.server.set_printer_state_reasons(self.name, ["none"])

    # --- output ---------------------------------------------------------------------------------
    def output_file(self, job_id: str) -> Path | None:
        """cups-pdf names its files ``<mangled title>-job_<N>.pdf``."""
        number = job_id.rpartition("-")[2]
        found = sorted(self.out_dir.glob(f"*-job_{number}.pdf"))
        return found[0] if found else None

    def _write_conf(self, out_dir: Path) -> None:
        # Logs and cups-pdf's spool stay in our temp dir too; cups-pdf re-reads this per job.
        self._conf.write_text(
            f"Out {out_dir}\nLog {self._root / 'log'}\nSpool {self._root / 'spool'}\n", encoding="ascii"
        )


class PrivateCups:
    """cupsd -f on its own config and socket; stopped with SIGTERM."""

    _names = count(1)

    def __init__(self) -> None:
        # Not under pytest's tmp_path: its 0700 parents keep out the "lp" user the filters run as.
        self.root = Path(tempfile.mkdtemp(prefix="kiosk-cupsd-"))
        self.root.chmod(0o755)
        self.socket = self.root / "cups.sock"
        self.env = {**os.environ, "CUPS_SERVER": str(self.socket)}
        self._process: subprocess.Popen | None = None
        self._queues: list[CupsQueue] = []
        self._run_tag = "".join(random.choices(string.ascii_uppercase, k=6))

    def start(self) -> "PrivateCups":
        self._write_config()
        log = open(self.root / "log" / "cupsd.out", "wb")
        self._process = subprocess.Popen(
            ["cupsd", "-f", "-c", str(self.root / "cupsd.conf"), "-s", str(self.root / "cups-files.conf")],
            stdout=log, stderr=subprocess.STDOUT, env=self.env,
        )
        log.close()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._scheduler_running():
            if self._process.poll() is not None or time.monotonic() > deadline:
                error_log = self.root / "log" / "error_log"
                tail = error_log.read_text(errors="replace")[-2000:] if error_log.exists() else ""
                self.stop()
                raise RuntimeError(f"private cupsd did not start:\n{tail}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        for queue in list(self._queues):
            self.remove_queue(queue)
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def add_queue(self) -> CupsQueue:
        # letters only before the number: the journal redacts runs of 4+ digits (journal/events.py)
        name = f"KIOSKTEST{self._run_tag}-{next(self._names)}"
        root = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.root))
        queue = CupsQueue(self, name, root).create()
        self._queues.append(queue)
        return queue

    def remove_queue(self, queue: CupsQueue) -> None:
        self._queues.remove(queue)
        queue.remove()

    def run(self, *command: str) -> str:
        done = subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()}")
        return done.stdout

    def set_printer_state_reasons(self, queue: str, reasons: list[str]) -> None:
        """CUPS-Add-Modify-Printer with printer-state-reasons: what a backend reports."""
        status = _ipp_request(self.socket, 0x4003, f"ipp://localhost/printers/{queue}",
                              [(0x44, "printer-state-reasons", reasons)])
        if status >= 0x0400:
            raise RuntimeError(f"cupsd refused printer-state-reasons {reasons}: IPP status {status:#06x}")

    def _scheduler_running(self) -> bool:
        # `lpstat -r` exits 0 even when no scheduler answers (seen with CUPS 2.4; lpstat(1) promises
        # only the message, https://www.cups.org/doc/man-lpstat.html): read what it says
        done = subprocess.run(["lpstat", "-r"], env=self.env, capture_output=True, text=True)
        return "scheduler is running" in done.stdout

    def _write_config(self) -> None:
        for sub in ("spool", "cache", "state", "tmp", "log", "ppd"):
            (self.root / sub).mkdir()
        # The filters run as user lp: they need the temp dir, and to reach the spooled files.
        for sub, mode in (("tmp", 0o1770), ("spool", 0o710)):
            shutil.chown(self.root / sub, group="lp")
            (self.root / sub).chmod(mode)
        (self.root / "cupsd.conf").write_text(
            f"Listen {self.socket}\nBrowsing No\nDefaultAuthType None\nLogLevel info\n"
            "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
            "<Policy default>\n  <Limit All>\n    Order allow,deny\n    Allow all\n  </Limit>\n</Policy>\n",
            encoding="ascii",
        )
        (self.root / "cups-files.conf").write_text(
            f"ServerRoot {self.root}\nRequestRoot {self.root / 'spool'}\nCacheDir {self.root / 'cache'}\n"
            f"StateDir {self.root / 'state'}\nTempDir {self.root / 'tmp'}\n"
            f"AccessLog {self.root / 'log' / 'access_log'}\nErrorLog {self.root / 'log' / 'error_log'}\n"
            f"PageLog {self.root / 'log' / 'page_log'}\nPrintcap {self.root / 'printcap'}\n",
            encoding="ascii",
        )


# --- a minimal IPP request (RFC 8010), only to play the device's part -------------------------------
def _ipp_attribute(tag: int, name: str, values: list[str]) -> bytes:
    out = b""
    for i, value in enumerate(values):
        key = name.encode() if i == 0 else b""  # further values of a 1setOf carry no name
        data = value.encode()
        out += struct.pack(">BH", tag, len(key)) + key + struct.pack(">H", len(data)) + data
    return out


def _ipp_request(sock: Path, operation: int, printer_uri: str, printer_attributes) -> int:
    body = struct.pack(">BBHI", 2, 0, operation, 1) + b"\x01"
    body += _ipp_attribute(0x47, "attributes-charset", ["utf-8"])
    body += _ipp_attribute(0x48, "attributes-natural-language", ["en"])
    body += _ipp_attribute(0x45, "printer-uri", [printer_uri])
    body += b"\x04" + b"".join(_ipp_attribute(*a) for a in printer_attributes) + b"\x03"
    connection = _UnixHTTPConnection(sock)
    try:
        connection.request("POST", "/admin/", body, {"Content-Type": "application/ipp"})
        reply = connection.getresponse().read()
    finally:
        connection.close()
    return struct.unpack(">H", reply[2:4])[0]


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: Path) -> None:
        super().__init__("localhost", timeout=10)
        self._path = str(path)

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


# --- fixtures ----------------------------------------------------------------------------------------
_running: PrivateCups | None = None


@pytest.fixture(scope="session")
def private_cups(request) -> PrivateCups:
    """One private cupsd for the whole run, however many modules import this fixture."""
    global _running
    why = missing_stack()
    need_real_stack(why is None, why or "")
    if _running is None:
        _running = PrivateCups().start()

        def stop() -> None:
            global _running
            _running.stop()
            _running = None

        request.config.add_cleanup(stop)
    return _running


@pytest.fixture
def cups_queue(private_cups) -> CupsQueue:
    """A fresh, idle, enabled cups-pdf queue of the private cupsd, removed after the test."""
    queue = private_cups.add_queue()
    yield queue
    private_cups.remove_queue(queue)
