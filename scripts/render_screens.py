"""Render every kiosk screen, in Japanese and English, to PNG under docs/screens/.

    .venv/bin/python scripts/render_screens.py [--out docs/screens]

Sessions run through the real flow and the simulated devices (offscreen Qt, a ManualClock);
the screens that only wait on a device (reading, authenticating, issuing, printing) pass in a
blink, so they are drawn from a SessionView like the one the flow gives there.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication  # noqa: E402

from kiosk.clock import JST, ManualClock  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.ports.printer import PrinterState  # noqa: E402
from kiosk.provision import copy_provisioned, provision  # noqa: E402
from kiosk.session_view import Screen, SessionView  # noqa: E402
from ui.autopilot import Autopilot  # noqa: E402
from ui.shell import KioskShell  # noqa: E402

OPEN = datetime(2026, 11, 25, 10, 0, tzinfo=JST)
NIGHT = datetime(2026, 11, 25, 23, 30, tzinfo=JST)


class Renderer:
    def __init__(self, out: Path, work: Path) -> None:
        self.out, self.work = out, work
        self.base = work / "provisioned"
        provision(dataclasses.replace(load_config(), data_dir=self.base))
        self.count = 0

    def kiosk(self, language: str, start: datetime = OPEN, size=(1280, 1024)):
        self.count += 1
        data = self.work / f"run-{self.count}"
        copy_provisioned(self.base, data)
        clock = ManualClock(start)
        shell = KioskShell(dataclasses.replace(load_config(), data_dir=data), clock, size=size, tick=False)
        shell.window.show()
        shell.set_language(language)
        shell.start()
        pilot = Autopilot(shell, None, clock, self.out, shell.window.grab)
        pilot.settle()
        return shell, pilot

    def save(self, shell, name: str, language: str, view: SessionView | None = None) -> None:
        if view is not None:
            shell.window.show_view(view)
        QApplication.processEvents()
        folder = self.out / language
        folder.mkdir(parents=True, exist_ok=True)
        shell.window.grab().save(str(folder / f"{name}.png"))
        if view is not None:
            shell.window.refresh()  # back to what the flow really shows


def card(shell, pilot, name: str) -> None:
    shell.device("card", lambda: shell.kiosk.card.insert(name))
    pilot.settle()


def pull(shell, pilot) -> None:
    shell.device("card", shell.kiosk.card.remove)
    pilot.settle()


def coins(shell, pilot, *amounts: int) -> None:
    for amount in amounts:
        shell.device("cash", lambda a=amount: shell.kiosk.cash.insert(a))
    pilot.settle()


def to_order(shell, pilot, kind: str = "juminhyo") -> None:
    card(shell, pilot, "sato-ichiro")
    pilot.act("pin", "4721")
    pilot.settle()
    pull(shell, pilot)
    pilot.touch(f"kind_{kind}")
    pilot.settle()


def render_language(r: Renderer, lang: str) -> None:
    shell, pilot = r.kiosk(lang)
    r.save(shell, "01-attract", lang)
    pilot.touch("language")
    r.save(shell, "02-language-picker", lang)
    pilot.touch("language")
    pilot.touch("start")
    pilot.settle()
    r.save(shell, "04-set-card", lang)
    r.save(shell, "05-reading-card", lang, SessionView(Screen.READING_CARD, session_id="x", card_present=True))
    card(shell, pilot, "sato-ichiro")
    for digit in "47":
        pilot.touch(f"pin_key_{digit}")
    r.save(shell, "06-pin", lang)
    pilot.touch("pin_clear")
    pilot.act("pin", "0000")
    pilot.settle()
    pilot.act("pin", "1111")
    pilot.settle()
    r.save(shell, "07-pin-warning", lang)
    r.save(shell, "08-authenticating", lang, SessionView(Screen.AUTHENTICATING, session_id="x", card_present=True))
    pilot.act("pin", "4721")
    pilot.settle()
    r.save(shell, "09-remove-card", lang)
    pull(shell, pilot)
    r.save(shell, "11-kind", lang)
    pilot.touch("kind_juminhyo")
    pilot.settle()
    r.save(shell, "12-order", lang)
    pilot.touch("details")
    r.save(shell, "13-order-details", lang)
    pilot.touch("details")
    pilot.touch("add_kind")
    pilot.settle()
    pilot.touch("kind_tax_shotoku")
    pilot.settle()
    r.save(shell, "14-order-two-kinds", lang)
    view = shell.kiosk.flow.view()
    r.save(shell, "15-issuing", lang, replace(view, screen=Screen.ISSUING))
    pilot.touch("confirm")
    pilot.settle()
    coins(shell, pilot, 100, 5000)
    r.save(shell, "16-payment", lang)
    r.save(shell, "17-printing", lang, SessionView(Screen.PRINTING, session_id="x", pages_total=2, pages_done=1))
    pilot.wait(shell.kiosk.flow.view().idle_warning_at.timestamp() - shell.clock.now().timestamp() + 1)
    r.save(shell, "18-idle-question", lang)
    pilot.touch("still_here")
    coins(shell, pilot, 1000)
    r.save(shell, "19-done", lang)
    shell.close()

    shell, pilot = r.kiosk(lang, start=NIGHT)
    r.save(shell, "03-attract-closed", lang)
    shell.close()

    shell, pilot = r.kiosk(lang)
    card(shell, pilot, "watanabe-misaki")
    pilot.act("pin", "2580")
    pilot.settle()
    pull(shell, pilot)
    r.save(shell, "10-municipality", lang)
    shell.close()

    shell, pilot = r.kiosk(lang)
    to_order(shell, pilot)
    pilot.touch("confirm")
    pilot.settle()
    shell.device("printer", lambda: shell.kiosk.printer.set_fault(PrinterState.JAM))
    coins(shell, pilot, 500)
    r.save(shell, "20-done-print-failed", lang)
    shell.close()

    shell, pilot = r.kiosk(lang)
    to_order(shell, pilot, "inkan")
    pilot.touch("confirm")
    pilot.settle()
    coins(shell, pilot, 100, 100)
    pilot.touch("cancel")
    pilot.settle()
    r.save(shell, "21-notice-cash-returned", lang)
    shell.close()

    shell, pilot = r.kiosk(lang)
    card(shell, pilot, "yamasaki-isamu")
    r.save(shell, "22-notice-pin-locked", lang)
    shell.close()

    shell, pilot = r.kiosk(lang)
    card(shell, pilot, "kobayashi-aya")
    pilot.act("pin", "5173")
    pilot.settle()
    pull(shell, pilot)
    r.save(shell, "23-notice-refused", lang)
    shell.close()

    shell, pilot = r.kiosk(lang)
    shell.set_in_service(False)
    r.save(shell, "24-out-of-service", lang)
    shell.window.open_operator()
    r.save(shell, "25-operator-sign-in", lang)
    for digit in "135790":
        pilot.touch(f"pin_key_{digit}")
    pilot.touch("pin_ok")
    pilot.settle()
    r.save(shell, "26-operator", lang)
    shell.close()


def render_sizes(r: Renderer) -> None:
    for size in ((1920, 1080), (1080, 1920)):
        shell, pilot = r.kiosk("ja", size=size)
        r.save(shell, f"attract-{size[0]}x{size[1]}", "sizes")
        card(shell, pilot, "sato-ichiro")
        r.save(shell, f"pin-{size[0]}x{size[1]}", "sizes")
        pilot.act("pin", "4721")
        pilot.settle()
        pull(shell, pilot)
        r.save(shell, f"kind-{size[0]}x{size[1]}", "sizes")
        pilot.touch("kind_juminhyo")
        pilot.settle()
        pilot.touch("details")
        r.save(shell, f"order-{size[0]}x{size[1]}", "sizes")
        shell.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs" / "screens")
    args = parser.parse_args()
    _app = QApplication.instance() or QApplication([])  # kept alive for the widgets
    with tempfile.TemporaryDirectory() as work:
        r = Renderer(args.out, Path(work))
        for lang in ("ja", "en"):
            render_language(r, lang)
        render_sizes(r)
    print(f"screens in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
