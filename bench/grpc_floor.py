"""The floor under bench/center_load.py: what a center call costs on this machine when the center
does nothing, and what that leaves for sessions.

    .venv/bin/python bench/grpc_floor.py [--channels 48] [--seconds 8] [--rounds 3]

It serves the real gRPC server (center.api.server.serve: mutual TLS with the fleet's
certificates, the kiosk-id and revocation checks of every call) in front of an IssuanceCenter
that answers NewChallenge at once from memory (no database, no rules), and drives it from one
grpc.aio client process with ``--channels`` kiosks (own certificate and channel each), back to
back, like bench/center_load_kiosk.py. Per round it measures the CPU seconds of the server and
of the client processes per call; it also times the card signature (RSA-2048 PKCS#1 v1.5 with
SHA-256, cryptography) the simulated kiosks make once a session.

The last lines are the medians over the rounds and the ceiling they imply: a session makes
``CALLS_PER_SESSION`` calls and one signature; with nothing else running, the machine's cores
carry at most ``cores / (calls x (client + server) + signature)`` sessions/s. Everything the
center really does (database, rules, PostgreSQL) comes on top.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

# NewChallenge, Authenticate, Offers, Issue, Report, End (bench/center_load_kiosk.py)
CALLS_PER_SESSION = 6


def serve_empty(fleet_dir: Path, port: int) -> None:
    """The server half (a child process): the real servicer over a center that does nothing."""
    from center.api.server import ServerTls, serve
    from kiosk.ports.center import Challenge

    class EmptyCenter:
        def new_challenge(self) -> Challenge:
            return Challenge("0" * 32, b"\0" * 32, datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=2))

    server = serve(EmptyCenter(), f"127.0.0.1:{port}", ServerTls.from_fleet(fleet_dir))  # type: ignore[arg-type]
    print("ready", flush=True)
    sys.stdin.read()  # until the parent closes it
    server.stop(0)


async def drive(address: str, kiosk_dirs: list[Path], ca: bytes, seconds: float) -> tuple[int, float]:
    import grpc

    from center.api import center_pb2 as pb
    from center.api import center_pb2_grpc as pb_grpc

    stubs = []
    for directory in kiosk_dirs:
        credentials = grpc.ssl_channel_credentials(ca, (directory / "kiosk.key").read_bytes(),
                                                   (directory / "kiosk.pem").read_bytes())
        stubs.append(pb_grpc.IssuanceCenterStub(grpc.aio.secure_channel(address, credentials)))
    await asyncio.gather(*(s.NewChallenge(pb.NewChallengeRequest(), timeout=30, wait_for_ready=True)
                           for s in stubs))  # every handshake done before the window
    calls = 0
    end = time.monotonic() + seconds

    async def loop(stub: pb_grpc.IssuanceCenterStub) -> None:
        nonlocal calls
        while time.monotonic() < end:
            await stub.NewChallenge(pb.NewChallengeRequest(), timeout=10)
            calls += 1

    cpu0 = time.process_time()
    await asyncio.gather(*(loop(s) for s in stubs))
    return calls, time.process_time() - cpu0


def signature_us(samples: int = 300) -> float:
    from cryptography.hazmat.primitives.asymmetric import rsa

    from center.pki.signing import sign_challenge

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    times = []
    for _ in range(samples):
        nonce = os.urandom(32)
        started = time.perf_counter()
        sign_challenge(key, nonce)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--channels", type=int, default=48,
                   help="kiosks, back to back (the server refuses past 64 calls at once: 4 x its 16 workers)")
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "konbini-center-load"))
    p.add_argument("--serve", nargs=2, metavar=("FLEET_DIR", "PORT"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.serve:
        serve_empty(Path(args.serve[0]), int(args.serve[1]))
        return 0

    from center_load import _free_port, cpu_seconds, make_fleet

    fleet_dir, kiosks = make_fleet(Path(args.cache), args.channels)
    port = _free_port(37600)
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(fleet_dir), str(port)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO)
    try:
        assert server.stdout is not None
        if server.stdout.readline().strip() != b"ready":
            raise SystemExit("the server did not start")
        ca = (fleet_dir / "ca.pem").read_bytes()
        client_us, server_us, rates = [], [], []
        for round_ in range(args.rounds):
            server0 = cpu_seconds(server.pid)
            started = time.monotonic()
            calls, client_cpu = asyncio.run(
                drive(f"127.0.0.1:{port}", [d for _, d in kiosks], ca, args.seconds))
            wall = time.monotonic() - started
            server_cpu = cpu_seconds(server.pid) - server0
            client_us.append(client_cpu / calls * 1e6)
            server_us.append(server_cpu / calls * 1e6)
            rates.append(calls / wall)
            print(f"round {round_ + 1}: {calls} calls, {calls / wall:.0f}/s, CPU per call: client "
                  f"{client_us[-1]:.0f} us, server {server_us[-1]:.0f} us", flush=True)
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(10)
    sign = signature_us()
    cores = os.cpu_count() or 1
    per_call = statistics.median(client_us) + statistics.median(server_us)
    session_ms = (CALLS_PER_SESSION * per_call + sign) / 1000
    print(f"empty call over mutual TLS (median of {args.rounds}): client {statistics.median(client_us):.0f} us, "
          f"server {statistics.median(server_us):.0f} us CPU, {statistics.median(rates):.0f} calls/s")
    print(f"card signature (RSA-2048, median): {sign:.0f} us")
    print(f"floor per session ({CALLS_PER_SESSION} calls + 1 signature): {session_ms:.2f} ms CPU; "
          f"{cores} cores carry at most {cores / session_ms * 1000:.0f} sessions/s with no center work at all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
