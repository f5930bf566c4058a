"""APDUs and bytes for one card authentication, ours against OpenSC's, on the same emulated card.

    sudo .venv/bin/python bench/apdu.py [--rounds N]

Starts a private pcscd with a vpcd reader (it needs root and no other pcscd running), puts the
demo card sato-ichiro in it as a vpcd client, and counts at the card, so both clients are
measured at the same place:

- ours: card set -> tries left -> certificate -> VERIFY -> signature, through PcscCardReader;
- OpenSC: login with the auth PIN and a SHA-256 signature with the auth key, once through
  pkcs15-crypt and once through pkcs11-tool (each a fresh process, as a program would run it).

Then the median time per APDU through pcscd, and of our probe and our VERIFY + signature.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from pcscd_fixture import PrivatePcscd, poll  # noqa: E402  (the tests' pcscd, reused)

from hardware.card.card_file import PinTryCounter, card_path, load_demo_card  # noqa: E402
from hardware.card.digest_info import sha256_digest_info  # noqa: E402
from hardware.card.emulator import JpkiCardEmulator  # noqa: E402
from hardware.card.pcsc import PcscCardReader  # noqa: E402
from hardware.card.vpcd import Traffic, VpcdCard  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.pin import Pin  # noqa: E402
from kiosk.ports.card import CardProbe, Signed  # noqa: E402
from app.provision import provision  # noqa: E402

CARD = "sato-ichiro"
PIN = "4721"  # the demo card's published demo PIN (assets/demo/cards.toml)
CHALLENGE = bytes(range(32))
OPENSC_PKCS11 = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
SEEN_SECONDS = 10.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=200, help="APDUs timed for the per-APDU median")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-apdu-") as work:
        work_dir = Path(work)
        config = dataclasses.replace(load_config(), data_dir=work_dir / "data")
        provision(config)
        cards_dir = config.data_dir / "cards"
        daemon = PrivatePcscd(work_dir)
        daemon.start()
        try:
            ours, probe_s, sign_s = _ours(daemon, cards_dir)
            pkcs15 = _opensc(daemon, cards_dir, _pkcs15_crypt(daemon.reader, work_dir), work_dir / "sig15.bin")
            pkcs11 = _opensc(daemon, cards_dir, _pkcs11_tool(work_dir), work_dir / "sig11.bin")
            small, chunk = _apdu_times(daemon, cards_dir, args.rounds)
            emulator_s = _emulator_sign_seconds(cards_dir)
        finally:
            daemon.stop()
    print("card set -> tries left -> certificate -> VERIFY -> signature, counted at the card "
          "(every signature checked against the certificate)")
    print(f"{'client':<34}{'APDUs':>7}{'bytes to card':>15}{'bytes from card':>17}{'total bytes':>13}")
    for name, traffic in (("ours (PcscCardReader)", ours), ("OpenSC pkcs15-crypt --sign", pkcs15),
                          ("OpenSC pkcs11-tool --login --sign", pkcs11)):
        total = traffic.command_bytes + traffic.response_bytes
        print(f"{name:<34}{traffic.apdus:>7}{traffic.command_bytes:>15}{traffic.response_bytes:>17}{total:>13}")
    for name, theirs in (("pkcs15-crypt", pkcs15), ("pkcs11-tool", pkcs11)):
        print(f"ours / {name}: {ours.apdus / theirs.apdus:.2f} in APDUs, "
              f"{_bytes(ours) / _bytes(theirs):.2f} in bytes (goal: <= 1)")
    print("(pkcs15-crypt reads no certificate at all; ours reads the auth certificate, which the center needs)")
    print(f"median per APDU through pcscd ({args.rounds} each): SELECT EF {small * 1e6:.0f} us, "
          f"READ BINARY of 256 bytes {chunk * 1e6:.0f} us")
    print(f"ours, median of 10: probe {probe_s * 1e3:.1f} ms, VERIFY + signature {sign_s * 1e3:.1f} ms "
          f"(the emulator's pure-Python RSA alone, in-process: {emulator_s * 1e3:.1f} ms)")
    return 0


def _bytes(traffic: Traffic) -> int:
    return traffic.command_bytes + traffic.response_bytes


def _attach(daemon: PrivatePcscd, cards_dir: Path) -> VpcdCard:
    card = load_demo_card(card_path(cards_dir, CARD))
    vpcd_card = VpcdCard(JpkiCardEmulator(card, PinTryCounter(card)), daemon.port)
    vpcd_card.attach()
    poll(daemon.has_card, SEEN_SECONDS, "pcscd to see the card")
    return vpcd_card


def _detach(daemon: PrivatePcscd, card: VpcdCard) -> None:
    card.detach()
    daemon.wait_slot_empty()


def _ours(daemon: PrivatePcscd, cards_dir: Path) -> tuple[Traffic, float, float]:
    card = _attach(daemon, cards_dir)
    reader = PcscCardReader(daemon.reader)
    reader.start()  # the card is already there: reported as set at start
    try:
        assert reader.card_present(), "the reader did not see the card"
        assert isinstance(reader.probe(), CardProbe)
        signed = reader.verify_and_sign(Pin(PIN), CHALLENGE)
        counted = card.traffic
        _check_signature(cards_dir, signed.signature)
        probes, signs = [], []
        for _ in range(10):
            start = time.perf_counter()
            reader.probe()
            probes.append(time.perf_counter() - start)
            start = time.perf_counter()
            assert isinstance(reader.verify_and_sign(Pin(PIN), CHALLENGE), Signed)
            signs.append(time.perf_counter() - start)
    finally:
        reader.stop()
        _detach(daemon, card)
    return counted, statistics.median(probes), statistics.median(signs)


def _pkcs15_crypt(reader: str, work_dir: Path) -> list[str]:
    digest = work_dir / "digest.bin"
    digest.write_bytes(hashlib.sha256(CHALLENGE).digest())
    return ["pkcs15-crypt", "--reader", reader, "--sign", "--key", "01", "--pin", PIN, "--sha-256", "--pkcs1",
            "--input", str(digest), "--output"]


def _pkcs11_tool(work_dir: Path) -> list[str]:
    message = work_dir / "challenge.bin"
    message.write_bytes(CHALLENGE)
    return ["pkcs11-tool", "--module", OPENSC_PKCS11, "--login", "--pin", PIN, "--sign", "--id", "01",
            "--mechanism", "SHA256-RSA-PKCS", "--input-file", str(message),
            "--output-file"]


def _opensc(daemon: PrivatePcscd, cards_dir: Path, command: list[str], signature: Path) -> Traffic:
    """One OpenSC run on a freshly set card; its signature must verify, or the count means nothing."""
    card = _attach(daemon, cards_dir)
    try:
        result = subprocess.run([*command, str(signature)], capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise SystemExit(f"{command[0]} failed: {result.stderr.strip()[-300:]}")
        _check_signature(cards_dir, signature.read_bytes())
        return card.traffic
    finally:
        _detach(daemon, card)


def _check_signature(cards_dir: Path, signature: bytes) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    certificate = x509.load_der_x509_certificate(load_demo_card(card_path(cards_dir, CARD)).auth_certificate_der)
    certificate.public_key().verify(signature, CHALLENGE, padding.PKCS1v15(), hashes.SHA256())  # raises if not


def _emulator_sign_seconds(cards_dir: Path) -> float:
    """The card's share of the signature: the same commands straight into the emulator."""
    card = load_demo_card(card_path(cards_dir, CARD))
    emulator = JpkiCardEmulator(card, PinTryCounter(card))
    emulator.power_on()
    for command in ("00A4040C0AD392F000260100000001", "00A4020C020018", "0020008004" + PIN.encode().hex(),
                    "00A4020C020017"):
        emulator.process(bytes.fromhex(command))
    sign = bytes.fromhex("802A008033") + sha256_digest_info(CHALLENGE) + b"\0"
    times = []
    for _ in range(10):
        start = time.perf_counter()
        assert emulator.process(sign)[-2:] == b"\x90\x00"
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _apdu_times(daemon: PrivatePcscd, cards_dir: Path, rounds: int) -> tuple[float, float]:
    from smartcard import scard

    from hardware.card.pcsc_transport import PcscTransport

    card = _attach(daemon, cards_dir)
    _, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    try:
        _, handle, protocol = scard.SCardConnect(context, daemon.reader, scard.SCARD_SHARE_SHARED,
                                                 scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        transport = PcscTransport(handle, protocol)
        transport.transmit(bytes.fromhex("00A4040C0AD392F000260100000001"))
        select = bytes.fromhex("00A4020C02000A")
        read = bytes.fromhex("00B0000000")
        times = {select: [], read: []}
        for _ in range(rounds):
            for command in (select, read):
                start = time.perf_counter()
                transport.transmit(command)
                times[command].append(time.perf_counter() - start)
        scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
    finally:
        scard.SCardReleaseContext(context)
        _detach(daemon, card)
    return statistics.median(times[select]), statistics.median(times[read])


if __name__ == "__main__":
    sys.exit(main())
