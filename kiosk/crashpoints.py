"""Named places where the crash harness (bench/crash.py) may kill the kiosk with SIGKILL.

Unset (always, outside the harness) a crash point is one dictionary look-up. With
``KIOSK_CRASH_TRACE=FILE`` each point passed is appended to FILE, so the harness learns every
boundary of a run; with ``KIOSK_CRASH_AT=N`` the process kills itself at the N-th point passed
(counting from 1), as a power cut there would. ``arm`` sets the same from code, for a process
forked from one that imported this module before the harness chose its boundary.
"""
from __future__ import annotations

import os
import signal

_AT = int(os.environ.get("KIOSK_CRASH_AT", "0") or 0)
_TRACE = os.environ.get("KIOSK_CRASH_TRACE")
_passed = 0


def crashpoint(name: str) -> None:
    global _passed
    if not _AT and not _TRACE:
        return
    _passed += 1
    if _TRACE:
        with open(_TRACE, "a", encoding="ascii") as f:
            f.write(f"{_passed} {name}\n")
    if _passed == _AT:
        os.kill(os.getpid(), signal.SIGKILL)


def arm(at: int = 0, trace: str | None = None) -> None:
    """Kill at the ``at``-th point from now (0: never) and trace to ``trace``; counting restarts."""
    global _AT, _TRACE, _passed
    _AT, _TRACE, _passed = at, trace, 0
