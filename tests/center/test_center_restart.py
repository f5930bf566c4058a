"""A center process killed while a kiosk's call is in flight, and started again: the kiosk's
retries reach the new process within the call's deadline. The center runs as `kiosk-center serve`
in a subprocess; ``KIOSK_CRASH_AT`` (kiosk/crashpoints.py) makes it SIGKILL itself at a named
point of its Issue handler, so the kill lands exactly there.

The retry then gets the *same* 発行番号: the center's sessions and issued documents live in its
database (center/storage), which outlives the process.
"""
from __future__ import annotations

import os
import queue
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from center_kit import NOW, Cards, center_data, client, fleet, free_port  # noqa: F401  (fixtures)

from kiosk.kinds import CertificateKind
from kiosk.ports.center import Issued, IssueRefused

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 60


class CenterProcess:
    """`python -m center.cli serve --config FILE` with its output collected."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[str] = []
        self._news: queue.Queue[str] = queue.Queue()

    def start(self, crash_at: int = 0) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_CRASH_")}
        if crash_at:
            env["KIOSK_CRASH_AT"] = str(crash_at)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "center.cli", "serve", "--config", str(self.config)],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        threading.Thread(target=self._read, args=(self.proc,), daemon=True).start()
        self.wait_for("kiosk-center: serving on", START_SECONDS)

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.lines.append(line.rstrip("\n"))
            self._news.put(line)

    def wait_for(self, text: str, seconds: float) -> str:
        end = time.monotonic() + seconds
        for line in self.lines:
            if text in line:
                return line
        while time.monotonic() < end:
            try:
                line = self._news.get(timeout=0.1)
            except queue.Empty:
                if self.proc is not None and self.proc.poll() is not None and self._news.empty():
                    break
                continue
            if text in line:
                return line
        raise AssertionError(f"center never said {text!r}:\n" + "\n".join(self.lines[-40:]))

    def wait_dead(self, seconds: float) -> int:
        assert self.proc is not None
        return self.proc.wait(seconds)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def center_process(provisioned_dir, fleet, tmp_path):
    data = center_data(provisioned_dir, tmp_path / "center-data")
    address = f"127.0.0.1:{free_port()}"
    config = tmp_path / "center.toml"
    config.write_text(
        f'address = "{address}"\n'
        f'fleet_dir = "{fleet.fleet.directory}"\n'
        f'data_dir = "{data}"\n'
        f'token_key = "{tmp_path / "token.key"}"\n'
    )
    process = CenterProcess(config)
    process.address = address
    yield process
    process.stop()


def _patient(address, fleet):
    """A kiosk that waits long enough for a center to come back (deadline 60 s)."""
    return client(address, fleet.kiosks["KIOSK-A"], deadline=60.0, attempt_timeout=5.0, backoff_initial=0.1,
                  backoff_max=0.5)


def _in_thread(call):
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["result"] = call()
        except BaseException as exc:  # handed to the test
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


@pytest.fixture
def killed_during_issue(center_process, fleet, provisioned_dir, tmp_path):
    """A kiosk's issue call in flight when the center dies right after numbering the documents
    (before it answers); the center started again; the call's own retries finish it."""
    center_process.start(crash_at=2)  # 1: before:center.Issue, 2: after:center.Issue
    kiosk = _patient(center_process.address, fleet)
    cards = Cards(center_data(provisioned_dir, tmp_path / "cards"))
    identity = cards.login(kiosk)
    line = next(o for o in kiosk.offers(identity, "990001", NOW) if o.kind is CertificateKind.JUMINHYO).default_line
    session = secrets.token_hex(16)
    attempts = kiosk.attempts
    thread, box = _in_thread(lambda: kiosk.issue(identity, session, (line,), NOW))
    assert center_process.wait_dead(30) == -signal.SIGKILL
    issued_line = center_process.wait_for("issued ", 1)
    first_number = re.search(r"issued (\S+) to KIOSK-A session " + session, issued_line).group(1)
    time.sleep(0.5)  # the kiosk's retries meet a closed port for a while
    center_process.start()
    thread.join(60)
    assert not thread.is_alive()
    yield box, first_number, kiosk.attempts - attempts
    kiosk.close()


def test_an_issue_in_flight_when_the_center_dies_is_retried_into_the_restarted_center(killed_during_issue):
    box, first_number, attempts = killed_during_issue
    assert "error" not in box, box.get("error")  # the call's retries reached the new process: no CenterUnavailable
    assert isinstance(box["result"], (Issued, IssueRefused))
    assert attempts >= 2


def test_the_retry_gets_the_issue_number_the_killed_center_gave(killed_during_issue):
    box, first_number, _ = killed_during_issue
    result = box.get("result")
    assert isinstance(result, Issued), result
    assert [d.issue_number for d in result.documents] == [first_number]


def test_a_call_made_while_the_center_is_down_is_answered_once_it_is_back(center_process, fleet):
    center_process.start()
    kiosk = _patient(center_process.address, fleet)
    try:
        before = kiosk.catalog()
        center_process.kill()
        thread, box = _in_thread(kiosk.catalog)
        time.sleep(1.0)
        assert thread.is_alive()  # still trying, within its deadline
        center_process.start()
        thread.join(60)
        assert box.get("result") == before, box
    finally:
        kiosk.close()
