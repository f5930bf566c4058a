"""A virtual X screen for machines without a display (CI, servers): Xvfb started and stopped by us."""
from __future__ import annotations

import os
import shutil
import subprocess


class VirtualDisplay:
    """``with VirtualDisplay(1920, 1080) as display:`` sets DISPLAY for this process while it runs."""

    def __init__(self, width: int, height: int) -> None:
        self.size = (width, height)
        self._process: subprocess.Popen | None = None
        self._saved: str | None = None
        self.name = ""

    @staticmethod
    def available() -> bool:
        return shutil.which("Xvfb") is not None

    def __enter__(self) -> "VirtualDisplay":
        read, write = os.pipe()
        w, h = self.size
        # -displayfd: Xvfb picks a free display number and writes it once it accepts clients
        self._process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{w}x{h}x24", "-nolisten", "tcp"],
            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            self._process.kill()
            raise RuntimeError("Xvfb did not start")
        self.name = f":{number}"
        self._saved = os.environ.get("DISPLAY")
        os.environ["DISPLAY"] = self.name
        return self

    def __exit__(self, *exc) -> None:
        if self._saved is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = self._saved
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
