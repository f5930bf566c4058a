"""Certificate document data from the records: the chosen items of the chosen persons, nothing more.

Eligibility has already refused anything not allowed. The builder checks the same facts again
and raises rather than print a wrong person's data (the 2023 mis-issuances of another resident's
certificates, e.g. https://www.itmedia.co.jp/news/articles/2404/16/news171.html):
a ``DocumentDataError`` here is a bug in the caller, never a resident's refusal.
"""
from __future__ import annotations

from datetime import datetime
from typing import assert_never

from kiosk.catalog.hours import local
from kiosk.catalog.model import Municipality
from center.eligibility import (
    NO_RELATED,
    RelatedRecords,
    household_subjects,
    koseki_of,
    koseki_subjects,
)
from kiosk.documents import (
    CertificateDocument,
    DeductionLine,
    DocumentBody,
    FuhyoAddressLine,
    FuhyoBody,
    FuhyoPerson,
    IncomeLine,
    InkanBody,
    IssuingAuthority,
    JuminhyoBody,
    JuminhyoPerson,
    KosekiBody,
    KosekiEntryLine,
    KosekiPerson,
    TaxBody,
)
from kiosk.kinds import CertificateKind
from kiosk.order import CertificateOptions, OrderLine
from center.registry.records import KosekiEntry, KosekiMember, KosekiRecord, ResidentRecord


class DocumentDataError(ValueError):
    """The line asks for data eligibility should have refused. The message carries no personal data."""


def build_document(
    kind: CertificateKind,
    line: OrderLine,
    requester: ResidentRecord,
    household: tuple[ResidentRecord, ...],
    koseki: KosekiRecord | None,
    municipality: Municipality,
    session_id: str,
    issue_number: str,
    at: datetime,
    *,
    related: RelatedRecords = NO_RELATED,
) -> CertificateDocument:
    if line.kind is not kind or line.municipality_code != municipality.code:
        raise DocumentDataError(f"line {line.kind.value}@{line.municipality_code} built as {kind.value}@{municipality.code}")
    return CertificateDocument(
        kind=kind,
        session_id=session_id,
        issue_number=issue_number,
        issued_at=local(at),
        authority=IssuingAuthority(
            municipality_code=municipality.code,
            municipality_name=municipality.name,
            mayor_title=municipality.mayor.title,
            mayor_name=municipality.mayor.name,
        ),
        copies=line.copies,
        fee_per_copy=line.fee_per_copy,
        body=_body(kind, line.options, requester, household, koseki, municipality, related),
    )


def _body(
    kind: CertificateKind,
    options: CertificateOptions,
    requester: ResidentRecord,
    household: tuple[ResidentRecord, ...],
    koseki: KosekiRecord | None,
    municipality: Municipality,
    related: RelatedRecords,
) -> DocumentBody:
    # Matched exhaustively: a kind without its branch fails the type check (and raises here),
    # never prints as another kind's certificate.
    match kind:
        case CertificateKind.JUMINHYO | CertificateKind.JUMINHYO_KISAI:
            return _juminhyo(options, requester, household, koseki, municipality, related)
        case CertificateKind.INKAN:
            return _inkan(requester)
        case CertificateKind.TAX_SHOTOKU | CertificateKind.TAX_HIKAZEI:
            return _tax(options, requester, municipality)
        case CertificateKind.KOSEKI_ZENBU:
            record = _requesters_koseki(kind, requester, koseki)
            return _koseki(record, record.members, all_members=True)
        case CertificateKind.KOSEKI_KOJIN:
            record = _requesters_koseki(kind, requester, koseki)
            return _koseki(record, _koseki_members(kind, requester, record, options), all_members=False)
        case CertificateKind.FUHYO:
            record = _requesters_koseki(kind, requester, koseki)
            return _fuhyo(record, _koseki_members(kind, requester, record, options), requester, household, related)
        case _:
            assert_never(kind)


def _requesters_koseki(kind: CertificateKind, requester: ResidentRecord, koseki: KosekiRecord | None) -> KosekiRecord:
    if koseki is None or koseki.koseki_id != requester.koseki_id:
        raise DocumentDataError(f"{kind.value}: the 戸籍 given is not the requester's")
    return koseki


def _koseki_members(
    kind: CertificateKind, requester: ResidentRecord, koseki: KosekiRecord, options: CertificateOptions
) -> tuple[KosekiMember, ...]:
    members = koseki_subjects(requester, koseki, options)
    if members is None:
        raise DocumentDataError(f"{kind.value}: member outside the 戸籍")
    return members


def _juminhyo(
    options: CertificateOptions,
    requester: ResidentRecord,
    household: tuple[ResidentRecord, ...],
    koseki: KosekiRecord | None,
    municipality: Municipality,
    related: RelatedRecords,
) -> JuminhyoBody:
    persons = household_subjects(requester, household, options)
    if persons is None:
        raise DocumentDataError("住民票: member outside the household")
    if options.my_number and not municipality.prints_my_number:
        raise DocumentDataError(f"個人番号 not allowed at {municipality.code}")
    _refuse_protected(persons)
    head = next((r for r in household if r.household_head), None)
    everyone = {r.resident_ref for r in household} | {requester.resident_ref}
    return JuminhyoBody(
        address=requester.address,
        household_head=head.name.full if head and options.household_head_and_relationship else None,
        persons=tuple(_juminhyo_person(r, options, koseki, related) for r in persons),
        whole_household={r.resident_ref for r in persons} == everyone,
    )


def _refuse_protected(persons: tuple[ResidentRecord, ...]) -> None:
    """A 支援措置 address never reaches paper, whatever the caller checked."""
    protected = next((p for p in persons if p.flags.support_measure), None)
    if protected is not None:
        raise DocumentDataError(f"{protected.resident_ref} is under 支援措置")


def _juminhyo_person(
    person: ResidentRecord, options: CertificateOptions, koseki: KosekiRecord | None, related: RelatedRecords
) -> JuminhyoPerson:
    honseki = hittousha = None
    if options.honseki_and_hittousha and person.foreign is None:
        record = koseki_of(person.koseki_id, koseki, related)
        if record is None:
            raise DocumentDataError(f"本籍 of {person.resident_ref} unavailable")
        honseki, hittousha = record.honseki, record.hittousha.full
    foreign = person.foreign if options.foreign_items else None
    return JuminhyoPerson(
        name=person.name.full,
        name_kana=person.name.full_kana,
        birth_date=person.birth_date,
        sex=person.sex.ja,
        relationship=person.relationship if options.household_head_and_relationship else None,
        became_resident_on=person.became_resident_on,
        address_set_on=person.address_set_on,
        notified_on=person.notified_on,
        previous_address=person.previous_address,
        honseki=honseki,
        hittousha=hittousha,
        my_number=person.my_number if options.my_number else None,
        nationality=foreign.nationality if foreign else None,
        residence_status=foreign.status if foreign else None,
        residence_period_until=foreign.period_until if foreign else None,
        residence_period=(foreign.period or None) if foreign else None,
        residence_card_number=foreign.residence_card_number if foreign else None,
        foreign_resident_category=(foreign.category or None) if foreign else None,
        remarks=person.remarks,
    )


def _inkan(requester: ResidentRecord) -> InkanBody:
    seal = requester.seal
    if seal is None:
        raise DocumentDataError(f"{requester.resident_ref} has no seal registered")
    if not seal.image:  # the certificate shows the registered picture, never the characters typeset
        raise DocumentDataError(f"{requester.resident_ref} has no 印影 picture on file (load the registry again)")
    return InkanBody(
        name=requester.name.full,
        name_kana=requester.name.full_kana,
        birth_date=requester.birth_date,
        sex=requester.sex.ja,
        address=requester.address,
        registration_number=seal.registration_number,
        registered_on=seal.registered_on,
        impression=seal.impression,
        impression_image=seal.image,
        impression_recipe=seal.image_recipe,
    )


def _tax(options: CertificateOptions, requester: ResidentRecord, municipality: Municipality) -> TaxBody:
    record = next((t for t in requester.tax_records if t.fiscal_year == options.fiscal_year), None)
    if record is None or record.jan1_municipality_code != municipality.code:
        raise DocumentDataError(f"no {options.fiscal_year} tax record of {requester.resident_ref} at {municipality.code}")
    return TaxBody(
        fiscal_year=record.fiscal_year,
        income_year=record.fiscal_year - 1,
        name=requester.name.full,
        address=requester.address,
        birth_date=requester.birth_date,
        total_income=record.total_income,
        taxable_income=record.taxable_income,
        municipal_tax=record.municipal_tax,
        prefectural_tax=record.prefectural_tax,
        dependents=record.dependents,
        taxed=record.taxed,
        incomes=tuple(IncomeLine(i.kind, i.revenue, i.income) for i in record.incomes),
        deductions=tuple(DeductionLine(d.kind, d.amount) for d in record.deductions),
        total_deductions=record.total_deductions,
        municipal_per_capita=record.municipal_per_capita,
        municipal_income_levy=record.municipal_income_levy,
        prefectural_per_capita=record.prefectural_per_capita,
        prefectural_income_levy=record.prefectural_income_levy,
    )


def _koseki(koseki: KosekiRecord, members: tuple[KosekiMember, ...], *, all_members: bool) -> KosekiBody:
    return KosekiBody(
        honseki=koseki.honseki,
        hittousha=koseki.hittousha.full,
        persons=tuple(
            KosekiPerson(
                name=m.name.full,
                birth_date=m.birth_date,
                sex=m.sex.ja,
                father=m.father,
                mother=m.mother,
                relationship=m.relationship,
                entries=_entry_lines(m.entries),
                removed=m.removed,
                given_name=m.name.given,
                spouse=m.spouse,
            )
            for m in members
        ),
        all_members=all_members,
        koseki_events=_entry_lines(koseki.events),
    )


def _entry_lines(entries: tuple[KosekiEntry, ...]) -> tuple[KosekiEntryLine, ...]:
    return tuple(KosekiEntryLine(e.event, e.on, e.detail, e.notified_on) for e in entries)


def _fuhyo(
    koseki: KosekiRecord,
    members: tuple[KosekiMember, ...],
    requester: ResidentRecord,
    household: tuple[ResidentRecord, ...],
    related: RelatedRecords,
) -> FuhyoBody:
    records = {r.resident_ref: r for r in (requester, *household, *related.koseki_residents)}
    persons = []
    for member in members:
        record = records.get(member.resident_ref or "")
        if record is None:
            raise DocumentDataError(f"附票: no resident record for {member.resident_ref}")
        _refuse_protected((record,))
        persons.append(
            FuhyoPerson(
                name=member.name.full,
                birth_date=member.birth_date,
                addresses=tuple(FuhyoAddressLine(a.address, a.set_on) for a in record.address_history),
                sex=member.sex.ja,
            )
        )
    return FuhyoBody(honseki=koseki.honseki, hittousha=koseki.hittousha.full, persons=tuple(persons))
