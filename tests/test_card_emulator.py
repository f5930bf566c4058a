"""The card emulator, APDU by APDU, and the demo card files it reads."""
from __future__ import annotations

import json

import pytest
from contract.card_reader_contract import CONTRACT_PIN, demo_credential, write_card_file
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from hardware.card.card_file import CardFileError, PinTryCounter, list_demo_cards, load_demo_card
from hardware.card.digest_info import SHA256_DIGEST_INFO_PREFIX, sha256_digest_info
from hardware.card.emulator import ATR, CardNotPowered, JpkiCardEmulator

SELECT_JPKI = "00A4040C0AD392F000260100000001"
SELECT_PIN = "00A4020C020018"
SELECT_KEY = "00A4020C020017"
SELECT_CERT = "00A4020C02000A"
VERIFY_QUERY = "00200080"
VERIFY_RIGHT = "0020008004" + CONTRACT_PIN.encode().hex()
VERIFY_WRONG = "002000800439393939"


def sign_apdu(digest_info: bytes) -> str:
    return "802A0080" + f"{len(digest_info):02X}" + digest_info.hex() + "00"


SIGN_CHALLENGE = sign_apdu(sha256_digest_info(b"challenge"))


class Card:
    def __init__(self, path) -> None:
        card = load_demo_card(path)
        self.emulator = JpkiCardEmulator(card, PinTryCounter(card))
        self.atr = self.emulator.power_on()

    def send(self, *apdus: str) -> str:
        """Every APDU in turn; the last answer, as upper-case hex."""
        answer = b""
        for apdu in apdus:
            answer = self.emulator.process(bytes.fromhex(apdu))
        return answer.hex().upper()


@pytest.fixture
def card(tmp_path):
    return Card(write_card_file(tmp_path, "card"))


def test_power_on_gives_the_neutral_atr(card):
    assert card.atr == ATR == bytes.fromhex("3B80800101")


def test_a_card_that_is_not_powered_takes_no_command(card):
    card.emulator.power_off()
    with pytest.raises(CardNotPowered):
        card.send(SELECT_JPKI)


@pytest.mark.parametrize(
    "apdu, sw",
    [
        ("00A4040C0AD3921000310001010408", "6A82"),  # 券面事項入力補助AP: not emulated
        ("00A4040C0AD392F000260100000002", "6A82"),
        ("00CA0000" + "00", "6D00"),  # GET DATA
        ("0088000000", "6D00"),  # INTERNAL AUTHENTICATE: not what JPKI keys use
        ("80A4040C0AD392F000260100000001", "6D00"),  # SELECT in the proprietary class
        ("A0A4040C0AD392F000260100000001", "6E00"),
        ("0CA4040C0AD392F000260100000001", "6E00"),
        ("00A4", "6700"),
        ("00A4040C0BD392F000260100000001", "6700"),  # Lc one too many
        ("00A4040C0AD392F00026010000000100", "6700"),  # Le where no data comes back
        ("00A4040C0000000AD392F000260100000001", "6700"),  # extended length
        ("00A404000AD392F000260100000001", "6A86"),  # P2 asking for FCI
        ("00A4000C0AD392F000260100000001", "6A86"),
    ],
)
def test_commands_outside_the_application_are_refused_precisely(card, apdu, sw):
    assert card.send(apdu) == sw


def test_selecting_the_application_then_files(card):
    assert card.send(SELECT_JPKI) == "9000"
    assert card.send(SELECT_CERT) == "9000"
    assert card.send("00A4020C020001") == "6A82"  # sign certificate: not emulated
    assert card.send("00A4020C03000A00") == "6700"
    assert card.send("00A4020002000A") == "6A86"


def test_no_elementary_file_before_the_application_is_selected(card):
    assert card.send(SELECT_CERT) == "6A82"


def test_the_token_label_is_space_padded(card):
    answer = card.send(SELECT_JPKI, "00A4020C020006", "00B0000020")
    assert bytes.fromhex(answer) == b"JPKIAPICCTOKEN2".ljust(32) + b"\x90\x00"


def test_read_binary_walks_the_certificate_and_stops_at_its_end(card):
    der = demo_credential().certificate_der
    card.send(SELECT_JPKI, SELECT_CERT)
    assert card.send("00B0000004") == der[:4].hex().upper() + "9000"
    tail = len(der) - 10
    assert card.send(f"00B0{tail:04X}00") == der[tail:].hex().upper() + "9000"  # fewer bytes at the end
    assert card.send(f"00B0{len(der):04X}00") == "6B00"
    assert card.send("00B08A0000") == "6A86"  # short EF identifier: not emulated
    assert card.send("00B00000") == "6700"  # no Le


def test_read_binary_needs_a_binary_current_file(card):
    assert card.send(SELECT_JPKI, "00B0000004") == "6986"
    assert card.send(SELECT_PIN, "00B0000004") == "6981"


def test_verify_status_query_and_try_counting(card):
    card.send(SELECT_JPKI, SELECT_PIN)
    assert card.send(VERIFY_QUERY) == "63C3"
    assert card.send(VERIFY_WRONG) == "63C2"
    assert card.send(VERIFY_QUERY) == "63C2"
    assert card.send(VERIFY_RIGHT) == "9000"
    assert card.send(VERIFY_QUERY) == "63C3"


def test_a_blocked_pin_answers_6984_to_every_verify(card):
    card.send(SELECT_JPKI, SELECT_PIN)
    assert [card.send(VERIFY_WRONG) for _ in range(3)] == ["63C2", "63C1", "63C0"]
    assert card.send(VERIFY_WRONG) == "6984"
    assert card.send(VERIFY_RIGHT) == "6984"
    assert card.send(VERIFY_QUERY) == "6984"


@pytest.mark.parametrize(
    "apdu, sw",
    [
        ("00200081", "6A86"),
        ("00210080", "6D00"),
        ("002000800331323300", "6700"),
        ("00200080033132", "6700"),  # Lc disagrees with the data
        ("0020008005" + "3132333435", "6700"),
        ("0020008000", "6700"),  # Le on a VERIFY
    ],
)
def test_malformed_verify_spends_no_try(card, apdu, sw):
    card.send(SELECT_JPKI, SELECT_PIN)
    assert card.send(apdu) == sw
    assert card.send(VERIFY_QUERY) == "63C3"


def test_verify_needs_the_pin_file_selected(card):
    assert card.send(SELECT_JPKI, SELECT_KEY, VERIFY_RIGHT) == "6986"


def test_face_auth_card_has_no_reference_data(tmp_path):
    card = Card(write_card_file(tmp_path, "face", pin=None))
    card.send(SELECT_JPKI, SELECT_PIN)
    assert card.send(VERIFY_QUERY) == "6A88"
    assert card.send(VERIFY_RIGHT) == "6A88"


def test_a_card_without_token_label_has_no_jpki_application(tmp_path):
    card = Card(write_card_file(tmp_path, "point", token_label=None, pin=None))
    assert card.send(SELECT_JPKI) == "6A82"
    assert card.send(SELECT_PIN) == "6A82"


def test_signature_equals_pkcs1_v15_over_the_digest_info(card):
    answer = bytes.fromhex(card.send(SELECT_JPKI, SELECT_PIN, VERIFY_RIGHT, SELECT_KEY, SIGN_CHALLENGE))
    expected = demo_credential().private_key.sign(b"challenge", padding.PKCS1v15(), hashes.SHA256())
    assert answer == expected + b"\x90\x00"


def test_any_hash_inside_a_well_formed_digest_info_is_signed(card):
    sha1_digest_info = bytes.fromhex("3021300906052b0e03021a05000414") + bytes(20)
    answer = card.send(SELECT_JPKI, SELECT_PIN, VERIFY_RIGHT, SELECT_KEY, sign_apdu(sha1_digest_info))
    assert len(answer) == 2 * 258 and answer.endswith("9000")


def test_signing_needs_a_verified_pin_in_this_card_session(card):
    assert card.send(SELECT_JPKI, SELECT_KEY, SIGN_CHALLENGE) == "6982"
    card.send(SELECT_PIN, VERIFY_RIGHT)
    assert card.send(SELECT_JPKI, SELECT_KEY, SIGN_CHALLENGE) == "6982"  # re-SELECT dropped it
    card.send(SELECT_PIN, VERIFY_RIGHT, SELECT_KEY)
    card.emulator.reset()
    assert card.send(SELECT_JPKI, SELECT_KEY, SIGN_CHALLENGE) == "6982"
    card.send(SELECT_PIN, VERIFY_RIGHT, SELECT_KEY)
    card.emulator.power_off()
    card.emulator.power_on()
    assert card.send(SELECT_JPKI, SELECT_KEY, SIGN_CHALLENGE) == "6982"


def test_a_wrong_pin_drops_an_earlier_verification(card):
    card.send(SELECT_JPKI, SELECT_PIN, VERIFY_RIGHT, VERIFY_WRONG)
    assert card.send(SELECT_KEY, SIGN_CHALLENGE) == "6982"


@pytest.mark.parametrize(
    "apdu, sw",
    [
        (sign_apdu(SHA256_DIGEST_INFO_PREFIX + bytes(31)), "6A80"),  # hash one byte short of its length
        (sign_apdu(bytes(51)), "6A80"),
        (sign_apdu(b"\x04\x20" + bytes(32)), "6A80"),  # a bare OCTET STRING
        (sign_apdu(b"\x30\x81\xf4" + bytes(244)), "6700"),  # 247 bytes: no room for the padding
        (sign_apdu(sha256_digest_info(b"x"))[:-2], "6700"),  # no Le
        ("802A0080" + "33" + sha256_digest_info(b"x").hex() + "80", "6700"),  # Le not 256
        ("802A9E9A33" + sha256_digest_info(b"x").hex() + "00", "6A86"),  # ISO PSO form
        ("802B008000", "6D00"),
    ],
)
def test_malformed_sign_requests_are_refused(card, apdu, sw):
    card.send(SELECT_JPKI, SELECT_PIN, VERIFY_RIGHT, SELECT_KEY)
    assert card.send(apdu) == sw


def test_sign_needs_the_key_file_selected(card):
    assert card.send(SELECT_JPKI, SELECT_PIN, VERIFY_RIGHT, SIGN_CHALLENGE) == "6986"


def test_a_phone_wants_the_pin_before_its_certificate(tmp_path):
    phone = Card(write_card_file(tmp_path, "phone", token_label="JPKIAPGPSETOKEN"))
    assert phone.send(SELECT_JPKI, SELECT_CERT, "00B0000004") == "6982"
    assert phone.send(SELECT_PIN, VERIFY_RIGHT, SELECT_CERT, "00B0000004").endswith("9000")


def test_the_counter_lives_beside_the_card_file_and_survives_a_new_emulator(tmp_path):
    path = write_card_file(tmp_path, "card")
    Card(path).send(SELECT_JPKI, SELECT_PIN, VERIFY_WRONG)
    assert json.loads((tmp_path / "card.state.json").read_text()) == {"tries_left": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["card.json", "card.state.json"]  # no temp left
    assert Card(path).send(SELECT_JPKI, SELECT_PIN, VERIFY_QUERY) == "63C2"


def test_initial_tries_come_from_the_card_file_until_the_card_counts(tmp_path):
    card = Card(write_card_file(tmp_path, "card", initial_tries_left=1))
    assert card.send(SELECT_JPKI, SELECT_PIN, VERIFY_QUERY) == "63C1"
    assert card.send(VERIFY_RIGHT) == "9000"
    assert card.send(VERIFY_QUERY) == "63C3"


def test_card_listing_skips_counter_files(tmp_path):
    write_card_file(tmp_path, "b")
    Card(write_card_file(tmp_path, "a")).send(SELECT_JPKI, SELECT_PIN, VERIFY_WRONG)
    assert [c.name for c in list_demo_cards(tmp_path)] == ["a", "b"]


def test_a_card_repr_shows_no_pin_or_key(tmp_path):
    card = load_demo_card(write_card_file(tmp_path, "card", pin="8642"))
    assert "8642" not in repr(card) and "PRIVATE" not in repr(card)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"pin": "12345"}, "pin"),
        ({"pin": 1234}, "pin"),
        ({"initial_tries_left": 4}, "initial_tries_left"),
        ({"initial_tries_left": True}, "initial_tries_left"),
        ({"name": "other"}, "name"),
        ({"token_label": "X" * 33}, "token_label"),
        ({"auth_certificate_der_b64": "not base64!"}, "auth_certificate_der_b64"),
        ({"purpose_en": None}, "purpose_en"),
    ],
)
def test_malformed_card_files_are_refused_naming_the_field_not_the_value(tmp_path, change, field):
    path = write_card_file(tmp_path, "card", pin="8642")
    document = json.loads(path.read_text())
    document.update(change)
    path.write_text(json.dumps(document))
    with pytest.raises(CardFileError, match=field) as refused:
        load_demo_card(path)
    assert "8642" not in str(refused.value)


def test_a_card_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "card.json"
    path.write_text("{")
    with pytest.raises(CardFileError, match="card.json"):
        load_demo_card(path)


def test_a_corrupt_counter_file_is_refused(tmp_path):
    path = write_card_file(tmp_path, "card")
    (tmp_path / "card.state.json").write_text('{"tries_left": 7}')
    with pytest.raises(CardFileError, match="tries_left"):
        PinTryCounter(load_demo_card(path))


def test_a_key_that_is_not_rsa_2048_is_refused(tmp_path):
    path = write_card_file(tmp_path, "card")
    document = json.loads(path.read_text())
    ec_key = ec.generate_private_key(ec.SECP256R1())
    pem = ec_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    document["auth_private_key_pem"] = pem.decode("ascii")
    path.write_text(json.dumps(document))
    card = load_demo_card(path)
    with pytest.raises(CardFileError, match="RSA-2048"):
        JpkiCardEmulator(card, PinTryCounter(card))
