"""A kiosk of a real center keeps no resident data: whole sessions over the network, then every
name, address and 個人番号 of the demo registry is searched for in the kiosk's data directory, in
every file, as UTF-8 and as the other encodings a file might hold it in. None is there.

The paper (the folder printer's PDFs) and the demo cards (the residents' own cards, handed to the
simulated reader) are kept outside the data directory, as they are outside a real kiosk."""
from __future__ import annotations

import dataclasses
import shutil

from center_kit import NOW, fleet, grpc_options, served, with_grpc_center  # noqa: F401  (fixtures)

from app.bootstrap import build_kiosk
from app.provision import DEMO_REFERENCE_TIME
from center.registry.demo_loader import load_demo_population
from kiosk import events as ev
from kiosk.clock import ManualClock
from kiosk.kinds import CertificateKind
from kiosk.pin import Pin
from kiosk.session_view import Screen
from kiosk.shuffle import ShufflingExecutor


def _personal(config) -> set[str]:
    """What must never rest on the kiosk: every resident's name, address and 個人番号."""
    words: set[str] = set()
    for r in load_demo_population(config.demo_residents).residents:
        family, given = r.name.family, r.name.given
        # a full name in the ways it is written; a given name alone is no one's (the mayor is 一郎 too)
        words |= {f"{family}{given}", f"{family}　{given}", f"{family} {given}", r.address, r.my_number}
    return {w for w in words if w and len(w) >= 3}


def _session(k, card: str, pin: str, kind: CertificateKind) -> None:
    def settle() -> None:
        k.runtime.post(ev.Tick(k.test_clock.now()))
        k.executor.drain()

    k.card.insert(card)
    settle()
    k.runtime.post(ev.PinEntered(Pin(pin)))
    settle()
    k.card.remove()
    settle()
    k.runtime.post(ev.KindChosen(kind))
    k.runtime.post(ev.OrderConfirmed())
    settle()
    assert k.flow.screen is Screen.PAYMENT, k.flow.view().notice
    for _ in range(10):
        k.cash.insert(100)
    settle()
    while k.flow.screen is Screen.PRINTING:
        k.test_clock.advance(1)
        settle()
    k.runtime.post(ev.FinishTouched())
    settle()


def test_a_kiosk_of_the_network_center_keeps_no_resident_data(served, fleet, kiosk_config, provisioned_dir, tmp_path):
    data = tmp_path / "kiosk"
    shutil.copytree(provisioned_dir / "pki" / "seals", data / "pki" / "seals")  # the seal keys the kiosk signs with
    paper, cards = tmp_path / "paper", tmp_path / "cards"
    shutil.copytree(provisioned_dir / "cards", cards)
    config = with_grpc_center(dataclasses.replace(kiosk_config, data_dir=data),
                              grpc_options(served.address, fleet.kiosks["DEMO-0001"]))
    config = dataclasses.replace(config, adapter_options={
        **config.adapter_options, "card": {"cards_dir": str(cards)}, "printer": {"directory": str(paper)}})
    executor, clock = ShufflingExecutor(None), ManualClock(DEMO_REFERENCE_TIME)
    k = build_kiosk(config, clock=clock, executor=executor)
    k.executor, k.test_clock = executor, clock
    k.start()
    try:
        _session(k, "sato-ichiro", "4721", CertificateKind.JUMINHYO)
        _session(k, "sato-ichiro", "4721", CertificateKind.TAX_SHOTOKU)
    finally:
        k.close()
    assert len(list(paper.glob("*.pdf"))) >= 2  # the sessions printed: the check below is not of an idle kiosk
    assert not (data / "center.sqlite").exists() and not (data / "cards").exists()
    words = _personal(config)
    assert words
    found = []
    for path in sorted(p for p in data.rglob("*") if p.is_file()):
        blob = path.read_bytes()
        for word in words:
            if any(word.encode(enc, "ignore") in blob for enc in ("utf-8", "utf-16-le", "shift_jis", "euc_jp")):
                found.append(f"{path.relative_to(data)}: {word[:1]}…")
    assert not found, found
