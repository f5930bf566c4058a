"""The certificate policy against a corpus of hostile card certificates and CRLs.

Every hostile class is a named case with the one refusal it must get; the valid ones are named
too, and the corpus as a whole must accept exactly those. Certificates are made here with the
demo CA keys (or another key where that is the point); DER the builder will not produce (v1,
serial zero, an inner algorithm unlike the outer one, MD5, a CRL without nextUpdate) is edited
by hand and signed again.
"""
from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from center.authentication import AUTH_REASONS, CertificateAuthenticator, Verified
from kiosk.clock import JST
from center.pki.authority import AUTH_CA_GENERATIONS, CertificateAuthority, key_usage
from center.pki.certificates import issue_auth_certificate
from center.pki.crl import build_crl
from center.pki.keys import new_rsa_key
from center.pki.layout import DemoPkiLayout
from center.pki.names import AUTH_CA_NAME, holder_name
from center.pki.policy import CertificateRefusal as Refusal
from center.pki.policy import Revocation, der_tlv
from center.pki.signing import sign_challenge
from center.pki.trust import (
    TrustedGeneration,
    TrustStore,
    TrustStoreError,
    load_trust,
    trusted_generation,
)
from kiosk.ports.center import AuthRefusalReason

NOW = datetime(2026, 11, 16, 10, 0, tzinfo=JST)
NONCE = bytes(range(32))
BIRTH = date(1980, 3, 3)
ISSUED = date(2025, 11, 1)  # by the 2023 generation; valid until 2030-03-03
SHA256_RSA = bytes.fromhex("300d06092a864886f70d01010b0500")
SHA384_RSA = bytes.fromhex("300d06092a864886f70d01010c0500")
SHA256_RSA_NO_NULL = bytes.fromhex("300b06092a864886f70d01010b")
MD5_RSA = bytes.fromhex("300d06092a864886f70d0101040500")
SHA1_RSA = bytes.fromhex("300d06092a864886f70d0101050500")
OTHER_CA_NAME = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JPKI-DEMO"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "JPKI for digital signature"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Konbini Kiosk Demo"),
    ]
)
PRIVATE_OID = x509.ObjectIdentifier("1.3.6.1.4.1.55555.1.1")  # an extension nobody here knows
SHA256 = hashes.SHA256()
CARD_NOT_BEFORE = datetime(2025, 11, 1, tzinfo=JST)
CARD_NOT_AFTER = datetime(2030, 3, 3, 23, 59, 59, tzinfo=JST)
CARD_USAGE = key_usage(digital_signature=True)
_KEY_USAGE_BITS = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)


def _jst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=JST)


# --- the world the corpus is made in -------------------------------------------------


@dataclass(frozen=True, repr=False)  # keep failure reports short
class World:
    authorities: dict[str, CertificateAuthority]
    impostor: CertificateAuthority  # the trusted DN and the 2023 window, another key
    holder: rsa.RSAPrivateKey  # the card key behind most certificates: key generation is slow
    spare: rsa.RSAPrivateKey  # another RSA-2048 key, for moduli of other sizes
    small: rsa.RSAPrivateKey  # RSA-1024
    revoked: x509.Certificate  # on the 2023 CRL

    @property
    def ca(self) -> CertificateAuthority:
        return self.authorities["2023"]

    def generations(self, crls: dict[str, x509.CertificateRevocationList]) -> tuple[TrustedGeneration, ...]:
        """Every generation with its demo CRL, or the CRL a case gives for its label."""
        return tuple(
            trusted_generation(label, a.certificate, crls[label] if label in crls else self.crl(a))
            for label, a in self.authorities.items()
        )

    def crl(self, authority: CertificateAuthority) -> x509.CertificateRevocationList:
        serials = [self.revoked.serial_number] if authority is self.ca else []
        return build_crl(authority, serials, NOW)


@pytest.fixture(scope="module")
def world() -> World:
    authorities = {w.label: CertificateAuthority.create(w, new_rsa_key()) for w in AUTH_CA_GENERATIONS}
    impostor = CertificateAuthority.create(replace(AUTH_CA_GENERATIONS[-1], label="impostor"), new_rsa_key())
    holder = new_rsa_key()
    revoked = issue_auth_certificate(authorities["2023"], holder.public_key(), BIRTH, date(2025, 5, 1))
    return World(authorities, impostor, holder, new_rsa_key(), rsa.generate_private_key(65537, 1024), revoked)


@dataclass(frozen=True)
class Case:
    certificate: x509.Certificate | bytes
    crls: dict[str, x509.CertificateRevocationList] = dataclasses.field(default_factory=dict)  # by CA label
    at: datetime = NOW
    key: rsa.RSAPrivateKey | None = None  # signs the challenge; None: the holder key

    @property
    def der(self) -> bytes:
        if isinstance(self.certificate, bytes):
            return self.certificate
        return self.certificate.public_bytes(serialization.Encoding.DER)


HOSTILE: dict[str, tuple[Callable[[World], Case], Refusal]] = {}
VALID: dict[str, Callable[[World], Case]] = {}


def hostile(name: str, refusal: Refusal):
    def register(make: Callable[[World], Case]) -> Callable[[World], Case]:
        assert name not in HOSTILE
        HOSTILE[name] = (make, refusal)
        return make

    return register


def valid(name: str):
    def register(make: Callable[[World], Case]) -> Callable[[World], Case]:
        assert name not in VALID
        VALID[name] = make
        return make

    return register


def _card(
    w: World,
    *,
    signer: rsa.RSAPrivateKey | None = None,
    issuer: x509.Name = AUTH_CA_NAME,
    subject: x509.Name | None = None,
    key=None,
    not_before: datetime = CARD_NOT_BEFORE,
    not_after: datetime = CARD_NOT_AFTER,
    usage: x509.KeyUsage | None = CARD_USAGE,
    extra: tuple[tuple[x509.ExtensionType, bool], ...] = (),
    algorithm: hashes.HashAlgorithm = SHA256,
    rsa_padding=None,
) -> x509.Certificate:
    """A card certificate like the demo's, with whatever the case changes."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject or holder_name("0123456789ABCDEFGHIJ"))
        .issuer_name(issuer)
        .public_key(key or w.holder.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    if usage is not None:
        builder = builder.add_extension(usage, critical=True)
    for value, critical in extra:
        builder = builder.add_extension(value, critical=critical)
    return builder.sign(signer or w.ca.private_key, algorithm, rsa_padding=rsa_padding)


# --- hand-made DER --------------------------------------------------------------------


def _children(sequence: bytes) -> list[bytes]:
    """The encoded elements inside a DER SEQUENCE."""

    def element_end(offset: int) -> tuple[int, int]:
        length = sequence[offset + 1]
        start = offset + 2
        if length & 0x80:
            count = length & 0x7F
            length, start = int.from_bytes(sequence[start : start + count], "big"), start + count
        return start, start + length

    offset, end = element_end(0)
    children = []
    while offset < end:
        _, after = element_end(offset)
        children.append(sequence[offset:after])
        offset = after
    return children


def _signed(tbs: bytes, signer: rsa.RSAPrivateKey, algorithm: bytes = SHA256_RSA, digest=None) -> bytes:
    signature = signer.sign(tbs, padding.PKCS1v15(), digest or hashes.SHA256())
    return der_tlv(0x30, tbs + algorithm + der_tlv(0x03, b"\x00" + signature))


def _edited(certificate: x509.Certificate, edit: Callable[[list[bytes]], list[bytes]], signer, **how) -> bytes:
    """The certificate with its tbsCertificate fields edited, signed again."""
    fields = edit(_children(certificate.tbs_certificate_bytes))
    return _signed(der_tlv(0x30, b"".join(fields)), signer, **how)


def _without_version(fields: list[bytes]) -> list[bytes]:
    assert fields[0][0] == 0xA0
    return fields[1:]


def _with_serial(serial: bytes) -> Callable[[list[bytes]], list[bytes]]:
    def edit(fields: list[bytes]) -> list[bytes]:
        assert fields[1][0] == 0x02
        return [fields[0], der_tlv(0x02, serial), *fields[2:]]

    return edit


def _with_inner_algorithm(algorithm: bytes) -> Callable[[list[bytes]], list[bytes]]:
    def edit(fields: list[bytes]) -> list[bytes]:
        return [fields[0], fields[1], algorithm, *fields[3:]]

    return edit


def _crl(
    authority: CertificateAuthority,
    *,
    signer: rsa.RSAPrivateKey | None = None,
    issuer: x509.Name | None = None,
    this_update: datetime = NOW - timedelta(days=1),
    next_update: datetime = NOW + timedelta(days=1),
    serials: tuple[int, ...] = (),
    extra: tuple[tuple[x509.ExtensionType, bool], ...] = (),
    entry_extra: tuple[tuple[x509.ExtensionType, bool], ...] = (),
    algorithm: hashes.HashAlgorithm = SHA256,
) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer or authority.certificate.subject)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(7), critical=False)
    )
    for value, critical in extra:
        builder = builder.add_extension(value, critical=critical)
    for serial in serials:
        entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(this_update)
        for value, critical in entry_extra:
            entry = entry.add_extension(value, critical=critical)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(signer or authority.private_key, algorithm)


def _crl_without_next_update(authority: CertificateAuthority) -> x509.CertificateRevocationList:
    fields = _children(_crl(authority).tbs_certlist_bytes)
    # version, signature, issuer, thisUpdate, nextUpdate, crlExtensions: drop nextUpdate
    assert [field[0] for field in fields] == [0x02, 0x30, 0x30, 0x17, 0x17, 0xA0]
    der = _signed(der_tlv(0x30, b"".join(fields[:4] + fields[5:])), authority.private_key)
    crl = x509.load_der_x509_crl(der)
    assert crl.next_update_utc is None
    return crl


def _exponent_key(w: World, exponent: int) -> rsa.RSAPrivateKey:
    """The holder's primes with another public exponent."""
    numbers = w.holder.private_numbers()
    p, q = numbers.p, numbers.q
    d = pow(exponent, -1, (p - 1) * (q - 1))
    public = rsa.RSAPublicNumbers(exponent, p * q)
    return rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), public).private_key()


def _modulus(*keys: rsa.RSAPrivateKey) -> rsa.RSAPublicKey:
    """An RSA public key whose modulus is the product of the keys' moduli: any size we like."""
    n = 1
    for key in keys:
        n *= key.public_key().public_numbers().n
    return rsa.RSAPublicNumbers(65537, n).public_key()


def _usage(**bits: bool) -> x509.KeyUsage:
    return x509.KeyUsage(**{name: bits.get(name, False) for name in _KEY_USAGE_BITS})


# --- valid certificates ---------------------------------------------------------------


@valid("issued-by-the-newest-generation")
def _(w):
    return Case(issue_auth_certificate(w.ca, w.holder.public_key(), BIRTH, ISSUED))


@valid("issued-by-the-previous-generation")
def _(w):
    return Case(issue_auth_certificate(w.authorities["2019"], w.holder.public_key(), BIRTH, date(2023, 3, 1)))


@valid("eku-client-auth")
def _(w):
    return Case(_card(w, extra=((x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),)))


@valid("eku-client-auth-critical-among-others")
def _(w):
    purposes = [ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CLIENT_AUTH]
    return Case(_card(w, extra=((x509.ExtendedKeyUsage(purposes), True),)))


@valid("basic-constraints-ca-false")
def _(w):
    return Case(_card(w, extra=((x509.BasicConstraints(ca=False, path_length=None), True),)))


@valid("unknown-non-critical-extension")
def _(w):
    return Case(_card(w, extra=((x509.UnrecognizedExtension(PRIVATE_OID, b"\x05\x00"), False),)))


@valid("exponent-65539-within-fips-186-5")
def _(w):
    key = _exponent_key(w, 65539)
    return Case(_card(w, key=key.public_key()), key=key)


@valid("not-after-equal-to-the-ca-not-after")
def _(w):
    return Case(_card(w, not_after=w.ca.certificate.not_valid_after_utc))


@valid("not-before-equal-to-the-ca-not-before")
def _(w):
    return Case(_card(w, not_before=w.ca.certificate.not_valid_before_utc))


@valid("revoked-serial-but-of-another-generation")
def _(w):
    certificate = (
        x509.CertificateBuilder()
        .subject_name(w.revoked.subject)
        .issuer_name(AUTH_CA_NAME)
        .public_key(w.holder.public_key())
        .serial_number(w.revoked.serial_number)
        .not_valid_before(_jst(2023, 3, 1))
        .not_valid_after(_jst(2027, 12, 31))
        .add_extension(key_usage(digital_signature=True), critical=True)
        .sign(w.authorities["2019"].private_key, hashes.SHA256())
    )
    return Case(certificate)


@valid("crl-at-its-very-next-update")
def _(w):
    return Case(_card(w), crls={"2023": _crl(w.ca, next_update=NOW)})


@valid("crl-issued-after-the-moment-checked")
def _(w):
    return Case(_card(w), crls={"2023": _crl(w.ca, this_update=NOW + timedelta(hours=1))})


# --- hostile: the encoding and the fixed fields --------------------------------------


@hostile("truncated-der", Refusal.MALFORMED)
def _(w):
    return Case(Case(_card(w)).der[:-1])


@hostile("v1-certificate", Refusal.NOT_VERSION_3)
def _(w):
    return Case(_edited(_card(w, usage=None), _without_version, w.ca.private_key))


@hostile("v1-certificate-with-extensions", Refusal.NOT_VERSION_3)
def _(w):
    return Case(_edited(_card(w), _without_version, w.ca.private_key))


@hostile("serial-zero", Refusal.BAD_SERIAL_NUMBER)
def _(w):
    return Case(_edited(_card(w), _with_serial(b"\x00"), w.ca.private_key))


@hostile("serial-negative", Refusal.BAD_SERIAL_NUMBER)
def _(w):
    return Case(_edited(_card(w), _with_serial(b"\xff\x01"), w.ca.private_key))


@hostile("signature-md5", Refusal.SIGNATURE_ALGORITHM)
def _(w):
    edit = _with_inner_algorithm(MD5_RSA)
    return Case(_edited(_card(w), edit, w.ca.private_key, algorithm=MD5_RSA, digest=hashes.MD5()))


@hostile("signature-sha1", Refusal.SIGNATURE_ALGORITHM)
def _(w):
    edit = _with_inner_algorithm(SHA1_RSA)
    return Case(_edited(_card(w), edit, w.ca.private_key, algorithm=SHA1_RSA, digest=hashes.SHA1()))


@hostile("signature-sha512", Refusal.SIGNATURE_ALGORITHM)
def _(w):
    return Case(_card(w, algorithm=hashes.SHA512()))


@hostile("signature-rsassa-pss", Refusal.SIGNATURE_ALGORITHM)
def _(w):
    pss = padding.PSS(padding.MGF1(hashes.SHA256()), 32)
    return Case(_card(w, rsa_padding=pss))


@hostile("inner-algorithm-unlike-the-outer", Refusal.SIGNATURE_ALGORITHM)
def _(w):
    return Case(_edited(_card(w), _with_inner_algorithm(SHA384_RSA), w.ca.private_key))


@hostile("inner-algorithm-without-parameters", Refusal.SIGNATURE_ALGORITHM)
def _(w):
    return Case(_edited(_card(w), _with_inner_algorithm(SHA256_RSA_NO_NULL), w.ca.private_key))


# --- hostile: extensions --------------------------------------------------------------


@hostile("unknown-critical-extension", Refusal.UNKNOWN_CRITICAL_EXTENSION)
def _(w):
    return Case(_card(w, extra=((x509.UnrecognizedExtension(PRIVATE_OID, b"\x05\x00"), True),)))


@hostile("critical-certificate-policies", Refusal.UNKNOWN_CRITICAL_EXTENSION)
def _(w):
    policies = x509.CertificatePolicies([x509.PolicyInformation(PRIVATE_OID, None)])
    return Case(_card(w, extra=((policies, True),)))


@hostile("critical-name-constraints", Refusal.UNKNOWN_CRITICAL_EXTENSION)
def _(w):
    constraints = x509.NameConstraints(permitted_subtrees=[x509.DNSName("example.jp")], excluded_subtrees=None)
    return Case(_card(w, extra=((constraints, True),)))


@hostile("basic-constraints-ca-true", Refusal.CA_CERTIFICATE)
def _(w):
    return Case(_card(w, extra=((x509.BasicConstraints(ca=True, path_length=None), True),)))


@hostile("basic-constraints-ca-true-not-critical", Refusal.CA_CERTIFICATE)
def _(w):
    return Case(_card(w, extra=((x509.BasicConstraints(ca=True, path_length=0), False),)))


@hostile("key-usage-key-cert-sign", Refusal.CERTIFICATE_SIGNING_KEY)
def _(w):
    return Case(_card(w, usage=_usage(digital_signature=True, key_cert_sign=True)))


@hostile("key-usage-crl-sign", Refusal.CERTIFICATE_SIGNING_KEY)
def _(w):
    return Case(_card(w, usage=_usage(digital_signature=True, crl_sign=True)))


@hostile("key-usage-key-cert-sign-only", Refusal.CERTIFICATE_SIGNING_KEY)
def _(w):
    return Case(_card(w, usage=_usage(key_cert_sign=True)))


@hostile("key-usage-missing", Refusal.NO_DIGITAL_SIGNATURE)
def _(w):
    return Case(_card(w, usage=None))


@hostile("key-usage-key-encipherment-only", Refusal.NO_DIGITAL_SIGNATURE)
def _(w):
    return Case(_card(w, usage=_usage(key_encipherment=True)))


@hostile("key-usage-non-repudiation-only", Refusal.NO_DIGITAL_SIGNATURE)
def _(w):
    return Case(_card(w, usage=_usage(content_commitment=True)))


@hostile("eku-server-auth-only", Refusal.NO_CLIENT_AUTH)
def _(w):
    return Case(_card(w, extra=((x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),)))


@hostile("eku-critical-server-auth-only", Refusal.NO_CLIENT_AUTH)
def _(w):
    return Case(_card(w, extra=((x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), True),)))


@hostile("eku-email-and-code-signing", Refusal.NO_CLIENT_AUTH)
def _(w):
    purposes = [ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CODE_SIGNING]
    return Case(_card(w, extra=((x509.ExtendedKeyUsage(purposes), False),)))


@hostile("eku-any-purpose-only", Refusal.NO_CLIENT_AUTH)
def _(w):
    return Case(_card(w, extra=((x509.ExtendedKeyUsage([ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE]), False),)))


# --- hostile: the key -----------------------------------------------------------------


@hostile("rsa-1024", Refusal.KEY_NOT_RSA_2048)
def _(w):
    return Case(_card(w, key=w.small.public_key()), key=w.small)


@hostile("rsa-modulus-of-3072-bits", Refusal.KEY_NOT_RSA_2048)
def _(w):
    return Case(_card(w, key=_modulus(w.holder, w.small)))


@hostile("rsa-modulus-of-4096-bits", Refusal.KEY_NOT_RSA_2048)
def _(w):
    return Case(_card(w, key=_modulus(w.holder, w.spare)))


@hostile("ec-p256", Refusal.KEY_NOT_RSA_2048)
def _(w):
    return Case(_card(w, key=ec.generate_private_key(ec.SECP256R1()).public_key()))


@hostile("ec-secp256k1", Refusal.KEY_NOT_RSA_2048)
def _(w):
    return Case(_card(w, key=ec.generate_private_key(ec.SECP256K1()).public_key()))


@hostile("ed25519", Refusal.KEY_NOT_RSA_2048)
def _(w):
    return Case(_card(w, key=ed25519.Ed25519PrivateKey.generate().public_key()))


@hostile("ed448", Refusal.KEY_NOT_RSA_2048)
def _(w):
    return Case(_card(w, key=ed448.Ed448PrivateKey.generate().public_key()))


@hostile("exponent-3", Refusal.WEAK_PUBLIC_EXPONENT)
def _(w):
    return Case(_card(w, key=rsa.RSAPublicNumbers(3, w.holder.public_key().public_numbers().n).public_key()))


@hostile("exponent-65535-just-below", Refusal.WEAK_PUBLIC_EXPONENT)
def _(w):
    return Case(_card(w, key=rsa.RSAPublicNumbers(65535, w.holder.public_key().public_numbers().n).public_key()))


@hostile("exponent-above-2-to-the-256", Refusal.WEAK_PUBLIC_EXPONENT)
def _(w):
    n = w.holder.public_key().public_numbers().n
    return Case(_card(w, key=rsa.RSAPublicNumbers(2**256 + 1, n).public_key()))


# --- hostile: the issuer --------------------------------------------------------------


@hostile("another-ca-with-the-trusted-name", Refusal.UNKNOWN_ISSUER)
def _(w):
    return Case(issue_auth_certificate(w.impostor, w.holder.public_key(), BIRTH, ISSUED))


@hostile("self-signed-under-the-ca-name", Refusal.UNKNOWN_ISSUER)
def _(w):
    return Case(_card(w, signer=w.holder, subject=AUTH_CA_NAME))


@hostile("self-signed-under-its-own-name", Refusal.UNKNOWN_ISSUER)
def _(w):
    name = holder_name("0123456789ABCDEFGHIJ")
    return Case(_card(w, signer=w.holder, issuer=name, subject=name))


@hostile("issuer-name-of-another-ca", Refusal.UNKNOWN_ISSUER)
def _(w):
    return Case(_card(w, issuer=OTHER_CA_NAME))


@hostile("signature-bit-flipped", Refusal.UNKNOWN_ISSUER)
def _(w):
    der = bytearray(Case(_card(w)).der)
    der[-1] ^= 0x01
    return Case(bytes(der))


@hostile("subject-changed-after-signing", Refusal.UNKNOWN_ISSUER)
def _(w):
    der = Case(_card(w)).der
    return Case(der.replace(b"0123456789ABCDEFGHIJ", b"0123456789ABCDEFGHIK"))


@hostile("the-ca-certificate-itself", Refusal.CA_CERTIFICATE)
def _(w):
    return Case(w.ca.certificate)


# --- hostile: time --------------------------------------------------------------------


@hostile("expired", Refusal.EXPIRED)
def _(w):
    return Case(issue_auth_certificate(w.authorities["2019"], w.holder.public_key(), BIRTH, date(2020, 11, 1)))


@hostile("issued-by-the-retired-2015-generation", Refusal.EXPIRED)
def _(w):
    return Case(issue_auth_certificate(w.authorities["2015"], w.holder.public_key(), BIRTH, date(2019, 3, 1)))


@hostile("not-yet-valid", Refusal.NOT_YET_VALID)
def _(w):
    return Case(_card(w, not_before=_jst(2026, 12, 1)))


@hostile("not-after-beyond-the-ca", Refusal.OUTSIDE_ISSUER_VALIDITY)
def _(w):
    return Case(_card(w, not_after=w.ca.certificate.not_valid_after_utc + timedelta(seconds=1)))


@hostile("not-after-beyond-the-retired-2015-ca", Refusal.OUTSIDE_ISSUER_VALIDITY)
def _(w):
    signer = w.authorities["2015"].private_key  # ended 2025-10-19: checked while it was valid
    return Case(_card(w, signer=signer, not_before=_jst(2024, 1, 1), not_after=_jst(2028, 12, 31)), at=_jst(2025, 6, 1))


@hostile("not-before-before-the-ca", Refusal.OUTSIDE_ISSUER_VALIDITY)
def _(w):
    return Case(_card(w, not_before=w.ca.certificate.not_valid_before_utc - timedelta(seconds=1)))


# --- hostile: revocation --------------------------------------------------------------


@hostile("revoked", Refusal.REVOKED)
def _(w):
    return Case(w.revoked)


@hostile("crl-past-its-next-update", Refusal.REVOCATION_UNAVAILABLE)
def _(w):
    stale = _crl(w.ca, this_update=NOW - timedelta(days=2), next_update=NOW - timedelta(seconds=1))
    return Case(_card(w), crls={"2023": stale})


@hostile("crl-past-its-next-update-listing-the-card", Refusal.REVOCATION_UNAVAILABLE)
def _(w):
    stale = _crl(w.ca, next_update=NOW - timedelta(hours=1), serials=(w.revoked.serial_number,))
    return Case(w.revoked, crls={"2023": stale})


@hostile("crl-signed-by-another-key", Refusal.REVOCATION_UNAVAILABLE)
def _(w):
    return Case(_card(w), crls={"2023": _crl(w.ca, signer=w.impostor.private_key)})


@hostile("crl-of-another-issuer", Refusal.REVOCATION_UNAVAILABLE)
def _(w):
    return Case(_card(w), crls={"2023": _crl(w.ca, issuer=OTHER_CA_NAME)})


@hostile("crl-of-another-generation", Refusal.REVOCATION_UNAVAILABLE)
def _(w):
    return Case(_card(w), crls={"2023": _crl(w.authorities["2019"])})  # same DN, other key


@hostile("crl-without-next-update", Refusal.REVOCATION_UNAVAILABLE)
def _(w):
    return Case(_card(w), crls={"2023": _crl_without_next_update(w.ca)})


@hostile("crl-signed-sha1", Refusal.REVOCATION_UNAVAILABLE)
def _(w):
    fields = _children(_crl(w.ca).tbs_certlist_bytes)
    der = _signed(der_tlv(0x30, b"".join([fields[0], SHA1_RSA, *fields[2:]])), w.ca.private_key, SHA1_RSA, hashes.SHA1())
    return Case(_card(w), crls={"2023": x509.load_der_x509_crl(der)})


@hostile("crl-with-a-critical-delta-indicator", Refusal.REVOCATION_UNAVAILABLE)
def _(w):
    return Case(_card(w), crls={"2023": _crl(w.ca, extra=((x509.DeltaCRLIndicator(6), True),))})


@hostile("crl-entry-with-a-critical-certificate-issuer", Refusal.REVOCATION_UNAVAILABLE)
def _(w):
    other = x509.CertificateIssuer([x509.DirectoryName(OTHER_CA_NAME)])
    crl = _crl(w.ca, serials=(w.revoked.serial_number,), entry_extra=((other, True),))
    return Case(_card(w), crls={"2023": crl})


# --- the tests ------------------------------------------------------------------------


def _outcome(w: World, case: Case) -> Refusal | Verified | AuthRefusalReason:
    """The policy's own refusal, or what the authenticator says of an accepted certificate."""
    authenticator = CertificateAuthenticator(TrustStore(w.generations(case.crls)))
    checked = authenticator.check_certificate(case.der, case.at)
    answer = authenticator.verify(case.der, NONCE, sign_challenge(case.key or w.holder, NONCE), case.at)
    if isinstance(checked, Refusal):
        assert answer is AUTH_REASONS[checked]  # the port says the same, coarser
        return checked
    return answer


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")  # negative serial
def test_a_hostile_certificate_is_refused_for_its_own_reason(world, name):
    make, refusal = HOSTILE[name]
    assert _outcome(world, make(world)) is refusal


@pytest.mark.parametrize("name", sorted(VALID))
def test_a_valid_certificate_is_accepted(world, name):
    case = VALID[name](world)
    assert _outcome(world, case) == Verified(hashlib.sha256(case.der).hexdigest())


@pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")
def test_the_corpus_holds_at_least_30_hostile_classes_and_only_the_valid_ones_pass(world):
    assert len(HOSTILE) >= 30
    cases = {name: make for name, (make, _) in HOSTILE.items()} | VALID
    accepted = {name for name, make in cases.items() if isinstance(_outcome(world, make(world)), Verified)}
    assert accepted == set(VALID)


def test_every_rule_of_the_policy_is_exercised_by_the_corpus():
    assert {refusal for _, refusal in HOSTILE.values()} == set(Refusal)


def test_every_policy_refusal_has_a_reason_at_the_port():
    assert set(AUTH_REASONS) == set(Refusal)
    assert AUTH_REASONS[Refusal.REVOCATION_UNAVAILABLE] is AuthRefusalReason.REVOCATION_UNAVAILABLE


# --- revocation status in the trust store ---------------------------------------------


def test_a_crl_is_usable_through_the_last_second_of_its_next_update():
    revocation = Revocation(frozenset(), NOW - timedelta(seconds=1))
    assert revocation.refusal(12345, NOW) is Refusal.REVOCATION_UNAVAILABLE
    assert revocation.refusal(12345, NOW - timedelta(seconds=1)) is None


def _write_trust(directory, world: World, crl: x509.CertificateRevocationList) -> None:
    layout = DemoPkiLayout(directory)
    layout.pki_dir.mkdir(parents=True)
    pem = serialization.Encoding.PEM
    layout.ca_certificate("2023").write_bytes(world.ca.certificate.public_bytes(pem))
    layout.crl("2023").write_bytes(crl.public_bytes(pem))


@pytest.mark.parametrize(
    "make_crl, message",
    [
        (lambda w: _crl_without_next_update(w.ca), "nextUpdate"),
        (lambda w: _crl(w.ca, issuer=OTHER_CA_NAME), "another issuer"),
        (lambda w: _crl(w.ca, extra=((x509.DeltaCRLIndicator(6), True),)), "critical"),
    ],
    ids=["without-next-update", "another-issuer", "critical-extension"],
)
def test_loading_trust_refuses_a_crl_the_center_cannot_use(world, tmp_path, make_crl, message):
    _write_trust(tmp_path, world, make_crl(world))
    with pytest.raises(TrustStoreError, match=message):
        load_trust(tmp_path)


def test_loading_trust_takes_a_crl_past_its_next_update(world, tmp_path):
    # Whether a CRL is stale depends on the hour: verification refuses then, loading does not.
    _write_trust(tmp_path, world, _crl(world.ca, next_update=NOW - timedelta(days=1)))
    (generation,) = load_trust(tmp_path).generations
    assert generation.revocation.refusal(1, NOW) is Refusal.REVOCATION_UNAVAILABLE


# --- what the resident is told ----------------------------------------------------------


def test_a_stale_crl_tells_the_resident_the_service_is_unavailable(kiosk_config, monkeypatch):
    from kiosk import events as ev
    from app.bootstrap import build_kiosk
    from kiosk.clock import ManualClock
    from kiosk.notices import NoticeCode
    from kiosk.pin import Pin
    from center.pki import trust
    from app.provision import DEMO_REFERENCE_TIME
    from kiosk.session_view import Screen
    from kiosk.shuffle import ShufflingExecutor

    real_load_trust = trust.load_trust

    def stale_trust(data_dir):
        # The demo CRLs run until their CA ends; age every one to just before the session.
        stale = Revocation(frozenset(), DEMO_REFERENCE_TIME - timedelta(minutes=1))
        generations = real_load_trust(data_dir).generations
        return TrustStore(tuple(dataclasses.replace(g, revocation=stale) for g in generations))

    monkeypatch.setattr(trust, "load_trust", stale_trust)
    clock = ManualClock(DEMO_REFERENCE_TIME)
    executor = ShufflingExecutor(None)
    k = build_kiosk(kiosk_config, clock=clock, executor=executor)
    k.start()
    try:

        def settle() -> None:
            k.runtime.post(ev.Tick(clock.now()))
            executor.drain()

        k.card.insert("sato-ichiro")
        settle()
        k.runtime.post(ev.PinEntered(Pin("4721")))
        settle()
        view = k.flow.view()
        assert view.screen is Screen.NOTICE
        assert view.notice is not None and view.notice.code is NoticeCode.CENTER_UNAVAILABLE
    finally:
        k.close()
