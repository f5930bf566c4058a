"""``kiosk cash-emulator``: the ready line, clean exit on SIGTERM/SIGINT, one-line bad arguments."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from cash_emulator_kit import ROOT, emulator, emulator_command, read_line


def kiosk(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, capture_output=True, text=True, timeout=30)


@pytest.fixture
def short_dir():
    with tempfile.TemporaryDirectory(prefix="cash-", dir="/tmp") as directory:
        yield Path(directory)


@pytest.mark.parametrize("args", [["cash-emulator"], ["cash-emulator", "id003"], ["cash-emulator", "cctalk"]])
def test_help(args):
    out = kiosk(*args, "--help")
    assert out.returncode == 0 and out.stdout.startswith(f"usage: kiosk {' '.join(args)}")


@pytest.mark.parametrize("kind, extra, words", [
    ("id003", ["--denominations", "1000,3000"], "--denominations"),
    ("id003", ["--denominations", "ten"], "--denominations"),
    ("id003", ["--pace", "-1"], "--pace"),
    ("cctalk", ["--hoppers", "500=3"], "--hoppers"),
    ("cctalk", ["--hoppers", "500=3:20,100=3:20"], "addresses"),
    ("cctalk", ["--hoppers", "500=40:20"], "addresses"),
    ("cctalk", ["--coins", "10,10"], "--coins"),
    ("cctalk", ["--payout-ms", "x"], "--payout-ms"),
])
def test_bad_arguments_are_one_line_and_exit_2(short_dir, kind, extra, words):
    out = kiosk(*emulator_command(kind, short_dir / "line", short_dir / "control", *extra)[3:])
    assert out.returncode == 2, out
    assert out.stderr.count("\n") == 1 and words in out.stderr, out.stderr
    assert not (short_dir / "line").exists() and not (short_dir / "control").exists()


def test_missing_directory_is_one_line(short_dir):
    out = kiosk(*emulator_command("id003", short_dir / "no" / "line", short_dir / "control")[3:])
    assert out.returncode == 2 and out.stderr.count("\n") == 1, out.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_removes_link_and_socket(signum):
    with emulator("cctalk") as running:
        assert running.link.is_symlink() and os.readlink(running.link).startswith("/dev/pts/")
        running.control.close()
        running.process.send_signal(signum)
        assert running.process.wait(timeout=10) == 0
        assert not running.link.exists() and not running.link.is_symlink()
        assert not running.control_path.exists()


def test_a_live_control_socket_is_not_taken_over():
    with emulator("id003") as running:
        other = subprocess.run(emulator_command("id003", running.link.with_name("other"), running.control_path),
                               cwd=ROOT, capture_output=True, text=True, timeout=30)
        assert other.returncode == 2 and "another emulator" in other.stderr
        assert running.control("state")["status"] == "POWER_UP"  # the first one is untouched


def test_stale_link_and_socket_are_replaced(short_dir):
    link, control = short_dir / "line", short_dir / "control"
    link.symlink_to("/dev/pts/does-not-exist")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(control))
    stale.close()  # the file stays, nobody listens: what a killed emulator leaves
    process = subprocess.Popen(emulator_command("cctalk", link, control, "--pace", "0"), cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert read_line(process, 10) == f"ready {link} {control}"
        assert os.readlink(link).startswith("/dev/pts/")
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
        process.stdout.close()
        process.stderr.close()
    assert not link.is_symlink()
