"""In CI any skip fails the run (tests/ci_skips.py); elsewhere a skip stays a skip."""
from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

SKIPPING = """
import pytest

def test_skipped_in_the_body():
    pytest.skip("no frobnicator here")

@pytest.mark.skipif(True, reason="marked away")
def test_skipped_by_a_mark():
    pass

def test_skipped_by_a_missing_module():
    pytest.importorskip("no_such_module_anywhere")

@pytest.mark.xfail(reason="a known bug")
def test_expected_to_fail():
    assert False

def test_that_runs():
    pass
"""

SKIPPED_MODULE = """
import pytest

pytest.skip("the whole module", allow_module_level=True)

def test_never_collected():
    pass
"""


@pytest.fixture
def run(pytester, monkeypatch):
    def run(ci: str | None, source: str):
        if ci is None:
            monkeypatch.delenv("CI", raising=False)
        else:
            monkeypatch.setenv("CI", ci)
        pytester.makepyfile(test_sample=source)
        # ci_skips is already imported by tests/conftest.py: nothing left to rewrite
        return pytester.runpytest("-p", "ci_skips", "-p", "no:cacheprovider", "-rA",
                                  "-W", "ignore::pytest.PytestAssertRewriteWarning")
    return run


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_outside_ci_a_skip_is_a_skip(run, ci):
    result = run(ci, SKIPPING)
    result.assert_outcomes(passed=1, skipped=3, xfailed=1)
    assert result.ret == pytest.ExitCode.OK


@pytest.mark.parametrize("ci", ["true", "1"])
def test_in_ci_every_skip_fails_the_run_and_says_why(run, ci):
    result = run(ci, SKIPPING)
    result.assert_outcomes(passed=1, failed=2, errors=1, xfailed=1)  # a skipif mark skips at setup
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    output = result.stdout.str()
    for reason in ("no frobnicator here", "marked away", "no_such_module_anywhere"):
        assert f"CI={ci} makes any skip a failure: " in output
        assert reason in output


def test_in_ci_a_module_skipped_at_collection_fails_the_run(run):
    result = run("true", SKIPPED_MODULE)
    assert result.ret == pytest.ExitCode.INTERRUPTED  # an error during collection
    assert "the whole module" in result.stdout.str()
    assert "makes any skip a failure" in result.stdout.str()


def test_outside_ci_a_module_skipped_at_collection_is_skipped(run):
    result = run(None, SKIPPED_MODULE)
    result.assert_outcomes(skipped=1)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
