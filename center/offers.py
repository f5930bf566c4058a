"""What the order screen offers a resident at one municipality: kinds, fees, defaults, whom to include."""
from __future__ import annotations

from datetime import datetime

from kiosk.catalog.hours import local
from kiosk.catalog.model import Municipality
from center.eligibility import (
    JUMINHYO_KINDS,
    NO_RELATED,
    TAX_KINDS,
    RelatedRecords,
    default_options,
    kinds_for,
    refusal_for,
)
from kiosk.kinds import CertificateKind
from kiosk.order import OrderLine
from kiosk.ports.center import HouseholdMember, KindOffer
from center.registry.records import KosekiRecord, ResidentRecord


def build_offers(
    resident: ResidentRecord,
    household: tuple[ResidentRecord, ...],
    koseki: KosekiRecord | None,
    municipality: Municipality,
    at: datetime,
    *,
    related: RelatedRecords = NO_RELATED,
) -> tuple[KindOffer, ...]:
    """One offer per kind this municipality keeps for the resident and issues at the kiosk.

    Kinds the municipality does not offer at all are left out rather than shown refused.
    A refused offer has no default line: there is nothing to order.
    """
    offers = []
    for kind in kinds_for(resident, koseki, municipality):
        if not municipality.offers(kind):
            continue
        rule = municipality.rule(kind)
        options = default_options(kind, municipality, at)
        refusal = refusal_for(resident, household, koseki, municipality, kind, options, at, related=related)
        offers.append(
            KindOffer(
                kind=kind,
                fee_per_copy=rule.fee,
                max_copies=rule.max_copies,
                refusal=refusal,
                default_line=None if refusal else OrderLine(kind, municipality.code, options, 1, rule.fee),
                household=_choosable(kind, resident, household, koseki, related),
                fiscal_years=municipality.tax_years.offered(local(at).date()) if kind in TAX_KINDS else (),
                my_number_allowed=kind in JUMINHYO_KINDS and municipality.prints_my_number,
                toggles=_toggles(kind, household or (resident,), municipality),
            )
        )
    return tuple(offers)


def _choosable(
    kind: CertificateKind,
    resident: ResidentRecord,
    household: tuple[ResidentRecord, ...],
    koseki: KosekiRecord | None,
    related: RelatedRecords,
) -> tuple[HouseholdMember, ...]:
    """Whom the resident may add: the household for 住民票, resident 戸籍 members for 個人事項/附票."""
    me = resident.resident_ref
    if kind in JUMINHYO_KINDS:
        people = household if any(r.resident_ref == me for r in household) else (resident, *household)
        return tuple(HouseholdMember(r.resident_ref, r.name.full, r.relationship, r.resident_ref == me) for r in people)
    if koseki is None or kind not in (CertificateKind.KOSEKI_KOJIN, CertificateKind.FUHYO):
        return ()
    members = [(ref, m) for m in koseki.members if (ref := m.resident_ref) and not m.removed]
    if kind is CertificateKind.FUHYO:  # a 附票 needs the member's resident record for the address lines
        known = {r.resident_ref for r in (resident, *household, *related.koseki_residents)}
        members = [(ref, m) for ref, m in members if ref in known]
    return tuple(HouseholdMember(ref, m.name.full, m.relationship, ref == me) for ref, m in members)


def _toggles(kind: CertificateKind, household: tuple[ResidentRecord, ...], municipality: Municipality) -> tuple[str, ...]:
    """Items a 住民票 may show or leave out; 本籍 only for nationals, 在留 items only for foreign residents."""
    if kind not in JUMINHYO_KINDS:
        return ()
    toggles = ["household_head_and_relationship"]
    if any(r.foreign is None for r in household):
        toggles.append("honseki_and_hittousha")
    if municipality.prints_my_number:
        toggles.append("my_number")
    if any(r.foreign is not None for r in household):
        toggles.append("foreign_items")
    return tuple(toggles)
