"""A private pcscd for the real-stack card tests (and bench/apdu.py): in the foreground, with its
own reader.conf directory defining one vpcd virtual reader on a free test port.

Only one pcscd can run on a machine and it needs root to create /run/pcscd, so the fixture
skips (fails in CI) when not root, when pcscd, the vpcd driver or pyscard are missing, or when
a pcscd already runs. Readiness is polled through PC/SC itself: connecting to the vpcd port
would count as a card (vpcd takes whichever client connects to its port as the card:
frankmorgner/vsmartcard virtualsmartcard/src/vpcd/vpcd.c, ``vicc_connect``).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import need_real_stack

PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
READER_LABEL = "Kiosk Test VPCD"
FIRST_TEST_PORT = 36100
READY_SECONDS = 10.0
STOP_SECONDS = 5.0
_POLL_SECONDS = 0.01


class PcscdUnavailable(Exception):
    """This machine cannot run a private pcscd; the message says why."""


def poll(condition, timeout: float, what: str):
    """``condition()`` once it is truthy, polled until ``timeout`` seconds; AssertionError after."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(_POLL_SECONDS)


class PrivatePcscd:
    """pcscd started as a child process; ``reader`` is the name of the vpcd reader on ``port``."""

    def __init__(self, work_dir: Path) -> None:
        _check_machine()
        self.port = _free_port_pair()
        self.reader = f"{READER_LABEL} 00 00"  # vpcd names its first slot "<FRIENDLYNAME> 00 00"
        self._config_dir = work_dir / "reader.conf.d"
        self._config_dir.mkdir(parents=True, exist_ok=True)
        (self._config_dir / "vpcd").write_text(
            f'FRIENDLYNAME "{READER_LABEL}"\n'
            f"DEVICENAME /dev/null:{self.port}\n"
            f"LIBPATH {VPCD_DRIVER}\n"
            f"CHANNELID {self.port}\n"
        )
        self.log_path = work_dir / "pcscd.log"
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                ["pcscd", "--foreground", "--config", str(self._config_dir)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + READY_SECONDS
        while self.reader not in _pcsc_readers():
            if self._process.poll() is not None:
                raise PcscdUnavailable(f"pcscd exited with {self._process.returncode}: {self._log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise PcscdUnavailable(f"pcscd showed no {self.reader!r} in {READY_SECONDS} s")
            time.sleep(_POLL_SECONDS)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.send_signal(sig)
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self, sig: int = signal.SIGTERM) -> None:
        self.stop(sig)
        self.start()

    def has_card(self) -> bool:
        """Whether pcscd itself sees a card in the reader."""
        return _card_in(self.reader)

    def wait_slot_empty(self, timeout: float = 5.0) -> None:
        """Until pcscd itself sees no card in the reader: an insert before that finds a stale card."""
        poll(lambda: not self.has_card(), timeout, "the test reader to be empty")

    def _log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-500:].strip()


def _check_machine() -> None:
    if os.geteuid() != 0:
        raise PcscdUnavailable("pcscd needs root (it creates /run/pcscd)")
    if shutil.which("pcscd") is None:
        raise PcscdUnavailable("pcscd is not installed (scripts/system-deps.sh)")
    if not VPCD_DRIVER.exists():
        raise PcscdUnavailable("the vpcd driver is not installed (vsmartcard-vpcd)")
    try:
        import smartcard.scard  # noqa: F401
    except ImportError as error:
        raise PcscdUnavailable(f"pyscard cannot be loaded: {error}") from None
    if _pcscd_answers():
        raise PcscdUnavailable(f"a pcscd already runs ({PCSCD_SOCKET}); only one can run per machine")


def _pcscd_answers() -> bool:
    """A live daemon accepts on its socket; a killed one may leave the file behind."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(PCSCD_SOCKET))
        except OSError:
            return False
    return True


def _free_port_pair() -> int:
    """A port p with p and p + 1 free: vpcd listens on one port per slot, two slots."""
    for port in range(FIRST_TEST_PORT, FIRST_TEST_PORT + 200, 2):
        if _bindable(port) and _bindable(port + 1):
            return port
    raise PcscdUnavailable("no free port pair for vpcd")


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("0.0.0.0", port))  # vpcd binds every interface
        except OSError:
            return False
    return True


def _pcsc_readers() -> list[str]:
    from smartcard import scard

    code, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if code != scard.SCARD_S_SUCCESS:
        return []
    try:
        code, readers = scard.SCardListReaders(context, [])
        return readers if code == scard.SCARD_S_SUCCESS else []
    finally:
        scard.SCardReleaseContext(context)


def _card_in(reader: str) -> bool:
    from smartcard import scard

    code, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if code != scard.SCARD_S_SUCCESS:
        return False
    try:
        code, states = scard.SCardGetStatusChange(context, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
        return code == scard.SCARD_S_SUCCESS and bool(states[0][1] & scard.SCARD_STATE_PRESENT)
    finally:
        scard.SCardReleaseContext(context)


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory):
    """One private pcscd for the whole run; tests may restart it (the same reader comes back)."""
    try:
        daemon = PrivatePcscd(tmp_path_factory.mktemp("pcscd"))
        daemon.start()
    except PcscdUnavailable as why:
        need_real_stack(False, str(why))
    yield daemon
    daemon.stop()
