"""The kiosk command: --help everywhere, one-line reasons and a non-zero exit on bad input."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

COMMANDS = ["demo", "scenario", "cards", "journal", "day-close", "cash", "setup", "seal-key", "verify", "sample",
            "card-emulator", "cash-emulator"]


def kiosk(*args, env=None):
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    out = kiosk(command, "--help")
    assert out.returncode == 0
    assert out.stdout.startswith(f"usage: kiosk {command}")


def test_unknown_command_is_refused():
    out = kiosk("dance")
    assert out.returncode != 0 and "invalid choice" in out.stderr


def test_missing_scenario_file_is_one_line(tmp_path):
    out = kiosk("scenario", str(tmp_path / "nope.toml"), env={"KIOSK_DATA_DIR": str(tmp_path)})
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "nope.toml" in out.stderr and "Traceback" not in out.stderr


def test_bad_scenario_key_is_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[step]]\ndance = true\n')
    out = kiosk("scenario", str(bad), env={"KIOSK_DATA_DIR": str(tmp_path)})
    assert out.returncode == 2 and "step 1" in out.stderr and out.stderr.count("\n") == 1


def test_broken_municipality_file_names_file_and_key(tmp_path, provisioned_dir):
    municipalities = tmp_path / "municipalities"
    municipalities.mkdir()
    from kiosk.config import ASSETS

    for source in (ASSETS / "municipalities").glob("*.toml"):
        text = source.read_text(encoding="utf-8")
        if source.stem == "990002":
            text = text.replace('name = "月見野町"', 'name = 42')
        (municipalities / source.name).write_text(text, encoding="utf-8")
    code = (
        "import dataclasses, sys; from pathlib import Path; from kiosk.catalog.catalog import Catalog\n"
        f"Catalog.load(Path({str(municipalities)!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode != 0
    assert "990002.toml" in out.stderr and "name" in out.stderr


def test_cards_lists_every_demo_card_with_its_purpose(tmp_path):
    out = kiosk("cards", env={"KIOSK_DATA_DIR": str(tmp_path)})
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert len(lines) >= 20
    for profile in ("one_try_left", "locked", "expired", "revoked", "face_auth", "juki_card", "unknown_ca", "not_my_number"):
        assert any(f" {profile} " in line for line in lines), profile


def test_scenario_prints_outcome_and_journal(tmp_path, provisioned_dir):
    scenario = Path(__file__).parent / "scenarios" / "happy_juminhyo_self.toml"
    out = kiosk("scenario", str(scenario), env={"KIOSK_DATA_DIR": str(provisioned_dir)})
    assert out.returncode == 0, out.stderr
    assert "outcome: screen=attract" in out.stdout
    assert "fee_charged 300 yen" in out.stdout and "print_completed" in out.stdout
    assert out.stdout.rstrip().endswith("PASSED")


def test_bad_adapter_options_are_one_line(tmp_path):
    # checked against the chosen adapter's options when the config loads, before any adapter is built
    config = tmp_path / "kiosk.toml"
    config.write_text('[adapters]\nprinter = "cups"\n[options.printer]\nqueue = "KIOSK"\ncolour = true\n')
    out = kiosk("--config", str(config), "cards", env={"KIOSK_DATA_DIR": str(tmp_path / "data")})
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert "options.printer.colour" in out.stderr and "printer adapter 'cups'" in out.stderr


def test_scenarios_refuse_real_devices_in_one_line(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text('[adapters]\nprinter = "cups"\n')
    scenario = Path(__file__).parent / "scenarios" / "happy_juminhyo_self.toml"
    out = kiosk("--config", str(config), "scenario", str(scenario), env={"KIOSK_DATA_DIR": str(tmp_path / "data")})
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "printer=cups" in out.stderr
