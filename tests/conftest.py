"""Shared fixtures: one provisioned demo data directory per test run, kiosks built from it
through the real composition root, the rule for tests that need a real system service, and
the rule that in CI any skip fails the run (tests/ci_skips.py)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

# the hooks that make any skip fail the run in CI
from ci_skips import in_ci, pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401

from kiosk.config import load_config
from app.provision import copy_provisioned, provision

IN_CI = in_ci()


def need_real_stack(ok: bool, why: str) -> None:
    """Skip a real-stack test (pcscd, cupsd, a display) where the machine lacks it — never in CI."""
    if ok:
        return
    if IN_CI:
        pytest.fail(f"CI must run this test, but: {why}")
    pytest.skip(why)


@pytest.fixture(scope="session")
def provisioned_dir(tmp_path_factory) -> Path:
    """The demo registry, PKI and cards, generated once for the whole run."""
    data_dir = tmp_path_factory.mktemp("provisioned")
    provision(dataclasses.replace(load_config(), data_dir=data_dir))
    return data_dir


@pytest.fixture
def kiosk_config(provisioned_dir, tmp_path):
    """A config on a private copy of the demo data: fresh PIN counters, an empty journal."""
    copy_provisioned(provisioned_dir, tmp_path / "data")
    config = dataclasses.replace(load_config(), data_dir=tmp_path / "data")
    return config
