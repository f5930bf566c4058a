"""IssuanceCenter port: the 証明書交付センター as the kiosk sees it.

The embedded implementation (center) is the default; a networked one can replace it
without the flow noticing. Every answer is typed: refusals carry a reason, never an exception.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Union

from kiosk.documents import CertificateDocument
from kiosk.eligibility import Refusal
from kiosk.kinds import CertificateKind
from kiosk.order import OrderLine


@dataclass(frozen=True)
class Challenge:
    challenge_id: str
    nonce: bytes  # 32 random bytes: the card signs SHA-256 DigestInfo of exactly these
    expires_at: datetime


class AuthRefusalReason(Enum):
    MALFORMED_CERTIFICATE = "malformed_certificate"
    UNKNOWN_ISSUER = "unknown_issuer"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    REVOCATION_UNAVAILABLE = "revocation_unavailable"  # no usable CRL: fail closed, the service is unavailable
    WRONG_KEY_USAGE = "wrong_key_usage"
    BAD_SIGNATURE = "bad_signature"
    CHALLENGE_UNKNOWN = "challenge_unknown"
    CHALLENGE_EXPIRED = "challenge_expired"
    CHALLENGE_REPLAYED = "challenge_replayed"
    NOT_LINKED = "not_linked"  # a valid certificate that no resident record is linked to


@dataclass(frozen=True)
class AuthRefused:
    reason: AuthRefusalReason


@dataclass(frozen=True)
class MunicipalityChoice:
    """A municipality this resident may ask for certificates from, and in which role."""

    code: str
    name: str
    role: str  # "residence" or "honseki"
    refusal: Refusal | None = None  # e.g. 本籍地 without 利用登録: shown, not selectable


@dataclass(frozen=True)
class Identity:
    """An authenticated resident, as a handle: personal data stays in the center."""

    auth_token: str  # single session, expires with it
    resident_ref: str
    municipalities: tuple[MunicipalityChoice, ...]


AuthResult = Union[Identity, AuthRefused]


@dataclass(frozen=True)
class HouseholdMember:
    """Shown on the order screen to choose whom a 住民票 covers (on screen only, never logged)."""

    resident_ref: str
    display_name: str
    relationship: str
    is_self: bool


@dataclass(frozen=True)
class KindOffer:
    kind: CertificateKind
    fee_per_copy: int
    max_copies: int
    refusal: Refusal | None  # None = can be ordered now
    default_line: OrderLine | None  # sensible defaults: 本人, the municipality's item rules...
    household: tuple[HouseholdMember, ...] = ()
    fiscal_years: tuple[int, ...] = ()
    my_number_allowed: bool = False
    # The yes/no items (CertificateOptions field names) the resident may switch for this kind,
    # in screen order: the core decides which apply, the order screen only shows them.
    toggles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Issued:
    documents: tuple[CertificateDocument, ...]


@dataclass(frozen=True)
class IssueRefused:
    refusal: Refusal


IssueResult = Union[Issued, IssueRefused]


class DocumentOutcome(Enum):
    """What became of an issued document at the kiosk: the center's 交付記録 records it."""

    PRINTED = "printed"
    REFUNDED = "refunded"  # paid, not printed: the fee is owed back to the resident
    VOIDED = "voided"  # issued, never paid for (cancelled, timed out, refused payment)


@dataclass(frozen=True)
class CatalogSnapshot:
    """The municipality files the center serves (hours, fees, closures), as a version and the
    files' bytes; the kiosk keeps the last one it got and reads its catalog from it."""

    version: str
    files: tuple[tuple[str, bytes], ...]  # (file name, TOML bytes), sorted by name


class IssuanceCenter(ABC):
    @abstractmethod
    def new_challenge(self) -> Challenge: ...

    @abstractmethod
    def authenticate(self, certificate_der: bytes, challenge_id: str, signature: bytes) -> AuthResult: ...

    @abstractmethod
    def offers(self, identity: Identity, municipality_code: str, at: datetime) -> tuple[KindOffer, ...]: ...

    @abstractmethod
    def issue(self, identity: Identity, session_id: str, lines: tuple[OrderLine, ...], at: datetime) -> IssueResult:
        """Document data for every line, bound to ``session_id``; all or nothing. Idempotent: the
        same session and lines asked again give the same documents and 発行番号, never new ones."""

    @abstractmethod
    def report(self, session_id: str, issue_number: str, outcome: DocumentOutcome) -> None:
        """Record what became of one issued document; reporting the same outcome again changes nothing."""

    @abstractmethod
    def catalog(self) -> CatalogSnapshot:
        """The catalog the center serves now."""

    @abstractmethod
    def end(self, identity: Identity) -> None:
        """Forget the authenticated session (called when the kiosk session closes)."""

