"""The issuance center's rules: the IssuanceCenter the kiosk embeds by default, and the one
``kiosk-center serve`` puts on the network.

It plays the 証明書交付センター and the municipalities behind it: checks the card's signature
and certificate, links the certificate to a resident, decides eligibility and builds the
document data. Authenticated sessions are handles: another session's token, or a token that
has ended, gets nothing back, so another resident's data can never come back.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.catalog.catalog import Catalog
from center.authentication import CertificateAuthenticator, Verified
from center.documents_builder import DocumentDataError, build_document
from center.eligibility import RelatedRecords, line_refusal, municipality_choices
from center.offers import build_offers
from kiosk.clock import Clock
from kiosk.eligibility import Refusal, RefusalReason
from kiosk.order import OrderLine
from kiosk.ports.center import (
    AuthRefusalReason, AuthRefused, AuthResult, CatalogSnapshot, Challenge, DocumentOutcome, Identity,
    IssuanceCenter, Issued, IssueRefused, IssueResult, KindOffer,
)
from center.registry.records import KosekiRecord, ResidentRecord
from center.codec import request_key
from center.storage.store import CenterStore, TakeNumber


@dataclass(frozen=True)
class _ResidentFile:
    """Everything the center reads about one requester, fetched once per request."""

    resident: ResidentRecord
    household: tuple[ResidentRecord, ...]
    koseki: KosekiRecord | None
    related: RelatedRecords


class EmbeddedCenter(IssuanceCenter):
    """The center's rules over its store. Everything it keeps between calls (challenges, sessions,
    issue numbers, issued documents, the 交付記録) is in the store's database, so any number of
    center processes can share one, and a restart loses and repeats nothing."""

    def __init__(
        self, *, store: CenterStore, catalog: Catalog, authenticator: CertificateAuthenticator, clock: Clock,
        kiosk_id: str = "", snapshot: CatalogSnapshot | None = None,
    ) -> None:
        self._store = store
        self._registry = store.registry
        self._catalog = catalog
        self._authenticator = authenticator
        self._clock = clock
        self._kiosk_id = kiosk_id  # in the kiosk's own process; a served center names the kiosk in the session id
        self._snapshot = snapshot or CatalogSnapshot("", ())

    def new_challenge(self) -> Challenge:
        return self._store.new_challenge(self._clock.now())

    def authenticate(self, certificate_der: bytes, challenge_id: str, signature: bytes) -> AuthResult:
        now = self._clock.now()
        nonce = self._store.consume_challenge(challenge_id, now)
        if isinstance(nonce, AuthRefusalReason):
            return AuthRefused(nonce)
        verified = self._authenticator.verify(certificate_der, nonce, signature, now)
        if not isinstance(verified, Verified):
            return AuthRefused(verified)
        ref = self._registry.resident_for_certificate(verified.certificate_sha256)
        file = self._file(ref) if ref else None
        if ref is None or file is None:
            return AuthRefused(AuthRefusalReason.NOT_LINKED)
        token = self._store.open_session(ref, self._kiosk_id, now)
        choices = municipality_choices(file.resident, file.household, file.koseki, self._catalog, now)
        return Identity(auth_token=token, resident_ref=ref, municipalities=choices)

    def offers(self, identity: Identity, municipality_code: str, at: datetime) -> tuple[KindOffer, ...]:
        file = self._authorised(identity)
        if file is None or municipality_code not in self._catalog:
            return ()
        municipality = self._catalog.municipality(municipality_code)
        return build_offers(file.resident, file.household, file.koseki, municipality, at, related=file.related)

    def issue(self, identity: Identity, session_id: str, lines: tuple[OrderLine, ...], at: datetime) -> IssueResult:
        file = self._authorised(identity)  # read before the issuing transaction: it holds no second connection
        if file is None:
            return IssueRefused(Refusal(RefusalReason.BAD_OPTIONS, "session not authenticated"))
        if not lines:
            return IssueRefused(Refusal(RefusalReason.BAD_OPTIONS, "empty order"))
        for line in lines:  # all or nothing: check every line before numbering any
            if line.municipality_code not in self._catalog:
                return IssueRefused(Refusal(RefusalReason.NOT_OFFERED, f"unknown municipality {line.municipality_code}"))
            refusal = line_refusal(
                file.resident, file.household, file.koseki, self._catalog.municipality(line.municipality_code),
                line, at, related=file.related,
            )
            if refusal is not None:
                return IssueRefused(refusal)

        def build(take: TakeNumber) -> IssueResult:
            try:
                return Issued(tuple(
                    build_document(
                        line.kind, line, file.resident, file.household, file.koseki,
                        self._catalog.municipality(line.municipality_code), session_id,
                        take(line.municipality_code, at), at, related=file.related,
                    )
                    for line in lines
                ))
            except DocumentDataError as exc:
                return IssueRefused(Refusal(RefusalReason.BAD_OPTIONS, str(exc)))

        kiosk_id = self._kiosk_of(session_id)
        # the same session and lines asked again (a retry, from any process): the same documents
        return self._store.issue_once(request_key(kiosk_id, session_id, lines), build, kiosk_id=kiosk_id,
                                      session_id=session_id, resident_ref=file.resident.resident_ref, at=at)

    def report(self, session_id: str, issue_number: str, outcome: DocumentOutcome) -> None:
        self._store.report(session_id, issue_number, outcome, self._clock.now())

    def catalog(self) -> CatalogSnapshot:
        return self._snapshot

    def end(self, identity: Identity) -> None:
        self._store.end_session(identity.auth_token)

    def _kiosk_of(self, session_id: str) -> str:
        """A served center sees ``<kiosk id>/<session id>`` (center/api/server.py); the embedded one, its kiosk's."""
        kiosk, _, rest = session_id.partition("/")
        return kiosk if rest else self._kiosk_id

    def _authorised(self, identity: Identity) -> _ResidentFile | None:
        ref = self._store.session_ref(identity.auth_token, self._clock.now())
        if ref is None or ref != identity.resident_ref:
            return None
        return self._file(ref)

    def _file(self, ref: str) -> _ResidentFile | None:
        resident = self._registry.resident(ref)
        if resident is None:
            return None
        household = self._registry.household(resident.household_id)
        koseki = self._registry.koseki(resident.koseki_id) if resident.koseki_id else None
        return _ResidentFile(resident, household, koseki, self._related(household, koseki))

    def _related(self, household: tuple[ResidentRecord, ...], koseki: KosekiRecord | None) -> RelatedRecords:
        """Records some printed items need beyond the household and 戸籍 (see RelatedRecords)."""
        koseki_residents: tuple[ResidentRecord, ...] = ()
        if koseki is not None:
            refs = [m.resident_ref for m in koseki.members if m.resident_ref]
            koseki_residents = tuple(r for r in map(self._registry.resident, refs) if r is not None)
        other_ids = {r.koseki_id for r in household if r.koseki_id} - ({koseki.koseki_id} if koseki else set())
        member_koseki = tuple(k for k in map(self._registry.koseki, sorted(other_ids)) if k is not None)
        return RelatedRecords(koseki_residents=koseki_residents, member_koseki=member_koseki)
