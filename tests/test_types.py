"""The type check: mypy, strict on kiosk/ (mypy.ini), must be clean.

Kinds and screens are matched exhaustively (``match`` ending in ``assert_never``), so a kind or
screen added without its branch fails here rather than falling through at run time.
"""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_strict_on_the_core_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "kiosk"],
        cwd=ROOT, capture_output=True, text=True,
    )
    if result.returncode != 0:
        # mypy's own report, not the CompletedProcess repr: one line per error
        pytest.fail(f"mypy exited {result.returncode}:\n{result.stdout}{result.stderr}", pytrace=False)
