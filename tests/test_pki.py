"""The demo PKI made at set-up: CA generations, CRLs, card files, seal keys, spec loading."""
from __future__ import annotations

import base64
import json
import re
import stat
from datetime import date, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID, SignatureAlgorithmOID

from center.authentication import CertificateAuthenticator, Verified
from kiosk.clock import JST
from center.pki.authority import AUTH_CA_GENERATIONS, CertificateAuthority, generation_issuing_on
from center.pki.cards import CardProfile, CardSpecError, DemoCardSpec, load_card_specs
from center.pki.certificates import certificate_sha256, issue_auth_certificate, last_valid_day
from center.pki.demo import UNLINKED_HOLDER_BIRTH_DATE, ProvisionedCard, provision_demo_pki
from center.pki.keys import new_rsa_key
from center.pki.layout import DemoPkiLayout
from center.pki.names import AUTH_CA_NAME
from center.pki.seals import load_seal_private_key, load_seal_public_key, provision_seal_keys
from center.pki.signing import sign_challenge
from center.pki.trust import TrustStoreError, load_trust
from kiosk.ports.center import AuthRefusalReason

NOW = datetime(2026, 11, 16, 10, 0, tzinfo=JST)
LATE_2026 = datetime(2026, 12, 31, 12, 0, tzinfo=JST)
CARD_FILE_KEYS = [
    "name",
    "profile",
    "purpose_ja",
    "purpose_en",
    "token_label",
    "pin",
    "initial_tries_left",
    "auth_certificate_der_b64",
    "auth_ca_certificate_der_b64",
    "auth_private_key_pem",
]
BIRTH_DATES = {
    "R-0001": date(1980, 3, 3),
    "R-0002": date(1992, 12, 24),
    "R-0003": date(1975, 7, 1),
    "R-0004": date(2000, 2, 29),
    "R-0005": date(1968, 1, 9),
    "R-0006": date(1988, 11, 17),
    "R-0007": date(1959, 5, 5),
    "R-0008": date(1996, 8, 30),
    "R-0009": date(2010, 10, 10),
}
UNLINKED = {CardProfile.UNKNOWN_CA, CardProfile.NOT_MY_NUMBER, CardProfile.JUKI_CARD}


def _specs() -> list[DemoCardSpec]:
    profiles = list(CardProfile) + [CardProfile.ORDINARY, CardProfile.ORDINARY]
    refs = iter(BIRTH_DATES)
    return [
        DemoCardSpec(
            name=f"{profile.value.replace('_', '-')}-{number}",
            profile=profile,
            purpose_ja="デモ",
            purpose_en="demo",
            resident_ref=None if profile in UNLINKED else next(refs),
            pin="4321" if profile is CardProfile.ONE_TRY_LEFT else None,
        )
        for number, profile in enumerate(profiles)
    ]


def _from_b64(der_b64: str) -> x509.Certificate:
    return x509.load_der_x509_certificate(base64.b64decode(der_b64))


class Demo:
    def __init__(self, root: Path, cards: list[ProvisionedCard], asked: list[str]) -> None:
        self.root = root
        self.layout = DemoPkiLayout(root)
        self.cards = cards
        self.asked = asked

    def card_file(self, card: ProvisionedCard) -> dict:
        return json.loads(self.layout.card(card.name).read_text(encoding="utf-8"))

    def certificate(self, card: ProvisionedCard) -> x509.Certificate:
        return _from_b64(self.card_file(card)["auth_certificate_der_b64"])

    def ca(self, label: str) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.layout.ca_certificate(label).read_bytes())

    def crl(self, label: str) -> x509.CertificateRevocationList:
        return x509.load_pem_x509_crl(self.layout.crl(label).read_bytes())

    def of(self, profile: CardProfile) -> list[ProvisionedCard]:
        return [card for card in self.cards if card.profile is profile]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:
    """One PKI for the whole module: key generation is the slow part."""
    root = tmp_path_factory.mktemp("data")
    asked: list[str] = []

    def birth_date_of(resident_ref: str) -> date:
        asked.append(resident_ref)
        return BIRTH_DATES[resident_ref]

    return Demo(root, provision_demo_pki(root, _specs(), birth_date_of, NOW), asked)


# --- CA generations -------------------------------------------------------------------


def test_three_generations_share_one_dn_but_not_a_key(demo):
    cas = [demo.ca(window.label) for window in AUTH_CA_GENERATIONS]
    assert {ca.subject for ca in cas} == {AUTH_CA_NAME}
    assert AUTH_CA_NAME.rfc4514_string() == (
        "OU=Konbini Kiosk Demo,OU=JPKI for user authentication,O=JPKI-DEMO,C=JP"
    )
    assert len({ca.public_key().public_numbers().n for ca in cas}) == 3


@pytest.mark.parametrize("window", AUTH_CA_GENERATIONS, ids=lambda w: w.label)
def test_ca_certificate_is_a_self_signed_rsa_2048_root(demo, window):
    ca = demo.ca(window.label)
    assert ca.not_valid_before_utc == datetime.combine(window.first_day, datetime.min.time(), JST)
    assert ca.not_valid_after_utc == datetime(*window.last_day.timetuple()[:3], 23, 59, 59, tzinfo=JST)
    assert ca.signature_algorithm_oid == SignatureAlgorithmOID.RSA_WITH_SHA256
    assert ca.public_key().key_size == 2048
    ca.verify_directly_issued_by(ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.key_cert_sign and usage.value.crl_sign
    assert not usage.value.digital_signature


def test_generation_windows_match_the_real_auth_ca():
    assert [(w.first_day, w.last_day) for w in AUTH_CA_GENERATIONS] == [
        (date(2015, 10, 20), date(2025, 10, 19)),
        (date(2019, 9, 14), date(2029, 9, 14)),
        (date(2023, 7, 16), date(2033, 7, 15)),
    ]


@pytest.mark.parametrize(
    "day, label",
    [
        (date(2019, 9, 13), "2015"),
        (date(2019, 9, 14), "2019"),
        (date(2023, 7, 15), "2019"),
        (date(2023, 7, 16), "2023"),
    ],
)
def test_the_newest_live_generation_issues(day, label):
    assert generation_issuing_on(day).label == label


def test_no_generation_issues_after_the_last_one_ends():
    with pytest.raises(ValueError):
        generation_issuing_on(date(2033, 7, 16))


def test_unknown_ca_has_the_trusted_dn_and_a_key_nobody_trusts(demo):
    unknown = x509.load_pem_x509_certificate(demo.layout.unknown_ca_certificate.read_bytes())
    assert unknown.subject == AUTH_CA_NAME
    trusted_keys = {g.public_key.public_numbers().n for g in load_trust(demo.root).generations}
    assert unknown.public_key().public_numbers().n not in trusted_keys


# --- CRLs and trust -------------------------------------------------------------------


def test_each_generation_has_a_crl_signed_by_itself(demo):
    for window in AUTH_CA_GENERATIONS:
        crl = demo.crl(window.label)
        assert crl.is_signature_valid(demo.ca(window.label).public_key())
        assert crl.signature_algorithm_oid == SignatureAlgorithmOID.RSA_WITH_SHA256
        assert crl.next_update_utc == demo.ca(window.label).not_valid_after_utc


def test_only_the_revoked_card_is_listed_and_by_its_issuer(demo):
    (revoked,) = demo.of(CardProfile.REVOKED)
    serial = demo.certificate(revoked).serial_number
    listed = {w.label: {e.serial_number for e in demo.crl(w.label)} for w in AUTH_CA_GENERATIONS}
    assert listed == {
        w.label: ({serial} if w.label == revoked.issuer_label else set()) for w in AUTH_CA_GENERATIONS
    }


def test_load_trust_holds_every_generation_and_its_revocations(demo):
    trust = load_trust(demo.root)
    assert [g.label for g in trust.generations] == ["2015", "2019", "2023"]
    (revoked,) = demo.of(CardProfile.REVOKED)
    by_label = {g.label: g for g in trust.generations}
    assert demo.certificate(revoked).serial_number in by_label[revoked.issuer_label].revoked_serials


def test_load_trust_refuses_an_empty_directory(tmp_path):
    with pytest.raises(TrustStoreError):
        load_trust(tmp_path)


def test_load_trust_refuses_a_generation_without_its_crl(demo, tmp_path):
    copy = DemoPkiLayout(tmp_path)
    for window in AUTH_CA_GENERATIONS:
        copy.pki_dir.mkdir(parents=True, exist_ok=True)
        copy.ca_certificate(window.label).write_bytes(demo.layout.ca_certificate(window.label).read_bytes())
        if window.label != "2019":
            copy.crl(window.label).write_bytes(demo.layout.crl(window.label).read_bytes())
    with pytest.raises(TrustStoreError, match="2019"):
        load_trust(tmp_path)


def test_load_trust_refuses_a_crl_signed_by_another_generation(demo, tmp_path):
    copy = DemoPkiLayout(tmp_path)
    copy.pki_dir.mkdir(parents=True)
    copy.ca_certificate("2023").write_bytes(demo.layout.ca_certificate("2023").read_bytes())
    copy.crl("2023").write_bytes(demo.layout.crl("2019").read_bytes())  # same DN, other key
    with pytest.raises(TrustStoreError, match="CRL"):
        load_trust(tmp_path)


# --- card files -----------------------------------------------------------------------


def test_every_card_file_has_exactly_the_agreed_shape(demo):
    for card in demo.cards:
        assert list(demo.card_file(card)) == CARD_FILE_KEYS


@pytest.mark.parametrize(
    "profile, token, pin, tries",
    [
        (CardProfile.ORDINARY, "JPKIAPICCTOKEN2", "1234", 3),
        (CardProfile.ONE_TRY_LEFT, "JPKIAPICCTOKEN2", "4321", 1),
        (CardProfile.LOCKED, "JPKIAPICCTOKEN2", "1234", 0),
        (CardProfile.EXPIRED, "JPKIAPICCTOKEN2", "1234", 3),
        (CardProfile.REVOKED, "JPKIAPICCTOKEN2", "1234", 3),
        (CardProfile.FACE_AUTH, "JPKIAPICCTOKEN2", None, 3),
        (CardProfile.JUKI_CARD, "JPKIAPICCTOKEN", "1234", 3),
        (CardProfile.UNKNOWN_CA, "JPKIAPICCTOKEN2", "1234", 3),
        (CardProfile.NOT_MY_NUMBER, None, None, 3),
        (CardProfile.PHONE_ANDROID, "JPKIAPGPSETOKEN", "1234", 3),
    ],
)
def test_card_file_token_pin_and_tries_follow_the_profile(demo, profile, token, pin, tries):
    document = demo.card_file(demo.of(profile)[0])
    assert (document["profile"], document["token_label"], document["pin"]) == (profile.value, token, pin)
    assert document["initial_tries_left"] == tries
    assert (document["purpose_ja"], document["purpose_en"]) == ("デモ", "demo")


def test_a_card_without_the_jpki_application_has_no_credential(demo):
    (card,) = demo.of(CardProfile.NOT_MY_NUMBER)
    document = demo.card_file(card)
    assert document["auth_certificate_der_b64"] is None
    assert document["auth_ca_certificate_der_b64"] is None
    assert document["auth_private_key_pem"] is None
    assert (card.certificate_sha256, card.issuer_label) == (None, None)


def test_card_private_key_matches_its_certificate_and_signs_like_the_card(demo):
    for card in demo.cards:
        document = demo.card_file(card)
        if card.certificate_sha256 is None:
            continue
        key = serialization.load_pem_private_key(document["auth_private_key_pem"].encode(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
        signature = sign_challenge(key, b"n" * 32)
        demo.certificate(card).public_key().verify(signature, b"n" * 32, padding.PKCS1v15(), hashes.SHA256())


def test_card_carries_the_certificate_of_the_ca_that_signed_it(demo):
    unknown = demo.layout.unknown_ca_certificate.read_bytes()
    for card in demo.cards:
        if card.certificate_sha256 is None:
            continue
        ca = _from_b64(demo.card_file(card)["auth_ca_certificate_der_b64"])
        if card.issuer_label == "unknown":
            expected = x509.load_pem_x509_certificate(unknown)
        else:
            expected = demo.ca(card.issuer_label)
        assert ca == expected
        demo.certificate(card).verify_directly_issued_by(ca)


def test_card_files_are_readable_by_the_owner_only(demo):
    for card in demo.cards:
        assert stat.S_IMODE(demo.layout.card(card.name).stat().st_mode) == 0o600


def test_provisioned_card_names_its_certificate_by_the_sha256_of_its_der(demo):
    for card in demo.cards:
        if card.certificate_sha256 is not None:
            der = demo.certificate(card).public_bytes(serialization.Encoding.DER)
            assert card.certificate_sha256 == certificate_sha256(der)
    assert len({c.certificate_sha256 for c in demo.cards if c.certificate_sha256}) == len(demo.cards) - 1


def test_birth_dates_are_asked_only_for_linked_residents(demo):
    assert sorted(demo.asked) == sorted(c.resident_ref for c in demo.cards if c.resident_ref)
    assert all(card.resident_ref is None for card in demo.cards if card.profile in UNLINKED)


# --- end-entity certificates ----------------------------------------------------------


def test_auth_certificate_subject_is_an_opaque_code_and_jp(demo):
    for card in demo.cards:
        if card.certificate_sha256 is None:
            continue
        subject = demo.certificate(card).subject
        assert [attribute.oid for attribute in subject] == [NameOID.COUNTRY_NAME, NameOID.COMMON_NAME]
        (common_name,) = subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        assert re.fullmatch(r"[0-9A-Z]{20}", common_name.value)
        assert subject.rfc4514_string() == f"CN={common_name.value},C=JP"


def test_auth_certificate_profile(demo):
    serials = set()
    for card in demo.cards:
        if card.certificate_sha256 is None:
            continue
        certificate = demo.certificate(card)
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage)
        assert usage.critical and usage.value.digital_signature
        assert not (usage.value.key_cert_sign or usage.value.content_commitment)
        assert not usage.value.key_encipherment
        assert certificate.signature_algorithm_oid == SignatureAlgorithmOID.RSA_WITH_SHA256
        assert certificate.public_key().key_size == 2048
        assert certificate.not_valid_after_utc.astimezone(JST).time().isoformat() == "23:59:59"
        assert certificate.not_valid_before_utc.astimezone(JST).time().isoformat() == "00:00:00"
        serials.add(certificate.serial_number)
    assert len(serials) == len(demo.cards) - 1
    assert all(serial.bit_length() > 64 for serial in serials)  # random, not a counter


def test_ordinary_cards_alternate_between_the_two_live_generations(demo):
    assert [card.issuer_label for card in demo.of(CardProfile.ORDINARY)] == ["2023", "2019", "2023"]


def test_every_card_but_the_expired_one_is_valid_through_late_2026(demo):
    for card in demo.cards:
        if card.certificate_sha256 is None:
            continue
        certificate = demo.certificate(card)
        expired = certificate.not_valid_after_utc < NOW
        assert expired == (card.profile is CardProfile.EXPIRED)
        if not expired:
            assert certificate.not_valid_before_utc <= NOW and certificate.not_valid_after_utc > LATE_2026


def test_a_linked_card_expires_at_the_end_of_its_holders_birthday(demo):
    for card in demo.cards:
        if card.resident_ref is None or card.certificate_sha256 is None:
            continue
        certificate = demo.certificate(card)
        issued_on = certificate.not_valid_before_utc.astimezone(JST).date()
        last_day = certificate.not_valid_after_utc.astimezone(JST).date()
        assert last_day == last_valid_day(issued_on, BIRTH_DATES[card.resident_ref])


def test_provisioned_cards_authenticate_as_their_profile_says(demo):
    authenticator = CertificateAuthenticator(load_trust(demo.root))
    nonce = b"\x5a" * 32
    expected = {
        CardProfile.EXPIRED: AuthRefusalReason.EXPIRED,
        CardProfile.REVOKED: AuthRefusalReason.REVOKED,
        CardProfile.UNKNOWN_CA: AuthRefusalReason.UNKNOWN_ISSUER,
    }
    for card in demo.cards:
        if card.certificate_sha256 is None:
            continue
        document = demo.card_file(card)
        key = serialization.load_pem_private_key(
            document["auth_private_key_pem"].encode(), password=None, unsafe_skip_rsa_key_validation=True
        )
        der = base64.b64decode(document["auth_certificate_der_b64"])
        outcome = authenticator.verify(der, nonce, sign_challenge(key, nonce), NOW)
        assert outcome == expected.get(card.profile, Verified(card.certificate_sha256)), card.name


def test_provisioning_again_drops_card_files_no_longer_specified(tmp_path):
    keep = DemoCardSpec("keep", CardProfile.NOT_MY_NUMBER, "残す", "kept")
    gone = DemoCardSpec("gone", CardProfile.NOT_MY_NUMBER, "消す", "dropped")
    provision_demo_pki(tmp_path, [keep, gone], lambda ref: pytest.fail("no resident here"), NOW)
    provision_demo_pki(tmp_path, [keep], lambda ref: pytest.fail("no resident here"), NOW)
    assert sorted(p.name for p in DemoPkiLayout(tmp_path).cards_dir.iterdir()) == ["keep.json"]


def test_provisioning_needs_an_aware_time(tmp_path):
    with pytest.raises(ValueError):
        provision_demo_pki(tmp_path, [], lambda ref: date(1990, 1, 1), datetime(2026, 11, 16))


# --- the validity rule ----------------------------------------------------------------


@pytest.mark.parametrize(
    "issued_on, birth_date, last_day",
    [
        (date(2024, 4, 1), date(1990, 4, 2), date(2028, 4, 2)),  # first birthday the next day
        (date(2024, 4, 1), date(1990, 4, 1), date(2029, 4, 1)),  # the issue day does not count
        (date(2024, 4, 1), date(1990, 3, 31), date(2029, 3, 31)),
        (date(2023, 3, 1), date(2000, 2, 29), date(2028, 2, 29)),  # leap year: the real day
        (date(2024, 3, 1), date(2000, 2, 29), date(2029, 2, 28)),  # common year: the 28th
    ],
)
def test_last_valid_day_is_the_fifth_birthday_after_issuance(issued_on, birth_date, last_day):
    assert last_valid_day(issued_on, birth_date) == last_day


def test_a_certificate_never_outlives_its_ca():
    window = AUTH_CA_GENERATIONS[0]
    authority = CertificateAuthority.create(window, new_rsa_key())
    holder = new_rsa_key().public_key()
    certificate = issue_auth_certificate(authority, holder, date(1990, 1, 1), date(2025, 1, 10))
    assert certificate.not_valid_after_utc == authority.certificate.not_valid_after_utc
    with pytest.raises(ValueError):
        issue_auth_certificate(authority, holder, date(1990, 1, 1), date(2025, 10, 20))


def test_unlinked_holder_birth_date_is_fixed():
    assert UNLINKED_HOLDER_BIRTH_DATE == date(1984, 6, 15)


# --- seal keys ------------------------------------------------------------------------


def test_seal_keys_are_per_municipality_and_private_files_are_0600(tmp_path):
    provision_seal_keys(tmp_path, ["999001", "999002"])
    layout = DemoPkiLayout(tmp_path)
    for code in ("999001", "999002"):
        [private_file] = layout.seal_private_keys(code)
        assert stat.S_IMODE(private_file.stat().st_mode) == 0o600
        assert private_file.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
        private, public = load_seal_private_key(tmp_path, code), load_seal_public_key(tmp_path, code)
        public.verify(private.sign(b"seal"), b"seal")
    raw = [
        load_seal_public_key(tmp_path, code).public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        for code in ("999001", "999002")
    ]
    assert raw[0] != raw[1]


def test_seal_key_codes_cannot_escape_the_pki_directory(tmp_path):
    with pytest.raises(ValueError):
        provision_seal_keys(tmp_path, ["../999001"])
    with pytest.raises(ValueError):
        load_seal_private_key(tmp_path, "a/b")


def test_loading_a_seal_key_of_the_wrong_type_fails(tmp_path):
    provision_seal_keys(tmp_path, ["999001"])
    [private_file] = DemoPkiLayout(tmp_path).seal_private_keys("999001")
    private_file.write_bytes(
        new_rsa_key().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    with pytest.raises(ValueError, match="Ed25519"):
        load_seal_private_key(tmp_path, "999001")


# --- card spec loading ----------------------------------------------------------------

GOOD_CARDS = """
[[card]]
name = "taro"
resident_ref = "R-0001"
profile = "ordinary"
pin = "2468"
purpose_ja = "普通のカード"
purpose_en = "An ordinary card"

[[card]]
name = "face"
resident_ref = "R-0002"
profile = "face_auth"
purpose_ja = "顔認証カード"
purpose_en = "Face-authentication card"

[[card]]
name = "point-card"
profile = "not_my_number"
purpose_ja = "ポイントカード"
purpose_en = "Not a My Number card"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cards.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_card_specs_reads_every_card(tmp_path):
    specs = load_card_specs(_write(tmp_path, GOOD_CARDS))
    assert [(s.name, s.profile, s.resident_ref) for s in specs] == [
        ("taro", CardProfile.ORDINARY, "R-0001"),
        ("face", CardProfile.FACE_AUTH, "R-0002"),
        ("point-card", CardProfile.NOT_MY_NUMBER, None),
    ]
    assert [s.effective_pin for s in specs] == ["2468", None, None]
    assert specs[0].purpose_ja == "普通のカード"
    assert "2468" not in repr(specs[0])


def test_a_card_without_a_pin_gets_the_demo_default():
    spec = DemoCardSpec("x", CardProfile.LOCKED, "ロック", "locked")
    assert spec.effective_pin == "1234"


_CARD = 'name = "hanako"\nprofile = "ordinary"\npurpose_ja = "テスト"\npurpose_en = "test"\n'


@pytest.mark.parametrize(
    "card, key",
    [
        (_CARD.replace('profile = "ordinary"\n', ""), "profile"),
        (_CARD + 'colour = "red"\n', "colour"),
        (_CARD.replace('"ordinary"', '"gold"'), "profile"),
        (_CARD + 'pin = "12345"\n', "pin"),
        (_CARD + "pin = 1234\n", "pin"),
        (_CARD.replace('"ordinary"', '"face_auth"') + 'pin = "1234"\n', "pin"),
        (_CARD.replace('"ordinary"', '"not_my_number"') + 'resident_ref = "R-1"\n', "resident_ref"),
        (_CARD + 'resident_ref = "R 1"\n', "resident_ref"),
        (_CARD.replace('"hanako"', '"../x"'), "name"),
        (_CARD.replace('"テスト"', '""'), "purpose_ja"),
        (_CARD.replace('"test"', "3"), "purpose_en"),
    ],
)
def test_card_spec_errors_name_the_file_the_card_and_the_key(tmp_path, card, key):
    path = _write(tmp_path, GOOD_CARDS + "\n[[card]]\n" + card)
    with pytest.raises(CardSpecError) as raised:
        load_card_specs(path)
    message = str(raised.value)
    assert str(path) in message
    assert "#4" in message
    assert f"key '{key}'" in message
    assert "12345" not in message


def test_a_duplicate_card_name_is_refused(tmp_path):
    duplicate = _CARD.replace('"hanako"', '"taro"')
    path = _write(tmp_path, GOOD_CARDS + "\n[[card]]\n" + duplicate)
    with pytest.raises(CardSpecError, match=r"card #4 'taro': key 'name'"):
        load_card_specs(path)


@pytest.mark.parametrize("text", ["", "card = 3\n", "[[card]\n", 'title = "x"\n' + GOOD_CARDS])
def test_a_file_without_usable_cards_is_refused(tmp_path, text):
    path = _write(tmp_path, text)
    with pytest.raises(CardSpecError, match=re.escape(str(path))):
        load_card_specs(path)


def test_the_shipped_demo_cards_load():
    specs = load_card_specs(Path(__file__).resolve().parents[1] / "assets" / "demo" / "cards.toml")
    assert {spec.profile for spec in specs} == set(CardProfile)
