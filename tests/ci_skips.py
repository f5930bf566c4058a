"""In CI a skip is a failure: a test that cannot run there proves nothing, so the run must not pass.

tests/conftest.py takes these hooks in; tests/test_ci_skips.py runs them as a plugin (``-p ci_skips``).
Skips of a test (``pytest.skip``, ``importorskip``, ``skipif``: the last one is reported at
setup, so as an error) and of a whole module at collection become failures that give the
skip's reason. Expected failures (xfail) are left alone.
"""
from __future__ import annotations

import os

import pytest

_CI_VALUES = ("1", "true", "yes")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in _CI_VALUES


def fail_skip_in_ci(report) -> None:
    if not report.skipped or hasattr(report, "wasxfail") or not in_ci():
        return
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    reason = reason.removeprefix("Skipped: ")
    report.outcome = "failed"
    report.longrepr = f"skipped, and CI={os.environ['CI']} makes any skip a failure: {reason}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    fail_skip_in_ci(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    report = yield
    fail_skip_in_ci(report)
    return report
