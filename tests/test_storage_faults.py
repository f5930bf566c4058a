"""The journal's disk fails while a resident has coins in escrow at the payment screen.

Each case: no exception escapes, the kiosk stops taking money, gives the escrow back, goes out of
service naming the journal, journals what it still can, and after a restart on a healthy disk
owes exactly what it kept. Real disks need root: a small tmpfs that fills up, and an ext4 image
that the kernel turns read-only under the open journal (errors=remount-ro), because a read-only
remount of a tmpfs is refused while the journal is open for writing and a read-only bind mount
does not reach files that are already open. Injected SQLite errors run everywhere.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from kiosk import events as ev
from app.bootstrap import build_kiosk
from kiosk.clock import JST, ManualClock
from kiosk.config import load_config
from kiosk.journal.check import check_books
from kiosk.journal.events import EventType
from kiosk.journal.journal import RESERVE_SUFFIX
from kiosk.kinds import CertificateKind
from kiosk.pin import Pin
from kiosk.ports.cash import CashRejected
from app.provision import copy_provisioned
from kiosk.screen_facts import WAITS_ON_DEVICE
from kiosk.session_view import Screen
from kiosk.shuffle import ShufflingExecutor
from tests.conftest import need_real_stack

START = datetime(2026, 11, 25, 10, 0, tzinfo=JST)  # a Wednesday morning: open
FEE = 300  # 住民票の写し, one copy
DISK_FULL = sqlite3.OperationalError("database or disk is full")
READ_ONLY = sqlite3.OperationalError("attempt to write a readonly database")
IS_ROOT = os.geteuid() == 0


class Till:
    """One kiosk from the composition root on simulated devices, driven as kiosk/scenario.py does."""

    def __init__(self, config, cash_memory: Path | None = None) -> None:
        self.config = config
        self.clock = ManualClock(START)
        self.executor = ShufflingExecutor(None)
        self.k = build_kiosk(config, clock=self.clock, executor=self.executor)
        self.cash_memory = config.data_dir / "cash_unit.json"
        if cash_memory is not None:
            # The simulated unit keeps its non-volatile memory in the data dir; a real unit has its
            # own. Keep it off the disk that is about to fail, so only the journal sees the fault.
            self.k.cash._state_file = self.cash_memory = cash_memory
            self.k.cash._save()
        self.k.start()
        self.settle()

    @property
    def view(self):
        return self.k.flow.view()

    def post(self, event) -> None:
        self.k.runtime.post(event)

    def settle(self) -> None:
        for _ in range(400):
            self.post(ev.Tick(self.clock.now()))
            if self.executor.idle and self.k.flow.screen not in WAITS_ON_DEVICE:
                return
            self.executor.step()
            if self.k.flow.screen in WAITS_ON_DEVICE:
                self.clock.advance(0.5)
        raise AssertionError(f"the kiosk did not settle: stuck on {self.k.flow.screen.value}")

    def insert(self, coin: int, settle: bool = True):
        event = self.k.cash.insert(coin)
        if settle:
            self.settle()
        return event

    def pass_time(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.settle()

    def at_payment_with(self, *coins: int) -> None:
        self.k.card.insert("sato-ichiro")
        self.settle()
        self.post(ev.PinEntered(Pin("4721")))
        self.settle()
        self.k.card.remove()
        self.settle()
        self.post(ev.KindChosen(CertificateKind.JUMINHYO))
        self.post(ev.OrderConfirmed())
        self.settle()
        assert (self.view.screen, self.view.due) == (Screen.PAYMENT, FEE)
        for coin in coins:
            self.insert(coin)
        assert self.view.paid == self.k.cash.held() == sum(coins)

    def rows(self) -> list[tuple[EventType, int | None]]:
        session = self.view.session_id
        return [(e.type, e.amount) for e in self.k.journal.events(session)]

    def restart_on(self, healthy: Path) -> "Till":
        """Stop, move the data to a healthy disk (the unit's memory back into it), start again."""
        self.k.close()
        shutil.copytree(self.config.data_dir, healthy,
                        ignore=shutil.ignore_patterns("filler", "lost+found", "*" + RESERVE_SUFFIX, "*-shm"))
        if self.cash_memory != self.config.data_dir / "cash_unit.json":
            shutil.copy2(self.cash_memory, healthy / "cash_unit.json")
        return Till(dataclasses.replace(self.config, data_dir=healthy))


def assert_stopped_and_gave_back(till: Till, escrow: int, returned_before: int) -> None:
    """Out of service naming the journal, escrow back in the tray, and no coin taken any more."""
    view = till.view
    assert view.screen is Screen.NOTICE
    assert any(r.startswith("journal:") for r in view.out_of_service_reasons), view.out_of_service_reasons
    assert till.k.cash.held() == 0
    assert till.k.cash.counters().returned == returned_before + escrow
    paid = view.paid
    assert isinstance(till.insert(100), CashRejected)  # the unit was disabled
    assert till.view.paid == paid and till.k.cash.held() == 0
    till.post(ev.FinishTouched())
    till.settle()
    assert till.view.screen is Screen.OUT_OF_SERVICE
    till.k.card.insert("sato-ichiro")  # the next resident: no session starts
    till.settle()
    assert till.view.screen is Screen.OUT_OF_SERVICE and not till.k.flow.session_open


def owed(till: Till) -> int:
    return sum(r.amount for r in till.k.journal.refunds_owed())


# --- real disks (root) ---------------------------------------------------------------------------
def _run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True, timeout=30)


@pytest.fixture
def tmpfs(provisioned_dir, tmp_path):
    """A small tmpfs holding a copy of the demo data: a disk that can really fill up."""
    need_real_stack(IS_ROOT, "mounting a tmpfs needs root")
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    _run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount))
    try:
        copy_provisioned(provisioned_dir, mount)
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


@pytest.fixture
def ext4(provisioned_dir, tmp_path):
    """An ext4 image on a loop device, errors=remount-ro: ``fail()`` makes the kernel turn it read-only."""
    usable = IS_ROOT and shutil.which("mkfs.ext4") and Path("/dev/loop-control").exists()
    need_real_stack(bool(usable), "an ext4 loop device needs root, mkfs.ext4 and /dev/loop-control")
    image, mount = tmp_path / "disk.img", tmp_path / "ext4"
    mount.mkdir()
    with open(image, "wb") as f:
        f.truncate(32 << 20)
    _run("mkfs.ext4", "-q", "-F", str(image))
    _run("mount", "-o", "loop,errors=remount-ro", str(image), str(mount))
    try:
        copy_provisioned(provisioned_dir, mount)
        device = next(line.split()[0] for line in Path("/proc/self/mounts").read_text().splitlines()
                      if line.split()[1] == str(mount))

        def fail() -> None:
            # the kernel's own reaction to a disk error: the file system goes read-only under open files
            Path(f"/sys/fs/ext4/{Path(device).name}/trigger_fs_error").write_text("kiosk test\n")

        yield mount, fail
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(directory: Path, leave: int = 0) -> None:
    """Write a filler file until only ``leave`` bytes are free (0: until the disk refuses)."""
    fd = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for block in (1 << 20, 4096):
            while shutil.disk_usage(directory).free - block >= leave:
                try:
                    os.write(fd, b"\xff" * block)
                except OSError:
                    break
        os.fsync(fd)
    finally:
        os.close(fd)


def small_disk_config(data_dir: Path):
    return dataclasses.replace(load_config(), data_dir=data_dir, journal_min_free_bytes=0)


@pytest.mark.parametrize("trigger", ["coin", "cancel"])
def test_full_disk_mid_payment_returns_escrow_and_journals_it_from_the_reserve(tmpfs, tmp_path, trigger):
    till = Till(small_disk_config(tmpfs), cash_memory=tmp_path / "cash_unit_memory.json")
    till.at_payment_with(100)
    returned = till.k.cash.counters().returned
    fill(tmpfs)
    if trigger == "coin":
        till.insert(100)  # its journal row no longer fits: the reserve takes it
    else:
        till.post(ev.CancelTouched())  # the return's intent no longer fits: the reserve takes it
        till.settle()
    escrow = 200 if trigger == "coin" else 100

    assert not (tmpfs / ("journal.sqlite" + RESERVE_SUFFIX)).exists()
    rows = till.rows()
    assert rows.count((EventType.CASH_CREDITED, 100)) == escrow // 100
    assert (EventType.CASH_RETURNED, escrow) in rows
    assert_stopped_and_gave_back(till, escrow=escrow, returned_before=returned)
    assert till.k.journal.events()[-1].type is EventType.SESSION_CLOSED

    # The reserve is gone: the operator's "back in service" runs the health check, which refuses.
    till.k.flow.set_in_service(True)
    till.settle()
    assert till.view.screen is Screen.OUT_OF_SERVICE
    assert "journal: journal's reserved space was used up" in till.view.out_of_service_reasons

    again = till.restart_on(tmp_path / "healthy")
    assert owed(again) == 0 and not again.k.recovered
    assert again.view.screen is Screen.ATTRACT  # a fresh reserve on the healthy disk
    assert check_books(again.k.journal, again.k.cash.counters()) == []


def test_disk_turning_read_only_mid_payment_returns_escrow(ext4, tmp_path):
    mount, fail = ext4
    till = Till(small_disk_config(mount), cash_memory=tmp_path / "cash_unit_memory.json")
    till.at_payment_with(100)
    returned = till.k.cash.counters().returned
    before = till.rows()
    fail()
    till.insert(100)

    assert till.rows() == before  # nothing more reaches a read-only disk
    assert (mount / ("journal.sqlite" + RESERVE_SUFFIX)).exists()  # freeing space cannot help: kept
    assert_stopped_and_gave_back(till, escrow=200, returned_before=returned)

    again = till.restart_on(tmp_path / "healthy")
    assert owed(again) == 0  # the unit remembers the emergency return: nothing is owed for it
    assert [r.refund_owed for r in again.k.recovered] == [0]


def test_free_space_floor_takes_an_idle_kiosk_out_of_service(tmpfs):
    config = dataclasses.replace(small_disk_config(tmpfs), journal_min_free_bytes=2 << 20)
    till = Till(config)
    assert till.view.screen is Screen.ATTRACT
    fill(tmpfs, leave=1 << 20)
    till.pass_time(config.timings.health_interval)
    assert till.view.screen is Screen.OUT_OF_SERVICE
    assert any("below the floor of 2 MiB" in r for r in till.view.out_of_service_reasons)
    till.k.card.insert("sato-ichiro")
    till.settle()
    assert not till.k.flow.session_open
    (tmpfs / "filler").unlink()  # space freed: the next check lets residents in again
    till.k.card.remove()
    till.pass_time(config.timings.health_interval)
    assert till.view.screen is Screen.ATTRACT


def test_read_only_bind_mount_is_caught_by_the_idle_health_check(kiosk_config):
    need_real_stack(IS_ROOT, "a bind mount needs root")
    till = Till(kiosk_config)
    data = str(kiosk_config.data_dir)
    _run("mount", "--bind", data, data)
    try:
        _run("mount", "-o", "remount,ro,bind", data)
        till.pass_time(kiosk_config.timings.health_interval)
        assert till.view.screen is Screen.OUT_OF_SERVICE
        assert "journal: journal is read-only" in till.view.out_of_service_reasons
    finally:
        till.k.close()
        _run("umount", data)


# --- injected SQLite errors (everywhere) ----------------------------------------------------------
@pytest.mark.parametrize("error", [DISK_FULL, READ_ONLY], ids=["disk_full", "read_only"])
@pytest.mark.parametrize("trigger", ["coin", "cancel"])
def test_injected_write_fault_mid_payment_returns_escrow(kiosk_config, tmp_path, error, trigger):
    till = Till(kiosk_config)
    till.at_payment_with(100)
    returned = till.k.cash.counters().returned
    before = till.rows()
    till.k.journal.inject_write_fault(error)
    if trigger == "coin":
        till.insert(100)  # its row cannot be written
    else:
        till.post(ev.CancelTouched())  # the return's intent cannot be written
        till.settle()
    escrow = 200 if trigger == "coin" else 100
    assert till.rows() == before
    assert (kiosk_config.journal_path.parent / ("journal.sqlite" + RESERVE_SUFFIX)).exists()  # injected: kept
    assert_stopped_and_gave_back(till, escrow=escrow, returned_before=returned)

    again = till.restart_on(tmp_path / "healthy")
    assert owed(again) == 0  # every coin went back
    assert [r.refund_owed for r in again.k.recovered] == [0]


def test_stacked_coins_are_owed_after_restart_when_the_fee_cannot_be_journaled(kiosk_config, tmp_path):
    till = Till(kiosk_config)
    till.at_payment_with(100, 100)
    till.insert(100, settle=False)  # the fee is reached: the stack is journaled and asked for
    till.k.journal.inject_write_fault(DISK_FULL)  # ... and the disk fails before its answer
    till.settle()
    assert till.k.cash.counters().stacked == FEE and till.k.cash.held() == 0
    assert till.view.screen is Screen.NOTICE
    assert any(r.startswith("journal:") for r in till.view.out_of_service_reasons)
    assert isinstance(till.insert(100), CashRejected)

    again = till.restart_on(tmp_path / "healthy")
    assert owed(again) == FEE  # kept by the unit, never printed for
    assert check_books(again.k.journal, again.k.cash.counters()) == []


def test_escrow_the_jammed_unit_kept_is_owed_after_restart(kiosk_config, tmp_path):
    till = Till(kiosk_config)
    till.at_payment_with(100)
    till.k.journal.inject_write_fault(DISK_FULL)
    till.k.cash.jam()  # the payment ends; the unit cannot give the coin back and keeps it
    till.settle()
    assert till.k.cash.held() == 0 and till.k.cash.counters().retained == 100
    assert any(r.startswith("journal:") for r in till.view.out_of_service_reasons)

    again = till.restart_on(tmp_path / "healthy")
    assert owed(again) == 100


def test_used_up_reserve_keeps_new_sessions_out(kiosk_config):
    till = Till(kiosk_config)
    (kiosk_config.data_dir / ("journal.sqlite" + RESERVE_SUFFIX)).unlink()
    till.pass_time(kiosk_config.timings.health_interval)
    assert till.view.screen is Screen.OUT_OF_SERVICE
    assert "journal: journal's reserved space was used up" in till.view.out_of_service_reasons
    till.k.card.insert("sato-ichiro")
    till.settle()
    assert not till.k.flow.session_open


def test_free_space_floor_from_the_config_file_keeps_the_kiosk_out_of_service(kiosk_config, tmp_path):
    toml = tmp_path / "kiosk.toml"
    toml.write_text(f'data_dir = "{kiosk_config.data_dir}"\n[storage]\nmin_free_mb = 1048576\n', encoding="utf-8")
    config = load_config(toml)
    assert config.journal_min_free_bytes == 1 << 40  # a terabyte: more than this disk has free
    till = Till(config)
    assert till.view.screen is Screen.OUT_OF_SERVICE
    assert any("below the floor of 1048576 MiB" in r for r in till.view.out_of_service_reasons)
    till.k.card.insert("sato-ichiro")
    till.settle()
    assert not till.k.flow.session_open


# --- books after storage faults ------------------------------------------------------------------
def test_stacked_coins_stay_owed_when_the_journal_recovers_before_the_session_closes(kiosk_config):
    till = Till(kiosk_config)
    till.at_payment_with(100, 100)
    till.insert(100, settle=False)
    till.k.journal.inject_write_fault(DISK_FULL)
    till.settle()
    till.k.journal.inject_write_fault(None)  # e.g. the demo panel's switch, or space freed
    till.post(ev.FinishTouched())
    till.settle()
    assert owed(till) == FEE


def test_books_balance_after_an_emergency_return(kiosk_config, tmp_path):
    till = Till(kiosk_config)
    till.at_payment_with(100)
    till.k.journal.inject_write_fault(DISK_FULL)
    till.insert(100)
    again = till.restart_on(tmp_path / "healthy")
    assert check_books(again.k.journal, again.k.cash.counters()) == []
