"""An independent client: OpenSC, through pcscd, recognises the emulated card as a JPKI card and
reads the same user-authentication certificate the card file holds, byte for byte."""
from __future__ import annotations

import shutil
import ssl
import subprocess

import pytest

pytest.register_assert_rewrite("pcscd_fixture")  # it is also this module's pytest plugin, below

from conftest import need_real_stack
from contract.card_reader_contract import USABLE, write_contract_cards
from pcscd_fixture import poll

from hardware.card.card_file import PinTryCounter, card_path, load_demo_card
from hardware.card.emulator import JpkiCardEmulator
from hardware.card.vpcd import VpcdCard

pytest_plugins = ["pcscd_fixture"]
pytestmark = pytest.mark.realstack

AUTH_CERTIFICATE_ID = "01"  # OpenSC's JPKI emulation: 01 auth, 02 sign, 03 auth CA, 04 sign CA


@pytest.fixture(scope="module")
def card_in_reader(pcscd, tmp_path_factory):
    need_real_stack(shutil.which("pkcs15-tool") is not None, "OpenSC is not installed (scripts/system-deps.sh)")
    cards_dir = tmp_path_factory.mktemp("opensc-cards")
    write_contract_cards(cards_dir)
    demo = load_demo_card(card_path(cards_dir, USABLE))
    card = VpcdCard(JpkiCardEmulator(demo, PinTryCounter(demo)), pcscd.port)
    card.attach()
    poll(pcscd.has_card, 5.0, "pcscd to see the card")
    yield pcscd.reader, demo.auth_certificate_der
    card.detach()
    pcscd.wait_slot_empty()


def opensc(*args: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_opensc_detects_a_jpki_card_by_itself(card_in_reader):
    reader, _ = card_in_reader
    assert opensc("opensc-tool", "--reader", reader, "--name").strip() == "jpki"


def test_opensc_lists_the_auth_certificate_and_pin(card_in_reader):
    reader, _ = card_in_reader
    certificates = opensc("pkcs15-tool", "--reader", reader, "--list-certificates")
    assert "[User Authentication Certificate]" in certificates
    auth = certificates.split("[User Authentication Certificate]")[1].split("X.509 Certificate")[0]
    assert "Path           : 000a" in auth and f"ID             : {AUTH_CERTIFICATE_ID}" in auth
    pins = opensc("pkcs15-tool", "--reader", reader, "--list-pins")
    auth_pin = pins.split("PIN [User Authentication PIN]")[1].split("PIN [")[0]
    assert "Tries left     : 3" in auth_pin


def test_opensc_reads_the_auth_certificate_byte_identical(card_in_reader):
    reader, emulator_der = card_in_reader
    pem = opensc("pkcs15-tool", "--reader", reader, "--read-certificate", AUTH_CERTIFICATE_ID)
    assert ssl.PEM_cert_to_DER_cert(pem) == emulator_der
