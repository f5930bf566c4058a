"""Certificate authentication at the center: every refusal class, and the happy paths."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from hypothesis import given, settings
from hypothesis import strategies as st

from center.authentication import MAX_CERTIFICATE_BYTES, CertificateAuthenticator, Verified
from kiosk.clock import JST
from center.pki.authority import AUTH_CA_GENERATIONS, CertificateAuthority, key_usage
from center.pki.certificates import issue_auth_certificate
from center.pki.crl import build_crl
from center.pki.keys import new_rsa_key
from center.pki.names import AUTH_CA_NAME, holder_name
from center.pki.signing import sign_challenge
from center.pki.trust import TrustStore, trusted_generation
from kiosk.ports.center import AuthRefusalReason as Reason

NOW = datetime(2026, 11, 16, 10, 0, tzinfo=JST)
NONCE = bytes(range(32))
BIRTH = date(1980, 3, 3)


@dataclass(frozen=True, repr=False)  # keep failure reports short
class Pki:
    authorities: dict[str, CertificateAuthority]
    unknown: CertificateAuthority  # same DN as the trusted generations, another key
    holder: rsa.RSAPrivateKey  # one card key reused for many certificates: key generation is slow
    revoked: x509.Certificate
    accepted_der: bytes  # a certificate the authenticator accepts, for mutation tests
    authenticator: CertificateAuthenticator

    def issue(self, label: str, issued_on: date, birth: date = BIRTH) -> x509.Certificate:
        return issue_auth_certificate(self.authorities[label], self.holder.public_key(), birth, issued_on)

    def verify(self, certificate, *, nonce=NONCE, signature=None, at=NOW, key=None):
        der = certificate if isinstance(certificate, bytes) else _der(certificate)
        if signature is None:
            signature = sign_challenge(key or self.holder, nonce)
        return self.authenticator.verify(der, nonce, signature, at)


@pytest.fixture(scope="module")
def pki() -> Pki:
    authorities = {w.label: CertificateAuthority.create(w, new_rsa_key()) for w in AUTH_CA_GENERATIONS}
    unknown = CertificateAuthority.create(replace(AUTH_CA_GENERATIONS[-1], label="unknown"), new_rsa_key())
    holder = new_rsa_key()
    revoked = issue_auth_certificate(authorities["2023"], holder.public_key(), BIRTH, date(2025, 5, 1))
    revocations = {"2023": [revoked.serial_number]}
    trust = TrustStore(
        tuple(
            trusted_generation(label, a.certificate, build_crl(a, revocations.get(label, []), NOW))
            for label, a in authorities.items()
        )
    )
    accepted = issue_auth_certificate(authorities["2023"], holder.public_key(), BIRTH, date(2025, 11, 1))
    return Pki(authorities, unknown, holder, revoked, _der(accepted), CertificateAuthenticator(trust))


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def _craft(
    signer: rsa.RSAPrivateKey,
    subject_key,
    not_before: datetime,
    not_after: datetime,
    *,
    usage: x509.KeyUsage | None = key_usage(digital_signature=True),
    algorithm: hashes.HashAlgorithm = hashes.SHA256(),
) -> x509.Certificate:
    """A certificate the demo PKI would never issue, signed by whatever key the test names."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(holder_name("0123456789ABCDEFGHIJ"))
        .issuer_name(AUTH_CA_NAME)
        .public_key(subject_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    if usage is not None:
        builder = builder.add_extension(usage, critical=True)
    return builder.sign(signer, algorithm)


def _jst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=JST)


# --- happy paths ----------------------------------------------------------------------


def test_a_card_from_the_newest_generation_is_verified(pki):
    certificate = pki.issue("2023", date(2025, 11, 1))
    assert pki.verify(certificate) == Verified(hashlib.sha256(_der(certificate)).hexdigest())


def test_a_card_from_the_previous_generation_still_verifies(pki):
    certificate = pki.issue("2019", date(2023, 3, 1))
    assert certificate.not_valid_after_utc > NOW  # the 2019 CA has handed over, its cards live on
    assert pki.verify(certificate) == Verified(hashlib.sha256(_der(certificate)).hexdigest())


def test_the_mutation_tests_start_from_an_accepted_certificate(pki):
    assert isinstance(pki.verify(pki.accepted_der), Verified)


def test_verified_is_bound_to_the_certificate_bytes(pki):
    first, second = pki.issue("2023", date(2025, 11, 1)), pki.issue("2023", date(2025, 11, 1))
    assert pki.verify(first) != pki.verify(second)


# --- malformed ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mangle",
    [
        lambda der: b"",
        lambda der: b"certificate, honestly",
        lambda der: der[:-1],
        lambda der: der[:100],
        lambda der: der[:4],
        lambda der: der + b"\x00",
        lambda der: b"\x30\x82\xff\xff" + der[4:],
        lambda der: der.replace(b"\x30", b"\x31", 1),
        lambda der: der.ljust(MAX_CERTIFICATE_BYTES + 1, b"\x00"),
    ],
    ids=[
        "empty",
        "garbage",
        "truncated-by-one",
        "truncated",
        "header-only",
        "trailing-byte",
        "bad-length",
        "not-a-sequence",
        "oversized",
    ],
)
def test_malformed_der_is_refused_without_an_exception(pki, mangle):
    assert pki.verify(mangle(_der(pki.issue("2023", date(2025, 11, 1))))) is Reason.MALFORMED_CERTIFICATE


def test_a_second_encoding_of_an_accepted_certificate_is_malformed(pki):
    # The octet before the signature says how many of its last bits are unused: always 0.
    # Claiming 1 parses only when that bit is 0, so take a certificate whose signature is even.
    der = next(d for d in (_der(pki.issue("2023", date(2025, 11, 1))) for _ in range(64)) if d[-1] % 2 == 0)
    assert isinstance(pki.verify(der), Verified)
    mutated = bytearray(der)
    signature_length = pki.holder.key_size // 8
    assert mutated[-signature_length - 1] == 0
    mutated[-signature_length - 1] = 1
    x509.load_der_x509_certificate(bytes(mutated))  # it does parse
    assert pki.verify(bytes(mutated)) is Reason.MALFORMED_CERTIFICATE


def test_an_outer_algorithm_without_parameters_is_malformed(pki):
    certificate = x509.load_der_x509_certificate(pki.accepted_der)
    tail = bytes.fromhex("300b06092a864886f70d01010b") + b"\x03\x82\x01\x01\x00" + certificate.signature
    body = certificate.tbs_certificate_bytes + tail
    reencoded = b"\x30\x82" + len(body).to_bytes(2, "big") + body
    x509.load_der_x509_certificate(reencoded)  # it does parse
    assert pki.verify(reencoded) is Reason.MALFORMED_CERTIFICATE


@pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")
def test_a_negative_serial_number_is_malformed(pki):
    # 30 82 LL LL (certificate) 30 82 LL LL (tbs) A0 03 02 01 02 (v3), then the serial INTEGER.
    mutated = bytearray(pki.accepted_der)
    assert mutated[13] == 0x02 and mutated[15] < 0x80
    mutated[15] |= 0x80  # the sign bit of the serial's first octet
    assert pki.verify(bytes(mutated)) is Reason.MALFORMED_CERTIFICATE


def test_a_certificate_that_is_not_bytes_is_malformed(pki):
    assert pki.authenticator.verify(None, NONCE, b"", NOW) is Reason.MALFORMED_CERTIFICATE


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=3000))
def test_arbitrary_bytes_are_malformed(pki, data):
    assert pki.authenticator.verify(data, NONCE, b"\x00" * 256, NOW) is Reason.MALFORMED_CERTIFICATE


@settings(max_examples=300, deadline=None)
@given(position=st.floats(0, 1, exclude_max=True), flip=st.integers(1, 255))
def test_no_single_byte_change_is_accepted_or_raises(pki, position, flip):
    mutated = bytearray(pki.accepted_der)
    mutated[int(position * len(mutated))] ^= flip
    assert isinstance(pki.verify(bytes(mutated)), Reason)


# --- issuer ---------------------------------------------------------------------------


def test_unknown_ca_with_the_trusted_dn_is_refused(pki):
    certificate = issue_auth_certificate(pki.unknown, pki.holder.public_key(), BIRTH, date(2025, 11, 1))
    assert certificate.issuer == pki.authorities["2023"].certificate.subject  # the nasty case
    assert pki.verify(certificate) is Reason.UNKNOWN_ISSUER


def test_a_self_signed_card_certificate_is_refused(pki):
    certificate = _craft(pki.holder, pki.holder.public_key(), _jst(2025, 1, 1), _jst(2029, 1, 1))
    assert pki.verify(certificate) is Reason.UNKNOWN_ISSUER


def test_a_trusted_key_signing_with_another_hash_is_not_a_jpki_issuer(pki):
    signer = pki.authorities["2023"].private_key
    certificate = _craft(
        signer, pki.holder.public_key(), _jst(2025, 1, 1), _jst(2029, 1, 1), algorithm=hashes.SHA512()
    )
    assert pki.verify(certificate) is Reason.UNKNOWN_ISSUER


def test_a_certificate_dated_before_its_issuer_existed_is_refused(pki):
    signer = pki.authorities["2023"].private_key  # the 2023 CA starts on 2023-07-16
    certificate = _craft(signer, pki.holder.public_key(), _jst(2022, 6, 1), _jst(2027, 6, 1))
    assert pki.verify(certificate) is Reason.UNKNOWN_ISSUER


# --- validity -------------------------------------------------------------------------


def test_an_expired_card_is_refused(pki):
    certificate = pki.issue("2019", date(2020, 11, 1))
    assert pki.verify(certificate) is Reason.EXPIRED


def test_a_card_from_the_retired_2015_generation_is_expired(pki):
    certificate = pki.issue("2015", date(2019, 3, 1))
    assert pki.verify(certificate) is Reason.EXPIRED


def test_expiry_is_at_the_end_of_the_last_second(pki):
    certificate = pki.issue("2023", date(2025, 11, 1))
    last = certificate.not_valid_after_utc
    assert last.astimezone(JST).time().isoformat() == "23:59:59"
    assert isinstance(pki.verify(certificate, at=last), Verified)
    assert pki.verify(certificate, at=last + timedelta(seconds=1)) is Reason.EXPIRED


def test_a_card_used_before_its_validity_starts_is_refused(pki):
    certificate = pki.issue("2023", date(2025, 11, 1))
    first = certificate.not_valid_before_utc
    assert isinstance(pki.verify(certificate, at=first), Verified)
    assert pki.verify(certificate, at=first - timedelta(seconds=1)) is Reason.NOT_YET_VALID


def test_a_card_outliving_its_ca_is_refused_even_while_the_ca_is_valid(pki):
    # A CA cannot vouch beyond its own notAfter: such a certificate is not one it issued.
    signer = pki.authorities["2015"].private_key  # the 2015 CA ended on 2025-10-19
    certificate = _craft(signer, pki.holder.public_key(), _jst(2024, 1, 1), _jst(2028, 12, 31))
    assert pki.verify(certificate, at=_jst(2025, 10, 19, 23, 59, 59)) is Reason.UNKNOWN_ISSUER
    assert pki.verify(certificate) is Reason.UNKNOWN_ISSUER


def test_verifying_needs_an_aware_time(pki):
    with pytest.raises(ValueError):
        pki.verify(pki.issue("2023", date(2025, 11, 1)), at=datetime(2026, 11, 16, 10, 0))


# --- revocation -----------------------------------------------------------------------


def test_a_revoked_card_is_refused(pki):
    assert pki.verify(pki.revoked) is Reason.REVOKED


def test_revocation_is_looked_up_in_the_issuers_crl_only(pki):
    # The same serial from another generation is a different certificate.
    signer = pki.authorities["2019"]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(pki.revoked.subject)
        .issuer_name(AUTH_CA_NAME)
        .public_key(pki.holder.public_key())
        .serial_number(pki.revoked.serial_number)
        .not_valid_before(_jst(2023, 3, 1))
        .not_valid_after(_jst(2027, 12, 31))
        .add_extension(key_usage(digital_signature=True), critical=True)
        .sign(signer.private_key, hashes.SHA256())
    )
    assert isinstance(pki.verify(certificate), Verified)


# --- key usage and key ----------------------------------------------------------------


def test_a_key_not_for_digital_signature_is_refused(pki):
    usage = x509.KeyUsage(False, True, True, False, False, False, False, False, False)
    signer = pki.authorities["2023"].private_key
    certificate = _craft(signer, pki.holder.public_key(), _jst(2025, 1, 1), _jst(2029, 1, 1), usage=usage)
    assert pki.verify(certificate) is Reason.WRONG_KEY_USAGE


def test_a_certificate_without_key_usage_is_refused(pki):
    signer = pki.authorities["2023"].private_key
    certificate = _craft(signer, pki.holder.public_key(), _jst(2025, 1, 1), _jst(2029, 1, 1), usage=None)
    assert pki.verify(certificate) is Reason.WRONG_KEY_USAGE


@pytest.mark.parametrize(
    "make_key",
    [lambda: rsa.generate_private_key(65537, 1024), lambda: ec.generate_private_key(ec.SECP256R1())],
    ids=["rsa-1024", "ec-p256"],
)
def test_a_key_that_is_not_rsa_2048_is_refused(pki, make_key):
    signer = pki.authorities["2023"].private_key
    certificate = _craft(signer, make_key().public_key(), _jst(2025, 1, 1), _jst(2029, 1, 1))
    assert pki.verify(certificate, signature=b"\x00" * 256) is Reason.WRONG_KEY_USAGE


# --- the card's signature -------------------------------------------------------------


def test_a_signature_over_another_challenge_is_refused(pki):
    certificate = pki.issue("2023", date(2025, 11, 1))
    signature = sign_challenge(pki.holder, b"\xff" * 32)
    assert pki.verify(certificate, signature=signature) is Reason.BAD_SIGNATURE


def test_a_signature_by_another_key_is_refused(pki):
    certificate = pki.issue("2023", date(2025, 11, 1))
    assert pki.verify(certificate, key=pki.authorities["2019"].private_key) is Reason.BAD_SIGNATURE


@pytest.mark.parametrize("signature", [b"", b"\x00" * 256, b"\x01" * 255, b"\x01" * 512])
def test_a_junk_signature_is_refused(pki, signature):
    assert pki.verify(pki.issue("2023", date(2025, 11, 1)), signature=signature) is Reason.BAD_SIGNATURE


def test_a_pss_signature_is_not_what_the_card_makes(pki):
    pss = pki.holder.sign(NONCE, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    assert pki.verify(pki.issue("2023", date(2025, 11, 1)), signature=pss) is Reason.BAD_SIGNATURE


def test_the_cheapest_refusal_is_reported_first(pki):
    expired_and_badly_signed = pki.issue("2019", date(2020, 11, 1))
    assert pki.verify(expired_and_badly_signed, signature=b"") is Reason.EXPIRED
    assert pki.verify(pki.revoked, signature=b"") is Reason.REVOKED


# --- signing as the card does ---------------------------------------------------------


def test_sign_challenge_equals_the_card_signing_a_sha256_digest_info(pki):
    digest = hashlib.sha256(NONCE).digest()
    digest_info = bytes.fromhex("3031300d060960864801650304020105000420") + digest
    assert len(digest_info) == 51
    signature = sign_challenge(pki.holder, NONCE)

    # What the card computes: type-01 padding around the DigestInfo, then the private operation.
    block = b"\x00\x01" + b"\xff" * (256 - 3 - len(digest_info)) + b"\x00" + digest_info
    private = pki.holder.private_numbers()
    card_signature = pow(int.from_bytes(block, "big"), private.d, private.public_numbers.n).to_bytes(256, "big")
    assert signature == card_signature
    assert signature == pki.holder.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
