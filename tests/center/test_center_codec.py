"""The payloads that travel as msgspec JSON (center/codec.py): every type round-trips equal,
every document body kind included, times keep their zone, and bytes that are not the payload
are refused with PayloadError, never half-decoded."""
from __future__ import annotations

import typing
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import msgspec
import pytest
from center_kit import NOW, cards, embedded  # noqa: F401  (fixtures)

from center import codec
from kiosk.clock import JST
from kiosk.documents import CertificateDocument, DocumentBody, FuhyoBody, JuminhyoBody, KosekiBody, TaxBody
from kiosk.kinds import CertificateKind
from kiosk.order import CertificateOptions, OrderLine
from kiosk.ports.center import Issued

RESIDENTS = ("sato-ichiro", "silva-rafael", "takahashi-masao", "watanabe-misaki", "sato-hanako", "sato-aoi")


@pytest.fixture(scope="module")
def documents(embedded, cards) -> tuple[CertificateDocument, ...]:
    """One document of every sample (every body kind), issued by the real center."""
    from printing.samples import SAMPLES, _issue

    kiosk = SimpleNamespace(card=cards.reader, center=embedded)
    return tuple(_issue(kiosk, order, cards.pins[order.card]) for order in SAMPLES)


def test_every_body_kind_is_among_the_samples(documents):
    assert {type(d.body) for d in documents} == set(typing.get_args(DocumentBody))


def test_documents_round_trip_equal_and_keep_jst(documents):
    data = codec.encode_documents(documents)
    back = codec.decode_documents(data)
    assert back == documents
    for doc in back:
        assert doc.issued_at.tzinfo is JST and doc.issued_at == NOW
    for doc in documents:  # one at a time too: each body decodes as its own type
        assert codec.decode_documents(codec.encode_documents((doc,))) == (doc,)


def test_the_items_of_the_official_forms_travel(documents):
    """What the registry keeps for the forms reaches the kiosk: 税 breakdown, 外国人 区分 and 備考,
    戸籍事項 and 届出日, 配偶者区分, the 附票's 性別 (all from the demo registry through the center)."""
    back = codec.decode_documents(codec.encode_documents(documents))
    bodies = [d.body for d in back]
    tax = next(b for b in bodies if isinstance(b, TaxBody) and b.taxed)
    assert tax.incomes and sum(i.income for i in tax.incomes) == tax.total_income
    assert tax.deductions and sum(d.amount for d in tax.deductions) == tax.total_deductions > 0
    assert tax.municipal_per_capita + tax.municipal_income_levy == tax.municipal_tax > 0
    assert tax.prefectural_per_capita + tax.prefectural_income_levy == tax.prefectural_tax > 0
    not_taxed = next(b for b in bodies if isinstance(b, TaxBody) and not b.taxed)
    assert not_taxed.incomes and not_taxed.municipal_tax == not_taxed.municipal_per_capita == 0
    foreign = next(p for b in bodies if isinstance(b, JuminhyoBody) for p in b.persons if p.nationality)
    assert foreign.foreign_resident_category == "中長期在留者" and foreign.residence_period_until and foreign.remarks
    assert any(p.remarks for b in bodies if isinstance(b, JuminhyoBody) and not b.persons[0].nationality
               for p in b.persons)
    koseki = [b for b in bodies if isinstance(b, KosekiBody)]
    assert koseki and all(b.koseki_events for b in koseki)
    persons = [p for b in koseki for p in b.persons]
    assert all(p.given_name and p.name.endswith(p.given_name) for p in persons)
    assert any(p.spouse for p in persons)
    births = [e for p in persons for e in p.entries if e.event == "出生"]
    assert births and all(e.notified_on and e.notified_on >= e.on for e in births)
    fuhyo = next(b for b in bodies if isinstance(b, FuhyoBody))
    assert all(p.sex in ("男", "女") for p in fuhyo.persons)


def test_documents_stored_before_the_form_items_still_decode(documents):
    """A result kept in issue_requests by an older center lacks the new fields: it decodes with
    their defaults rather than being refused."""
    newer = {"TaxBody": ("incomes", "deductions", "total_deductions", "municipal_per_capita",
                         "municipal_income_levy", "prefectural_per_capita", "prefectural_income_levy"),
             "KosekiBody": ("koseki_events",)}
    wire = msgspec.json.decode(codec.encode_documents(documents))
    for body_type, _, body in wire:
        for key in newer.get(body_type, ()):
            del body[key]
    back = codec.decode_documents(msgspec.json.encode(wire))
    tax = next(d.body for d in back if isinstance(d.body, TaxBody))
    assert (tax.incomes, tax.deductions, tax.municipal_per_capita) == ((), (), 0)
    assert all(d.body.koseki_events == () for d in back if isinstance(d.body, KosekiBody))


def test_offers_round_trip_equal_for_every_resident(embedded, cards):
    seen = set()
    for name in RESIDENTS:
        identity = cards.login(embedded, name)
        for code in ("990001", "990002", "990003"):
            offers = embedded.offers(identity, code, NOW)
            assert codec.decode_offers(codec.encode_offers(offers)) == offers
            for o in offers:
                seen.add(("refused" if o.refusal else "open", bool(o.household), bool(o.fiscal_years), bool(o.toggles)))
        embedded.end(identity)
    # refusals, households, fiscal years and toggles all travelled at least once
    assert {s[0] for s in seen} == {"refused", "open"} and any(s[1] for s in seen)
    assert any(s[2] for s in seen) and any(s[3] for s in seen)


def test_order_lines_round_trip_with_every_option():
    lines = (
        OrderLine(CertificateKind.JUMINHYO, "990001", CertificateOptions(members=("R-0001", "R-0002"),
                  household_head_and_relationship=False, honseki_and_hittousha=True, my_number=True,
                  foreign_items=False), 2, 300),
        OrderLine(CertificateKind.TAX_SHOTOKU, "990001", CertificateOptions(fiscal_year=2026), 1, 300),
    )
    assert codec.decode_lines(codec.encode_lines(lines)) == lines
    assert codec.decode_lines(codec.encode_lines(())) == ()


def test_times_keep_their_offset():
    assert codec.decode_time(codec.encode_time(NOW)).tzinfo is JST
    utc = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    assert codec.decode_time(codec.encode_time(utc)) == utc and codec.decode_time(codec.encode_time(utc)).utcoffset() == timedelta(0)
    with pytest.raises(ValueError):
        codec.encode_time(datetime(2026, 1, 1))
    for bad in ("", "yesterday", "2026-01-01T00:00:00"):
        with pytest.raises(codec.PayloadError):
            codec.decode_time(bad)


def test_bytes_that_are_not_the_payload_are_refused(documents):
    good = codec.encode_documents(documents[:1])
    wire = msgspec.json.decode(good)
    tampered = [
        b"", b"nonsense", b"{}", b"[[1,2,3]]",
        msgspec.json.encode([["PickleBody", wire[0][1], wire[0][2]]]),  # a body type nobody knows
        msgspec.json.encode([[wire[0][0], {**wire[0][1], "extra": 1}, wire[0][2]]]),  # a field nobody knows
        msgspec.json.encode([[wire[0][0], {**wire[0][1], "copies": "2"}, wire[0][2]]]),  # "2" is not a number
        msgspec.json.encode([[wire[0][0], wire[0][1], {"address": 1}]]),
    ]
    for data in tampered:
        with pytest.raises(codec.PayloadError):
            codec.decode_documents(data)
    for decode in (codec.decode_offers, codec.decode_lines):
        with pytest.raises(codec.PayloadError):
            decode(b"[{\"kind\": \"no-such-kind\"}]")
    with pytest.raises(codec.PayloadError):
        codec.decode_lines(b" " * (codec.MAX_PAYLOAD_BYTES + 1))


def test_issued_documents_survive_the_wire_as_the_kiosk_checks_them(documents):
    """The flow compares session ids and fees of what it got with its order: both must survive."""
    back = codec.decode_documents(codec.encode_documents(documents))
    assert [(d.session_id, d.fee, d.issue_number) for d in back] == [(d.session_id, d.fee, d.issue_number) for d in documents]
    assert Issued(back) == Issued(documents)
    assert all(d.demo for d in back)  # the renderer prints 見本 from it: it must not fall back to a default
