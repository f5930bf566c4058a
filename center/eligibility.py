"""May this resident obtain this certificate here and now? One typed refusal, or None.

Checks run from the municipality outwards to the persons printed, so the reason shown is
the one the resident can least change (closed today) before the one they can (fewer copies).
Refusal details name kinds, codes and resident refs only, never personal data.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import assert_never

from kiosk.catalog.catalog import Catalog
from kiosk.catalog.hours import kind_refusal, local
from kiosk.catalog.model import UNDER_AGE_LIMIT, Municipality
from kiosk.eligibility import Refusal, RefusalReason
from kiosk.kinds import CertificateKind, Keeper
from kiosk.order import CertificateOptions, OrderLine
from kiosk.ports.center import MunicipalityChoice
from center.registry.records import KosekiMember, KosekiRecord, ResidentRecord

JUMINHYO_KINDS = frozenset({CertificateKind.JUMINHYO, CertificateKind.JUMINHYO_KISAI})
TAX_KINDS = frozenset({CertificateKind.TAX_SHOTOKU, CertificateKind.TAX_HIKAZEI})
ROLE_RESIDENCE = "residence"
ROLE_HONSEKI = "honseki"


@dataclass(frozen=True)
class RelatedRecords:
    """Records beyond the requester's household and 戸籍 that some printed items need."""

    koseki_residents: tuple[ResidentRecord, ...] = ()  # 戸籍 members living elsewhere: their 附票 lines
    member_koseki: tuple[KosekiRecord, ...] = ()  # other 戸籍 of household members: their 本籍・筆頭者


NO_RELATED = RelatedRecords()


def _refuse(reason: RefusalReason, detail: str) -> Refusal:
    return Refusal(reason, detail)


def household_subjects(
    requester: ResidentRecord, household: tuple[ResidentRecord, ...], options: CertificateOptions
) -> tuple[ResidentRecord, ...] | None:
    """The persons a 住民票 covers, in household order; None if one is not in the household."""
    members = {r.resident_ref: r for r in household}
    members.setdefault(requester.resident_ref, requester)
    wanted = set(options.members) or {requester.resident_ref}
    if not wanted <= members.keys():
        return None
    return tuple(r for ref, r in members.items() if ref in wanted)


def koseki_subjects(
    requester: ResidentRecord, koseki: KosekiRecord, options: CertificateOptions
) -> tuple[KosekiMember, ...] | None:
    """The 戸籍 members a 個人事項/附票 covers, in 戸籍 order; None if one is not a current member."""
    current = {m.resident_ref: m for m in koseki.members if m.resident_ref and not m.removed}
    wanted = set(options.members) or {requester.resident_ref}
    if not wanted <= current.keys():
        return None
    return tuple(m for ref, m in current.items() if ref in wanted)


def koseki_of(koseki_id: str | None, koseki: KosekiRecord | None, related: RelatedRecords) -> KosekiRecord | None:
    """The 戸籍 with this id among the requester's and the related ones."""
    for record in (koseki, *related.member_koseki):
        if record is not None and record.koseki_id == koseki_id:
            return record
    return None


def refusal_for(
    requester: ResidentRecord,
    household: tuple[ResidentRecord, ...],
    koseki: KosekiRecord | None,
    municipality: Municipality,
    kind: CertificateKind,
    options: CertificateOptions,
    at: datetime,
    *,
    copies: int = 1,
    related: RelatedRecords = NO_RELATED,
) -> Refusal | None:
    if not municipality.offers(kind):
        return kind_refusal(municipality, kind, at)
    return (
        _role_refusal(requester, koseki, municipality, kind)
        or kind_refusal(municipality, kind, at)
        or _requester_refusal(requester, municipality, kind, at)
        or _copies_refusal(municipality, kind, copies)
        or _my_number_refusal(municipality, kind, options)
        or _subjects_refusal(requester, household, koseki, municipality, kind, options, related)
        or (_tax_refusal(requester, municipality, kind, options, at) if kind in TAX_KINDS else None)
    )


def line_refusal(
    requester: ResidentRecord,
    household: tuple[ResidentRecord, ...],
    koseki: KosekiRecord | None,
    municipality: Municipality,
    line: OrderLine,
    at: datetime,
    *,
    related: RelatedRecords = NO_RELATED,
) -> Refusal | None:
    """``refusal_for`` for an order line, which must also carry this municipality and today's fee."""
    if line.municipality_code != municipality.code:
        return _refuse(RefusalReason.BAD_OPTIONS, f"line for {line.municipality_code} sent to {municipality.code}")
    refusal = refusal_for(
        requester, household, koseki, municipality, line.kind, line.options, at, copies=line.copies, related=related
    )
    if refusal is None and line.fee_per_copy != municipality.rule(line.kind).fee:
        return _refuse(RefusalReason.BAD_OPTIONS, f"{line.kind.value}: fee changed")
    return refusal


def _role_refusal(
    requester: ResidentRecord, koseki: KosekiRecord | None, municipality: Municipality, kind: CertificateKind
) -> Refusal | None:
    if kind.keeper is Keeper.RESIDENCE:
        if requester.municipality_code != municipality.code:
            return _refuse(RefusalReason.NOT_OFFERED, f"{municipality.code} is not the residence")
        return None
    if requester.koseki_id is None or koseki is None or koseki.koseki_id != requester.koseki_id:
        return _refuse(RefusalReason.NO_KOSEKI, f"{requester.resident_ref} has no 戸籍 record here")
    if koseki.municipality_code != municipality.code:
        return _refuse(RefusalReason.NOT_OFFERED, f"{municipality.code} is not the 本籍地")
    if (
        municipality.honseki_registration_required
        and requester.municipality_code != municipality.code
        and requester.resident_ref not in koseki.kiosk_registered_refs
    ):
        return _refuse(RefusalReason.HONSEKI_NOT_REGISTERED, f"{requester.resident_ref} at {municipality.code}")
    return None


def _requester_refusal(
    requester: ResidentRecord, municipality: Municipality, kind: CertificateKind, at: datetime
) -> Refusal | None:
    ref = requester.resident_ref
    if requester.flags.deceased:
        return _refuse(RefusalReason.DECEASED, ref)
    if requester.flags.support_measure:
        return _refuse(RefusalReason.SUPPORT_MEASURE, ref)
    if requester.age_on(local(at).date()) < UNDER_AGE_LIMIT and not municipality.under_age.allows(kind):
        return _refuse(RefusalReason.UNDER_AGE, f"{ref}: {kind.value}")
    # A filed 転出届 ends issuance of what the residence keeps (e.g. Shibukawa's page,
    # https://www.city.shibukawa.lg.jp/kurashi/koseki/jyuminhyou/p009981.html); the 戸籍 stays at the 本籍地.
    if requester.flags.moving_out and kind.keeper is Keeper.RESIDENCE:
        return _refuse(RefusalReason.MOVING_OUT, ref)
    return None


def _copies_refusal(municipality: Municipality, kind: CertificateKind, copies: int) -> Refusal | None:
    if copies < 1:
        return _refuse(RefusalReason.BAD_OPTIONS, f"{kind.value}: {copies} copies")
    if copies > municipality.rule(kind).max_copies:
        return _refuse(RefusalReason.TOO_MANY_COPIES, f"{kind.value}: {copies} copies")
    return None


def _my_number_refusal(municipality: Municipality, kind: CertificateKind, options: CertificateOptions) -> Refusal | None:
    if options.my_number and (kind not in JUMINHYO_KINDS or not municipality.prints_my_number):
        return _refuse(RefusalReason.MY_NUMBER_NOT_ALLOWED, f"{kind.value} at {municipality.code}")
    return None


def _subjects_refusal(
    requester: ResidentRecord,
    household: tuple[ResidentRecord, ...],
    koseki: KosekiRecord | None,
    municipality: Municipality,
    kind: CertificateKind,
    options: CertificateOptions,
    related: RelatedRecords,
) -> Refusal | None:
    # Matched exhaustively: a kind without its branch fails the type check (and raises here),
    # never passes as a 戸籍 kind.
    match kind:
        case CertificateKind.INKAN | CertificateKind.TAX_SHOTOKU | CertificateKind.TAX_HIKAZEI:  # card holder only
            if set(options.members) - {requester.resident_ref}:
                return _refuse(RefusalReason.BAD_OPTIONS, f"{kind.value} is for the card holder only")
            if kind is CertificateKind.INKAN and requester.seal is None:
                return _refuse(RefusalReason.NO_SEAL_REGISTERED, requester.resident_ref)
            return None
        case CertificateKind.JUMINHYO | CertificateKind.JUMINHYO_KISAI:
            return _household_refusal(requester, household, koseki, kind, options, related)
        case CertificateKind.KOSEKI_ZENBU | CertificateKind.KOSEKI_KOJIN | CertificateKind.FUHYO:
            return _koseki_refusal(requester, household, koseki, kind, options, related)
        case _:
            assert_never(kind)


def _household_refusal(
    requester: ResidentRecord,
    household: tuple[ResidentRecord, ...],
    koseki: KosekiRecord | None,
    kind: CertificateKind,
    options: CertificateOptions,
    related: RelatedRecords,
) -> Refusal | None:
    subjects = household_subjects(requester, household, options)
    if subjects is None:
        return _refuse(RefusalReason.NOT_IN_HOUSEHOLD, f"{kind.value}: member outside the household")
    for person in subjects:
        if person.flags.support_measure:
            return _refuse(RefusalReason.SUPPORT_MEASURE, person.resident_ref)
        if person.flags.deceased:
            return _refuse(RefusalReason.DECEASED, person.resident_ref)
    moving = next((r for r in household if r.flags.moving_out), None)
    if moving is not None:
        return _refuse(RefusalReason.MOVING_OUT, moving.resident_ref)
    if options.honseki_and_hittousha:
        for person in subjects:
            if person.koseki_id is not None and koseki_of(person.koseki_id, koseki, related) is None:
                return _refuse(RefusalReason.BAD_OPTIONS, f"本籍 of {person.resident_ref} unavailable")
    return None


def _koseki_refusal(
    requester: ResidentRecord,
    household: tuple[ResidentRecord, ...],
    koseki: KosekiRecord | None,
    kind: CertificateKind,
    options: CertificateOptions,
    related: RelatedRecords,
) -> Refusal | None:
    assert koseki is not None  # _role_refusal refused a resident without a 戸籍
    subjects = koseki_subjects(requester, koseki, options)
    if subjects is None:
        return _refuse(RefusalReason.NOT_IN_HOUSEHOLD, f"{kind.value}: member outside the 戸籍")
    if kind is not CertificateKind.FUHYO:
        return None
    # The 附票 prints addresses: each person's record is needed, and a protected address never leaves.
    records = {r.resident_ref: r for r in (requester, *household, *related.koseki_residents)}
    for member in subjects:
        record = records.get(member.resident_ref or "")
        if record is None:
            return _refuse(RefusalReason.NOT_IN_HOUSEHOLD, f"no resident record for {member.resident_ref}")
        if record.flags.support_measure:
            return _refuse(RefusalReason.SUPPORT_MEASURE, record.resident_ref)
        if record.flags.deceased:
            return _refuse(RefusalReason.DECEASED, record.resident_ref)
    return None


def _tax_refusal(
    requester: ResidentRecord,
    municipality: Municipality,
    kind: CertificateKind,
    options: CertificateOptions,
    at: datetime,
) -> Refusal | None:
    year = options.fiscal_year
    if year is None:
        return _refuse(RefusalReason.BAD_OPTIONS, f"{kind.value}: no fiscal year chosen")
    if year not in municipality.tax_years.offered(local(at).date()):
        return _refuse(RefusalReason.YEAR_NOT_OFFERED, f"{kind.value}: {year}")
    record = next((t for t in requester.tax_records if t.fiscal_year == year), None)
    if record is None or record.jan1_municipality_code != municipality.code:
        return _refuse(RefusalReason.NOT_RESIDENT_ON_JAN1, f"{requester.resident_ref}: {year}")
    if not record.declared:
        return _refuse(RefusalReason.NO_TAX_DECLARATION, f"{requester.resident_ref}: {year}")
    if kind is CertificateKind.TAX_HIKAZEI and record.taxed:
        return _refuse(RefusalReason.TAXED, f"{requester.resident_ref}: {year}")
    return None


def municipality_choices(
    resident: ResidentRecord,
    household: tuple[ResidentRecord, ...],
    koseki: KosekiRecord | None,
    catalog: Catalog,
    at: datetime,
) -> tuple[MunicipalityChoice, ...]:
    """The residence, then the 本籍地 when it is another municipality of the catalog.

    A choice is refused when no kind of its role can be issued now with the defaults
    (本人, newest year); it then carries the first kind's refusal so the screen can say why.
    """
    roles = []
    if resident.municipality_code in catalog:
        roles.append((resident.municipality_code, ROLE_RESIDENCE))
    if koseki is not None and koseki.municipality_code in catalog and koseki.municipality_code != resident.municipality_code:
        roles.append((koseki.municipality_code, ROLE_HONSEKI))
    choices = []
    for code, role in roles:
        municipality = catalog.municipality(code)
        choices.append(
            MunicipalityChoice(
                code=code,
                name=municipality.name,
                role=role,
                refusal=_choice_refusal(resident, household, koseki, municipality, role, at),
            )
        )
    return tuple(choices)


def _choice_refusal(
    resident: ResidentRecord,
    household: tuple[ResidentRecord, ...],
    koseki: KosekiRecord | None,
    municipality: Municipality,
    role: str,
    at: datetime,
) -> Refusal | None:
    kinds = [k for k in kinds_for(resident, koseki, municipality) if municipality.offers(k)]
    if role == ROLE_HONSEKI:
        kinds = [k for k in kinds if k.keeper is Keeper.HONSEKI]
    if not kinds:
        return _refuse(RefusalReason.NOT_OFFERED, f"nothing offered by {municipality.code} in role {role}")
    refusals = [
        refusal_for(resident, household, koseki, municipality, k, default_options(k, municipality, at), at)
        for k in kinds
    ]
    return None if None in refusals else refusals[0]


def kinds_for(
    resident: ResidentRecord, koseki: KosekiRecord | None, municipality: Municipality
) -> tuple[CertificateKind, ...]:
    """The kinds this municipality keeps for this resident: residence kinds, 戸籍 kinds, or both."""
    keepers = set()
    if resident.municipality_code == municipality.code:
        keepers.add(Keeper.RESIDENCE)
    if koseki is not None and koseki.municipality_code == municipality.code:
        keepers.add(Keeper.HONSEKI)
    return tuple(k for k in CertificateKind if k.keeper in keepers)


def default_options(kind: CertificateKind, municipality: Municipality, at: datetime) -> CertificateOptions:
    """本人 only, 世帯主・続柄 on, 本籍・筆頭者 and 個人番号 off, the newest offered year."""
    years = municipality.tax_years.offered(local(at).date()) if kind in TAX_KINDS else ()
    return CertificateOptions(fiscal_year=years[0] if years else None)
