"""Sample certificates of every kind, issued for demo residents through the real center and
renderer: a simulated card signs the center's challenge with its demo PIN, the center checks
eligibility and builds the document data, the renderer prints it.

Runs on a private copy of the data directory (same keys, so the samples verify), so the
kiosk's journal and 発行番号 sequence are not touched.
"""
from __future__ import annotations

import dataclasses
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.bootstrap import build_kiosk
from kiosk.clock import JST, ManualClock
from kiosk.config import AdapterChoice, KioskConfig
from kiosk.documents import CertificateDocument
from kiosk.kinds import CertificateKind
from kiosk.pin import Pin
from kiosk.ports.card import CardProbe, Signed
from kiosk.ports.center import Identity, Issued
from app.provision import copy_provisioned, demo_cards, provision
from printing.renderer import ReportlabRenderer
from printing.security.signer import SealSigner

ISSUED_AT = datetime(2026, 11, 25, 10, 0, tzinfo=JST)  # a Wednesday morning: every kind is open


class SampleError(RuntimeError):
    pass


@dataclass(frozen=True)
class SampleOrder:
    file: str
    card: str
    kind: CertificateKind
    municipality: str
    whole_household: bool = False
    options: tuple[tuple[str, object], ...] = ()
    per_person: bool = False  # 住民票 one person per sheet


SAMPLES = (
    SampleOrder("juminhyo.pdf", "sato-ichiro", CertificateKind.JUMINHYO, "990001", whole_household=True,
                options=(("honseki_and_hittousha", True),)),
    SampleOrder("juminhyo-per-person.pdf", "sato-ichiro", CertificateKind.JUMINHYO, "990001",
                whole_household=True, per_person=True),
    SampleOrder("juminhyo-foreign.pdf", "silva-rafael", CertificateKind.JUMINHYO, "990001"),
    SampleOrder("juminhyo_kisai.pdf", "sato-ichiro", CertificateKind.JUMINHYO_KISAI, "990001"),
    SampleOrder("inkan.pdf", "takahashi-masao", CertificateKind.INKAN, "990001"),
    SampleOrder("tax_shotoku.pdf", "sato-ichiro", CertificateKind.TAX_SHOTOKU, "990001"),
    SampleOrder("tax_hikazei.pdf", "sato-hanako", CertificateKind.TAX_HIKAZEI, "990001"),
    SampleOrder("koseki_zenbu.pdf", "takahashi-masao", CertificateKind.KOSEKI_ZENBU, "990001"),
    SampleOrder("koseki_kojin.pdf", "sato-ichiro", CertificateKind.KOSEKI_KOJIN, "990001"),
    SampleOrder("fuhyo.pdf", "watanabe-misaki", CertificateKind.FUHYO, "990003"),
)


def write_samples(config: KioskConfig, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for order, (_, pdf) in zip(SAMPLES, issue_samples(config, two_sided=config.printing.two_sided)):
        path = out_dir / order.file
        path.write_bytes(pdf)
        written.append(path)
    return written


def issue_samples(config: KioskConfig, *, two_sided: bool = False) -> list[tuple[CertificateDocument, bytes]]:
    """(document data, PDF) for each of ``SAMPLES``, in order; ``two_sided``: each front followed
    by its back, as a kiosk printing two-sided renders them (``write_samples`` follows the config)."""
    provision(config)
    issued = []
    with tempfile.TemporaryDirectory(prefix="kiosk-samples-") as scratch:
        data_dir = Path(scratch) / "data"
        copy_provisioned(config.data_dir, data_dir)
        private = dataclasses.replace(
            config, data_dir=data_dir, adapters=dataclasses.replace(AdapterChoice(), renderer="reportlab"),
        )
        kiosk = build_kiosk(private, clock=ManualClock(ISSUED_AT))
        try:
            pins = {card.name: card.effective_pin for card in demo_cards(config)}
            for order in SAMPLES:
                document = _issue(kiosk, order, pins[order.card])
                renderer = ReportlabRenderer(
                    SealSigner(data_dir),
                    per_person_juminhyo=frozenset({order.municipality} if order.per_person else ()),
                    two_sided=two_sided,
                )
                issued.append((document, renderer.render(document)))
        finally:
            kiosk.close()
    return issued


def _issue(kiosk, order: SampleOrder, pin: str) -> CertificateDocument:
    identity = _authenticate(kiosk, order.card, pin)
    try:
        offer = next((o for o in kiosk.center.offers(identity, order.municipality, ISSUED_AT) if o.kind is order.kind), None)
        if offer is None or offer.default_line is None:
            raise SampleError(f"{order.card}: {order.kind.value} not offered at {order.municipality}"
                              + (f" ({offer.refusal})" if offer else ""))
        changes = dict(order.options)
        if order.whole_household:
            changes["members"] = tuple(member.resident_ref for member in offer.household)
        line = offer.default_line.with_options(**changes)
        result = kiosk.center.issue(identity, secrets.token_hex(16), (line,), ISSUED_AT)
        if not isinstance(result, Issued):
            raise SampleError(f"{order.card}: {order.kind.value} refused: {result.refusal}")
        return result.documents[0]
    finally:
        kiosk.center.end(identity)


def _authenticate(kiosk, card_name: str, pin: str) -> Identity:
    kiosk.card.insert(card_name)
    probe = kiosk.card.probe()
    if not isinstance(probe, CardProbe) or probe.certificate_der is None:
        raise SampleError(f"{card_name}: the card cannot be read ({probe})")
    challenge = kiosk.center.new_challenge()
    signed = kiosk.card.verify_and_sign(Pin(pin), challenge.nonce)
    if not isinstance(signed, Signed):
        raise SampleError(f"{card_name}: the card did not sign ({type(signed).__name__})")
    identity = kiosk.center.authenticate(probe.certificate_der, challenge.challenge_id, signed.signature)
    if not isinstance(identity, Identity):
        raise SampleError(f"{card_name}: not authenticated ({identity.reason.value})")
    kiosk.card.remove()
    return identity
