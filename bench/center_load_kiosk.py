"""Simulated kiosks for bench/center_load.py: one process driving many kiosks with grpc.aio.

Each kiosk has its own secure channel with its own client certificate (mutual TLS, the fleet's)
and runs whole sessions in a loop, as a kiosk's GrpcCenter would call the center:
CatalogSnapshot (once, at start), then per session NewChallenge, Authenticate (the demo card's
RSA-2048 signature over the fresh nonce, made here with ``cryptography`` exactly as the card
does: center/pki/signing.py), Offers (the residence municipality), Issue (the offer's
default_line of 住民票の写し), Report(PRINTED) for each document, End.

Run by bench/center_load.py, not by hand:

    python bench/center_load_kiosk.py SPEC.json RESULT.json

The process prints ``ready`` once every channel is connected, waits for ``go T0`` on stdin (T0:
wall-clock start of the warm-up, shared by all client processes), runs until T0 + warm-up +
seconds, lets sessions in flight finish, and writes its figures to RESULT.json.

Arrivals: with ``rate`` > 0 each kiosk starts sessions as a Poisson process of rate/kiosks (all
kiosks together: a Poisson stream of ``rate`` sessions/s, the open model of many independent
shops); a kiosk whose session overruns its next start begins the next one at once (it never has
two sessions at a time). ``rate`` = 0: every kiosk runs sessions back to back (closed loop).
"""
from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import grpc
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from center.api import center_pb2 as pb
from center.api import center_pb2_grpc as pb_grpc
from center.api.client import GrpcCenter  # noqa: F401  (the adapter whose calls these mirror)
from center.codec import MAX_PAYLOAD_BYTES, decode_offers, encode_lines, encode_time
from center.pki.signing import sign_challenge
from hardware.card.card_file import load_demo_card
from kiosk.clock import JST
from kiosk.kinds import CertificateKind

CALLS = ("CatalogSnapshot", "NewChallenge", "Authenticate", "Offers", "Issue", "Report", "End")
CALL_DEADLINE = 10.0  # GrpcCenter's default overall deadline
CHANNEL_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.max_receive_message_length", MAX_PAYLOAD_BYTES + (64 << 10)),
    ("grpc.max_send_message_length", MAX_PAYLOAD_BYTES + (64 << 10)),
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 2000),
]
MAX_ERROR_TEXTS = 20


@dataclass
class Card:
    name: str
    certificate_der: bytes
    key: rsa.RSAPrivateKey


def load_cards(cards_dir: Path, names: list[str]) -> list[Card]:
    cards = []
    for name in names:
        card = load_demo_card(cards_dir / f"{name}.json")
        if card.auth_certificate_der is None or card.auth_private_key_pem is None:
            raise SystemExit(f"card {name}: no auth certificate or key")
        key = load_pem_private_key(card.auth_private_key_pem, password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        cards.append(Card(name, card.auth_certificate_der, key))
    return cards


class SessionFailed(Exception):
    def __init__(self, kind: str, text: str) -> None:
        super().__init__(text)
        self.kind = kind  # e.g. "Issue:UNAVAILABLE", "Authenticate:refused"


@dataclass
class Figures:
    """What one process measured (lists of ms, counts), merged by the orchestrator."""

    window: tuple[float, float]
    sessions: list[float] = field(default_factory=list)  # latency of sessions ended in the window (ms)
    calls: dict[str, list[float]] = field(default_factory=lambda: {c: [] for c in CALLS})  # in the window
    sign_ms: list[float] = field(default_factory=list)
    sessions_total: int = 0  # every session completed, warm-up and drain included
    started_total: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    errors_in_window: int = 0  # sessions that failed having started in the window
    error_texts: list[str] = field(default_factory=list)
    issued: list[list[str]] = field(default_factory=list)  # [number, kiosk, session] for every number issued
    printed: list[str] = field(default_factory=list)  # numbers reported PRINTED (answered)

    def error(self, kind: str, text: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if self.errors[kind] <= 2 and len(self.error_texts) < MAX_ERROR_TEXTS:  # the first two of each kind
            self.error_texts.append(f"{kind}: {text}")


class Kiosk:
    def __init__(self, kiosk_id: str, address: str, ca: bytes, cert: bytes, key: bytes) -> None:
        self.kiosk_id = kiosk_id
        credentials = grpc.ssl_channel_credentials(root_certificates=ca, private_key=key, certificate_chain=cert)
        self.channel = grpc.aio.secure_channel(address, credentials, options=CHANNEL_OPTIONS)
        self.stub = pb_grpc.IssuanceCenterStub(self.channel)
        self.sessions = 0

    async def call(self, figures: Figures, name: str, request: Any, in_window: bool) -> Any:
        started = time.perf_counter()
        try:
            reply = await getattr(self.stub, name)(request, timeout=CALL_DEADLINE, wait_for_ready=True)
        except grpc.aio.AioRpcError as exc:
            raise SessionFailed(f"{name}:{exc.code().name}", exc.details() or "") from None
        if in_window:
            figures.calls[name].append((time.perf_counter() - started) * 1000)
        return reply

    async def session(self, figures: Figures, card: Card, in_window: bool) -> list[str]:
        """One whole session; returns the numbers issued (all reported PRINTED)."""
        self.sessions += 1
        session_id = f"S{self.sessions:06d}"
        challenge = await self.call(figures, "NewChallenge", pb.NewChallengeRequest(), in_window)
        signed_at = time.perf_counter()
        signature = sign_challenge(card.key, challenge.nonce)
        if in_window:
            figures.sign_ms.append((time.perf_counter() - signed_at) * 1000)
        auth = await self.call(figures, "Authenticate", pb.AuthenticateRequest(
            certificate_der=card.certificate_der, challenge_id=challenge.challenge_id, signature=signature), in_window)
        if auth.WhichOneof("result") != "identity":
            raise SessionFailed("Authenticate:refused", f"{card.name}: {auth.refused}")
        handle = auth.identity.handle
        residence = [m.code for m in auth.identity.municipalities if m.role == "residence" and not m.HasField("refusal")]
        if not residence:
            raise SessionFailed("Authenticate:no-residence", f"{card.name}: no residence municipality open")
        now = encode_time(datetime.now(JST))
        offers_reply = await self.call(figures, "Offers", pb.OffersRequest(
            handle=handle, municipality_code=residence[0], at=now), in_window)
        offer = next((o for o in decode_offers(offers_reply.offers) if o.kind is CertificateKind.JUMINHYO), None)
        if offer is None or offer.refusal is not None or offer.default_line is None:
            why = "not offered" if offer is None else (offer.refusal.reason.value if offer.refusal else "no default line")
            raise SessionFailed("Offers:no-juminhyo", f"{card.name}: 住民票の写し {why}")
        issued = await self.call(figures, "Issue", pb.IssueRequest(
            handle=handle, session_id=session_id, lines=encode_lines((offer.default_line,)),
            at=encode_time(datetime.now(JST))), in_window)
        if issued.WhichOneof("result") != "documents":
            raise SessionFailed("Issue:refused", f"{card.name}: {issued.refused.reason} {issued.refused.detail}")
        numbers = list(issued.issue_numbers)
        if not numbers:
            raise SessionFailed("Issue:empty", f"{card.name}: no issue numbers")
        for number in numbers:
            figures.issued.append([number, self.kiosk_id, session_id])
        for number in numbers:
            await self.call(figures, "Report", pb.ReportRequest(
                session_id=session_id, issue_number=number, outcome=pb.PRINTED), in_window)
            figures.printed.append(number)
        await self.call(figures, "End", pb.EndRequest(handle=handle), in_window)
        return numbers


async def run_kiosk(kiosk: Kiosk, figures: Figures, cards: list[Card], index: int, *, t0: float, warmup: float,
                    end: float, rate_per_kiosk: float, catalog: bool, seed: int) -> None:
    rng = random.Random(seed * 1_000_003 + index)
    window_start = t0 + warmup
    if catalog:  # once, at a random moment of the first half of the warm-up (kiosks do not all boot at once)
        await asyncio.sleep(max(0.0, t0 + rng.uniform(0, warmup / 2) - time.time()))
        try:
            await kiosk.call(figures, "CatalogSnapshot", pb.CatalogRequest(), False)
        except SessionFailed as exc:
            figures.error(exc.kind, str(exc))
    # first start: Poisson from t0 (or spread over the first second in the closed loop)
    next_start = max(time.time(), t0 + (rng.expovariate(rate_per_kiosk) if rate_per_kiosk > 0 else rng.uniform(0, 1.0)))
    while next_start < end:
        delay = next_start - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        card = cards[(index + kiosk.sessions) % len(cards)]
        started_wall = time.time()
        started = time.perf_counter()
        in_window = started_wall >= window_start
        figures.started_total += 1
        try:
            await kiosk.session(figures, card, in_window)
        except SessionFailed as exc:
            figures.error(exc.kind, str(exc))
            figures.errors_in_window += in_window
        except Exception as exc:  # noqa: BLE001 - a bench counts every failure
            figures.error(f"client:{type(exc).__name__}", str(exc))
            figures.errors_in_window += in_window
        else:
            figures.sessions_total += 1
            ended_wall = time.time()
            if window_start <= ended_wall < end:
                figures.sessions.append((time.perf_counter() - started) * 1000)
        now = time.time()
        if rate_per_kiosk > 0:
            next_start = max(next_start + rng.expovariate(rate_per_kiosk), now)
        else:
            next_start = now


async def connect(kiosks: list[Kiosk]) -> None:
    await asyncio.wait_for(asyncio.gather(*(k.channel.channel_ready() for k in kiosks)), timeout=120)


async def main_async(spec: dict[str, Any], result_path: Path) -> None:
    cards = load_cards(Path(spec["cards_dir"]), spec["cards"])
    ca = Path(spec["ca"]).read_bytes()
    kiosks = []
    for kiosk_id, kiosk_dir, address in spec["kiosks"]:
        d = Path(kiosk_dir)
        kiosks.append(Kiosk(kiosk_id, address, ca, (d / "kiosk.pem").read_bytes(), (d / "kiosk.key").read_bytes()))
    await connect(kiosks)
    print("ready", flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    if not line.startswith("go "):
        raise SystemExit("no go")
    t0 = float(line.split()[1])
    warmup, seconds = float(spec["warmup"]), float(spec["seconds"])
    end = t0 + warmup + seconds
    figures = Figures(window=(t0 + warmup, end))
    total_kiosks = int(spec["total_kiosks"])
    rate_per_kiosk = float(spec["rate"]) / total_kiosks if spec["rate"] > 0 else 0.0
    cpu: dict[str, float] = {}

    async def cpu_marks() -> None:
        await asyncio.sleep(max(0.0, t0 + warmup - time.time()))
        cpu["start"] = time.process_time()
        await asyncio.sleep(max(0.0, end - time.time()))
        cpu["end"] = time.process_time()

    marks = asyncio.create_task(cpu_marks())
    await asyncio.gather(*(
        run_kiosk(k, figures, cards, int(spec["first_index"]) + i, t0=t0, warmup=warmup, end=end,
                  rate_per_kiosk=rate_per_kiosk, catalog=bool(spec["catalog"]), seed=int(spec["seed"]))
        for i, k in enumerate(kiosks)
    ))
    await marks
    await asyncio.gather(*(k.channel.close() for k in kiosks))
    out = {
        "window": figures.window, "sessions": figures.sessions, "calls": figures.calls, "sign_ms": figures.sign_ms,
        "sessions_total": figures.sessions_total, "started_total": figures.started_total, "errors": figures.errors,
        "errors_in_window": figures.errors_in_window,
        "error_texts": figures.error_texts, "issued": figures.issued, "printed": figures.printed,
        "cpu_seconds": cpu.get("end", 0.0) - cpu.get("start", 0.0),
    }
    result_path.write_text(json.dumps(out))


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[1]).read_text())
    asyncio.run(main_async(spec, Path(argv[2])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
