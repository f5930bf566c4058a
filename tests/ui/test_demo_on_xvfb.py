"""`kiosk demo` on a machine without a display: the demo runs on Xvfb and saves a screenshot per step."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

from tests.conftest import need_real_stack


def test_demo_without_display_runs_on_xvfb_with_screenshots(kiosk_config, tmp_path):
    need_real_stack(shutil.which("Xvfb") is not None, "Xvfb is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["KIOSK_DATA_DIR"] = str(kiosk_config.data_dir)
    shots = tmp_path / "shots"
    run = subprocess.run([sys.executable, "-m", "app", "demo", "--shots", str(shots)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "virtual screen (Xvfb)" in run.stdout and str(shots) in run.stdout
    names = sorted(p.name for p in shots.glob("*.png"))
    assert names[0].endswith("-attract.png") and any(n.endswith("-done.png") for n in names)
    assert len(names) == 10  # the start and one per step of the demo scenario
