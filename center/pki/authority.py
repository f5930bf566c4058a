"""Auth CA generations: self-signed roots that share one DN and differ in key and validity."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa

from center.pki.days import end_of_day, start_of_day
from center.pki.names import AUTH_CA_NAME


@dataclass(frozen=True)
class GenerationWindow:
    """When one CA generation is valid (JST days, both inclusive)."""

    label: str
    first_day: date
    last_day: date

    @property
    def not_before(self) -> datetime:
        return start_of_day(self.first_day)

    @property
    def not_after(self) -> datetime:
        return end_of_day(self.last_day)

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


# The real auth CA generations' validity (J-LIS publishes the CA certificates at
# https://www.jpki.go.jp/ca/index.html); only the keys are ours.
AUTH_CA_GENERATIONS = (
    GenerationWindow("2015", date(2015, 10, 20), date(2025, 10, 19)),
    GenerationWindow("2019", date(2019, 9, 14), date(2029, 9, 14)),
    GenerationWindow("2023", date(2023, 7, 16), date(2033, 7, 15)),
)


def generation_issuing_on(day: date) -> GenerationWindow:
    """The newest generation valid on ``day``: a CA hands over issuing when its successor starts."""
    live = [window for window in AUTH_CA_GENERATIONS if window.contains(day)]
    if not live:
        raise ValueError(f"no demo auth CA generation is valid on {day.isoformat()}")
    return max(live, key=lambda window: window.first_day)


@dataclass(frozen=True)
class CertificateAuthority:
    """One CA generation with its private key: exists only while the demo PKI is being made."""

    window: GenerationWindow
    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey

    @classmethod
    def create(cls, window: GenerationWindow, private_key: rsa.RSAPrivateKey) -> "CertificateAuthority":
        public_key = private_key.public_key()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(AUTH_CA_NAME)
            .issuer_name(AUTH_CA_NAME)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(window.not_before)
            .not_valid_after(window.not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(key_usage(key_cert_sign=True, crl_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .sign(private_key, hashes.SHA256())
        )
        return cls(window, certificate, private_key)

    @property
    def label(self) -> str:
        return self.window.label


def key_usage(
    *, digital_signature: bool = False, key_cert_sign: bool = False, crl_sign: bool = False
) -> x509.KeyUsage:
    """The KeyUsage bits the demo PKI uses; every other bit stays off."""
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )
