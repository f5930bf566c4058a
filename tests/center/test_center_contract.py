"""The IssuanceCenter contract, checked the same way against the in-process EmbeddedCenter and
against GrpcCenter talking over mutual TLS to a server wrapping one: what the kiosk may rely on,
whichever center it has. Then both side by side, on identical data, must answer alike."""
from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest
from center_kit import (  # noqa: F401  (fixtures)
    NOW, Cards, cards, center_data, client, embedded, fleet, kiosk_a, serve_demo_center, served,
)

from center.cli import build_demo_center
from kiosk.catalog.snapshot import snapshot_of
from kiosk.clock import ManualClock
from kiosk.config import load_config
from kiosk.documents import CertificateDocument
from kiosk.eligibility import RefusalReason
from kiosk.kinds import CertificateKind
from kiosk.ports.center import (
    AuthRefusalReason, AuthRefused, DocumentOutcome, Identity, IssuanceCenter, Issued, IssueRefused, KindOffer,
)

REFUSED_CARDS = {
    "visitor": AuthRefusalReason.NOT_LINKED,
    "takahashi-kenta": AuthRefusalReason.REVOKED,
    "matsumoto-tome": AuthRefusalReason.EXPIRED,
    "stranger": AuthRefusalReason.UNKNOWN_ISSUER,
}


@pytest.fixture(params=["embedded", "grpc"])
def center(request) -> IssuanceCenter:
    return request.getfixturevalue("embedded" if request.param == "embedded" else "kiosk_a")


def juminhyo(center: IssuanceCenter, identity: Identity) -> KindOffer:
    offers = center.offers(identity, "990001", NOW)
    return next(o for o in offers if o.kind is CertificateKind.JUMINHYO)


# --- challenges and authentication ---------------------------------------------------------------------
def test_a_challenge_is_32_fresh_bytes_with_an_expiry(center):
    first, second = center.new_challenge(), center.new_challenge()
    assert len(first.nonce) == 32 and first.nonce != second.nonce
    assert first.challenge_id != second.challenge_id
    assert first.expires_at.utcoffset() == timedelta(hours=9) and first.expires_at > NOW


def test_the_card_that_signed_is_the_resident_it_is_linked_to(center, cards):
    identity = cards.login(center)
    assert identity.resident_ref == "R-0001" and identity.auth_token
    codes = {c.code: c for c in identity.municipalities}
    assert codes["990001"].role == "residence" and codes["990001"].refusal is None


def test_a_challenge_is_single_use(center, cards):
    challenge = center.new_challenge()
    certificate, signature = cards.sign("sato-ichiro", challenge.nonce)
    assert isinstance(center.authenticate(certificate, challenge.challenge_id, signature), Identity)
    again = center.authenticate(certificate, challenge.challenge_id, signature)
    assert again == AuthRefused(AuthRefusalReason.CHALLENGE_REPLAYED)


def test_an_unknown_challenge_and_a_signature_over_other_bytes_are_refused(center, cards):
    certificate, signature = cards.sign("sato-ichiro", bytes(32))
    assert center.authenticate(certificate, "no-such-challenge", signature) == \
        AuthRefused(AuthRefusalReason.CHALLENGE_UNKNOWN)
    challenge = center.new_challenge()
    assert center.authenticate(certificate, challenge.challenge_id, signature) == \
        AuthRefused(AuthRefusalReason.BAD_SIGNATURE)


@pytest.mark.parametrize("card", sorted(REFUSED_CARDS))
def test_a_card_the_center_does_not_accept_is_refused_with_its_reason(center, cards, card):
    assert cards.authenticate(center, card) == AuthRefused(REFUSED_CARDS[card])


# --- offers -----------------------------------------------------------------------------------------------
def test_offers_carry_defaults_and_the_household(center, cards):
    identity = cards.login(center)
    offer = juminhyo(center, identity)
    assert offer.refusal is None and offer.fee_per_copy > 0
    assert offer.default_line is not None and offer.default_line.municipality_code == "990001"
    assert any(m.is_self and m.resident_ref == "R-0001" for m in offer.household)
    tax = next(o for o in center.offers(identity, "990001", NOW) if o.kind is CertificateKind.TAX_SHOTOKU)
    assert tax.fiscal_years


def test_an_unknown_token_or_municipality_gets_no_offers(center, cards):
    identity = cards.login(center)
    assert center.offers(replace(identity, auth_token="not-a-token"), "990001", NOW) == ()
    assert center.offers(identity, "999999", NOW) == ()


# --- issue ------------------------------------------------------------------------------------------------
def test_issue_is_idempotent_by_session_and_lines(center, cards):
    identity = cards.login(center)
    line = juminhyo(center, identity).default_line
    session = secrets.token_hex(16)
    first = center.issue(identity, session, (line,), NOW)
    assert isinstance(first, Issued)
    [document] = first.documents
    assert document.session_id == session and document.kind is CertificateKind.JUMINHYO
    assert document.fee == line.amount and document.issued_at.utcoffset() == timedelta(hours=9)
    again = center.issue(identity, session, (line,), NOW)
    assert again == first  # the same 発行番号, the same data
    other = center.issue(identity, secrets.token_hex(16), (line,), NOW)
    assert isinstance(other, Issued) and other.documents[0].issue_number != document.issue_number


def test_issue_refusals_are_typed(center, cards):
    identity = cards.login(center)
    line = juminhyo(center, identity).default_line
    refused = center.issue(identity, secrets.token_hex(16), (line.with_copies(99),), NOW)
    assert isinstance(refused, IssueRefused) and isinstance(refused.refusal.reason, RefusalReason)
    assert refused.refusal.reason in (RefusalReason.TOO_MANY_COPIES, RefusalReason.BAD_OPTIONS)
    empty = center.issue(identity, secrets.token_hex(16), (), NOW)
    assert isinstance(empty, IssueRefused) and empty.refusal.reason is RefusalReason.BAD_OPTIONS
    stranger = center.issue(replace(identity, auth_token="not-a-token"), secrets.token_hex(16), (line,), NOW)
    assert isinstance(stranger, IssueRefused)


# --- report, catalog, end ---------------------------------------------------------------------------------
def test_report_records_an_outcome_and_again_changes_nothing(center, cards):
    identity = cards.login(center)
    session = secrets.token_hex(16)
    issued = center.issue(identity, session, (juminhyo(center, identity).default_line,), NOW)
    number = issued.documents[0].issue_number
    for outcome in (DocumentOutcome.PRINTED, DocumentOutcome.PRINTED):
        assert center.report(session, number, outcome) is None
    assert center.report(session, number, DocumentOutcome.REFUNDED) is None


def test_the_catalog_is_the_municipality_files(center):
    snapshot = center.catalog()
    expected = snapshot_of(load_config().municipalities_dir)
    assert snapshot == expected
    assert [name for name, _ in snapshot.files] == sorted(name for name, _ in snapshot.files)


def test_end_forgets_the_session(center, cards):
    identity = cards.login(center)
    line = juminhyo(center, identity).default_line
    center.end(identity)
    assert center.offers(identity, "990001", NOW) == ()
    assert isinstance(center.issue(identity, secrets.token_hex(16), (line,), NOW), IssueRefused)
    center.end(identity)  # ending twice is no error


# --- side by side -----------------------------------------------------------------------------------------
def _script(center: IssuanceCenter, cards: Cards) -> list[object]:
    """Everything one kiosk might ask, with the answers in a comparable form (tokens left out)."""
    from printing.samples import SAMPLES, _issue

    answers: list[object] = []
    identity = cards.login(center)
    answers.append((identity.resident_ref, identity.municipalities))
    for code in ("990001", "990002", "990003"):
        answers.append(center.offers(identity, code, NOW))
    line = juminhyo(center, identity).default_line
    answers.append(center.issue(identity, "session-1", (line,), NOW))
    answers.append(center.issue(identity, "session-1", (line,), NOW))
    answers.append(center.issue(identity, "session-2", (line.with_copies(99),), NOW))
    for card in sorted(REFUSED_CARDS):
        answers.append(cards.authenticate(center, card))
    kiosk = SimpleNamespace(card=cards.reader, center=center)
    documents: list[CertificateDocument] = []
    for order in SAMPLES:  # one document of every body kind, through the center
        documents.append(_issue(kiosk, order, cards.pins[order.card]))
    answers.append([replace(d, session_id="") for d in documents])  # the samples' own random session ids
    answers.append(center.catalog())
    return answers


def test_the_network_center_answers_exactly_as_the_embedded_one(provisioned_dir, fleet, tmp_path):
    """Two centers on identical data: one asked in process, one over gRPC. Same identities,
    offers, documents (発行番号 included: both number from the same start), refusals, catalog."""
    embedded, closers = build_demo_center(center_data(provisioned_dir, tmp_path / "embedded"), clock=ManualClock(NOW))
    served = serve_demo_center(center_data(provisioned_dir, tmp_path / "served"), fleet)
    remote = client(served.address, fleet.kiosks["KIOSK-A"])
    try:
        here = _script(embedded, Cards(center_data(provisioned_dir, tmp_path / "cards-1")))
        there = _script(remote, Cards(center_data(provisioned_dir, tmp_path / "cards-2")))
    finally:
        remote.close()
        served.close()
        for close in closers:
            close()
    assert len(here) == len(there)
    for mine, theirs in zip(here, there):
        assert mine == theirs
    kinds = {type(d.body).__name__ for d in here[-2]}
    assert kinds == {"JuminhyoBody", "InkanBody", "TaxBody", "KosekiBody", "FuhyoBody"}
