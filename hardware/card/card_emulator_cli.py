"""``kiosk card-emulator --card NAME [--port N]``: one demo card in pcscd's vpcd reader until Ctrl-C.

Any PC/SC program then sees it as a real card: the kiosk with ``card = "pcsc"``, pcsc_scan,
OpenSC. pcscd must run with the vsmartcard reader driver (Debian: vsmartcard-vpcd, whose
reader.conf listens on 35963 for "Virtual PCD 00 00"); the card waits for it if it does not yet.
"""
from __future__ import annotations

import threading
from pathlib import Path

from hardware.card.card_file import PinTryCounter, card_path, list_demo_cards, load_demo_card
from hardware.card.emulator import JpkiCardEmulator
from hardware.card.vpcd import HOST, VpcdCard
from kiosk.config import KioskConfig


class UnknownCard(LookupError):
    """No demo card of that name; the message lists the ones there are."""


def run(config: KioskConfig, card_name: str, port: int) -> int:
    from app.provision import provision

    provision(config)  # the demo cards are made at first use, as for every other command
    emulator = _emulator(config.data_dir / "cards", card_name)
    leaving = threading.Event()

    def report(connected: bool) -> None:
        if connected:
            print(f"demo card {card_name}: in the reader on {HOST}:{port}", flush=True)
        elif not leaving.is_set():
            print(f"demo card {card_name}: the reader went away (pcscd stopped?); waiting for it", flush=True)

    card = VpcdCard(emulator, port, on_connection=report)
    try:  # from the line that offers Ctrl-C on, Ctrl-C takes the card out
        print(f"demo card {card_name}: waiting for the vpcd reader on {HOST}:{port}; Ctrl-C takes it out", flush=True)
        card.attach()
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        leaving.set()
        card.detach()
    print(f"demo card {card_name}: taken out")
    return 0


def _emulator(cards_dir: Path, name: str) -> JpkiCardEmulator:
    path = card_path(cards_dir, name)
    if Path(name).name != name or not path.is_file():
        names = ", ".join(card.name for card in list_demo_cards(cards_dir))
        raise UnknownCard(f"no demo card {name!r}; there are: {names}")
    card = load_demo_card(path)
    return JpkiCardEmulator(card, PinTryCounter(card))
