"""The resident registry on the center's engine: one ResidentRegistry for SQLite and PostgreSQL.

Tables in center/storage/tables.py, made by the migrations (tests/test_registry.py checks the
answers on the demo population). A household's tax records and address lines come in one query
each, not one per member, and every method uses one pooled connection.
"""
from __future__ import annotations

import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Row, bindparam, delete, func, select

from center.registry.demo_loader import DemoPopulation
from center.registry.impressions import draw_impression
from center.registry.records import (
    AddressHistoryEntry, ForeignResidence, KosekiEntry, KosekiMember, KosekiRecord, PersonName, ResidentFlags,
    ResidentRecord, SealRegistration, Sex, TaxDeduction, TaxIncome, TaxRecord,
)
from center.storage.engine import Database
from center.storage.tables import (
    REGISTRY_TABLES_CHILDREN_FIRST, address_history as t_history, certificate_links as t_links,
    foreign_residents as t_foreign, households as t_households, kiosk_registrations as t_registrations,
    koseki as t_koseki, koseki_entries as t_entries, koseki_events as t_events, koseki_members as t_members,
    municipalities as t_municipalities, resident_remarks as t_remarks, residents as t_residents, seals as t_seals,
    tax_deductions as t_deductions, tax_incomes as t_incomes, tax_records as t_taxes,
)

_T = TypeVar("_T")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class CertificateLinkError(ValueError):
    """A link that cannot be made: bad hash, unknown resident, or a certificate already someone else's."""


class RegistryNotEmpty(RuntimeError):
    """load_demo was asked to fill a registry that already holds residents (pass replace=True)."""


# One row per resident with the one-to-one tables joined in; lists are fetched per request.
_RESIDENT = (
    select(
        t_residents,
        t_households.c.municipality_code, t_households.c.address,
        t_foreign.c.nationality, t_foreign.c.status, t_foreign.c.period_until, t_foreign.c.residence_card_number,
        t_foreign.c.category, t_foreign.c.period,
        t_seals.c.registration_number, t_seals.c.registered_on, t_seals.c.impression, t_seals.c.image_recipe,
        t_seals.c.image,
    )
    .join(t_households, t_households.c.household_id == t_residents.c.household_id)
    .outerjoin(t_foreign, t_foreign.c.resident_ref == t_residents.c.resident_ref)
    .outerjoin(t_seals, t_seals.c.resident_ref == t_residents.c.resident_ref)
)
_ONE_RESIDENT = _RESIDENT.where(t_residents.c.resident_ref == bindparam("ref"))
_HOUSEHOLD = (
    _RESIDENT.where(t_residents.c.household_id == bindparam("household_id"), t_residents.c.deceased.is_(False))
    .order_by(t_residents.c.household_head.desc(), t_residents.c.position)
)
_MUNICIPALITY = (
    _RESIDENT.where(t_households.c.municipality_code == bindparam("code"), t_residents.c.deceased.is_(False))
    .order_by(t_residents.c.household_id, t_residents.c.household_head.desc(), t_residents.c.position)
)
_TAXES = (
    select(t_taxes).where(t_taxes.c.resident_ref.in_(bindparam("refs", expanding=True)))
    .order_by(t_taxes.c.resident_ref, t_taxes.c.fiscal_year)
)
_INCOMES = (
    select(t_incomes.c.resident_ref, t_incomes.c.fiscal_year, t_incomes.c.kind, t_incomes.c.revenue,
           t_incomes.c.income)
    .where(t_incomes.c.resident_ref.in_(bindparam("refs", expanding=True)))
    .order_by(t_incomes.c.resident_ref, t_incomes.c.fiscal_year, t_incomes.c.position)
)
_DEDUCTIONS = (
    select(t_deductions.c.resident_ref, t_deductions.c.fiscal_year, t_deductions.c.kind, t_deductions.c.amount)
    .where(t_deductions.c.resident_ref.in_(bindparam("refs", expanding=True)))
    .order_by(t_deductions.c.resident_ref, t_deductions.c.fiscal_year, t_deductions.c.position)
)
_REMARKS = (
    select(t_remarks.c.resident_ref, t_remarks.c.remark)
    .where(t_remarks.c.resident_ref.in_(bindparam("refs", expanding=True)))
    .order_by(t_remarks.c.resident_ref, t_remarks.c.position)
)
_HISTORY = (
    select(t_history.c.resident_ref, t_history.c.address, t_history.c.set_on)
    .where(t_history.c.resident_ref.in_(bindparam("refs", expanding=True)))
    .order_by(t_history.c.resident_ref, t_history.c.position)
)
_KOSEKI = select(t_koseki).where(t_koseki.c.koseki_id == bindparam("koseki_id"))
_MEMBERS = select(t_members).where(t_members.c.koseki_id == bindparam("koseki_id")).order_by(t_members.c.position)
_ENTRIES = (
    select(t_entries.c.member_position, t_entries.c.event, t_entries.c.on_date, t_entries.c.detail,
           t_entries.c.notified_on)
    .where(t_entries.c.koseki_id == bindparam("koseki_id"))
    .order_by(t_entries.c.member_position, t_entries.c.position)
)
_EVENTS = (
    select(t_events.c.event, t_events.c.on_date, t_events.c.detail, t_events.c.notified_on)
    .where(t_events.c.koseki_id == bindparam("koseki_id"))
    .order_by(t_events.c.position)
)
_REGISTERED = select(t_registrations.c.resident_ref).where(t_registrations.c.koseki_id == bindparam("koseki_id"))
_LINKED = select(t_links.c.resident_ref).where(t_links.c.cert_sha256 == bindparam("digest"))
_EXISTS = select(t_residents.c.resident_ref).where(t_residents.c.resident_ref == bindparam("ref"))


class SqlRegistry:
    """ResidentRegistry (center/registry/store.py) over the center's engine; safe across threads.

    ``cache_seconds`` > 0 keeps each resident, household and 戸籍 read in this process for that
    long (records are frozen, so they are shared as they are): the center reads the same
    resident's file on every call of a session, and the registry changes on a scale of days.
    A change made by another process (or a reload) shows here after at most that long;
    certificate links are never cached. Default 0: every read goes to the database.
    """

    _CACHE_LIMIT = 20_000  # entries; past it the cache starts again empty

    def __init__(self, engine: Engine, *, cache_seconds: float = 0.0) -> None:
        if cache_seconds < 0:
            raise ValueError("cache_seconds must not be negative")
        self._db = Database(engine)
        self._cache_seconds = cache_seconds
        self._cache: dict[tuple[str, str], tuple[float, Any]] = {}
        self._cache_lock = threading.Lock()

    # -- ResidentRegistry --------------------------------------------------------------------
    def resident(self, resident_ref: str) -> ResidentRecord | None:
        return self._cached("resident", resident_ref, self._resident)

    def household(self, household_id: str) -> tuple[ResidentRecord, ...]:
        """Current members, head first, then in file order; the deceased are left out."""
        return self._cached("household", household_id, self._household)

    def koseki(self, koseki_id: str) -> KosekiRecord | None:
        return self._cached("koseki", koseki_id, self._koseki)

    def _resident(self, resident_ref: str) -> ResidentRecord | None:
        with self._db.read() as conn:
            found = _residents(conn, conn.execute(_ONE_RESIDENT, {"ref": resident_ref}).all())
        return found[0] if found else None

    def _household(self, household_id: str) -> tuple[ResidentRecord, ...]:
        with self._db.read() as conn:
            return _residents(conn, conn.execute(_HOUSEHOLD, {"household_id": household_id}).all())

    def _koseki(self, koseki_id: str) -> KosekiRecord | None:
        with self._db.read() as conn:
            row = conn.execute(_KOSEKI, {"koseki_id": koseki_id}).first()
            if row is None:
                return None
            params = {"koseki_id": koseki_id}
            members = conn.execute(_MEMBERS, params).all()
            entries: dict[int, list[KosekiEntry]] = defaultdict(list)
            for e in conn.execute(_ENTRIES, params):
                entries[e.member_position].append(KosekiEntry(e.event, e.on_date, e.detail, e.notified_on))
            events = tuple(KosekiEntry(e.event, e.on_date, e.detail, e.notified_on)
                           for e in conn.execute(_EVENTS, params))
            registered = frozenset(r.resident_ref for r in conn.execute(_REGISTERED, params))
        return KosekiRecord(
            koseki_id=row.koseki_id,
            municipality_code=row.municipality_code,
            honseki=row.honseki,
            hittousha=PersonName(row.hittousha_family, row.hittousha_given,
                                 row.hittousha_family_kana, row.hittousha_given_kana),
            members=tuple(_member(m, entries.get(m.position, ())) for m in members),
            kiosk_registered_refs=registered,
            events=events,
        )

    def resident_for_certificate(self, certificate_sha256: str) -> str | None:
        with self._db.single() as conn:
            return conn.execute(_LINKED, {"digest": certificate_sha256.lower()}).scalar()

    def link_certificate(self, certificate_sha256: str, resident_ref: str) -> None:
        """Idempotent for the same pair; one resident may hold several certificates (a renewed card)."""
        digest = certificate_sha256.lower()
        if not _SHA256_HEX.fullmatch(digest):
            raise CertificateLinkError("certificate_sha256: expected 64 hex digits")
        with self._db.write() as conn:
            if conn.execute(_EXISTS, {"ref": resident_ref}).first() is None:
                raise CertificateLinkError(f"resident {resident_ref}: no such resident")
            linked = conn.execute(_LINKED, {"digest": digest}).scalar()
            if linked is not None and linked != resident_ref:
                raise CertificateLinkError(f"resident {resident_ref}: certificate already linked to another resident")
            conn.execute(
                self._db.insert(t_links).values(cert_sha256=digest, resident_ref=resident_ref)
                .on_conflict_do_nothing(index_elements=[t_links.c.cert_sha256])
            )

    def _cached(self, kind: str, key: str, read: Callable[[str], _T]) -> _T:
        if self._cache_seconds <= 0:
            return read(key)
        now = time.monotonic()
        with self._cache_lock:
            hit = self._cache.get((kind, key))
        if hit is not None and hit[0] > now:
            return hit[1]  # type: ignore[no-any-return]  # stored by this method for this kind
        value = read(key)
        with self._cache_lock:
            if len(self._cache) >= self._CACHE_LIMIT:
                self._cache.clear()
            self._cache[(kind, key)] = (now + self._cache_seconds, value)
        return value

    def forget_cached(self) -> None:
        """Drop every cached record (after this process reloaded the registry)."""
        with self._cache_lock:
            self._cache.clear()

    # -- extras ----------------------------------------------------------------------------------
    def municipality_residents(self, municipality_code: str) -> tuple[ResidentRecord, ...]:
        """Living residents of one municipality, household by household, each head first."""
        with self._db.read() as conn:
            return _residents(conn, conn.execute(_MUNICIPALITY, {"code": municipality_code}).all())

    def close(self) -> None:
        """Nothing of its own to close: the engine's owner disposes of it."""


def load_demo(
    engine: Engine, population: DemoPopulation, *, links: Iterable[tuple[str, str]] = (), replace: bool = False,
) -> int:
    """Fill the registry with ``population`` in one transaction; returns the residents written.

    ``links``: (certificate SHA-256 hex, resident_ref) pairs to link as well (the demo cards').
    A registry that already holds residents is refused (RegistryNotEmpty) unless ``replace``,
    which first empties every registry table, certificate links included. The center's own tables (numbers, 交付記録...) are not touched.
    """
    db = Database(engine)
    with db.write() as conn:
        if conn.execute(select(func.count()).select_from(t_residents)).scalar():
            if not replace:
                raise RegistryNotEmpty("the registry already holds residents: load with replace=True to replace them")
            for table in REGISTRY_TABLES_CHILDREN_FIRST:
                conn.execute(delete(table))
        _write_population(conn, population)
        pairs = sorted({(digest.lower(), ref) for digest, ref in links})
        for digest, _ in pairs:
            if not _SHA256_HEX.fullmatch(digest):
                raise CertificateLinkError("certificate_sha256: expected 64 hex digits")
        _insert(conn, t_links, [{"cert_sha256": d, "resident_ref": r} for d, r in pairs])
    return len(population.residents)


def _insert(conn: Connection, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(table.insert(), list(rows))  # executemany: batched by either driver


def _write_population(conn: Connection, p: DemoPopulation) -> None:
    """Parents before children, as foreign keys need: koseki before residents, residents before members."""
    _insert(conn, t_municipalities, [
        {"code": m.code, "name": m.name, "name_kana": m.name_kana, "prefecture": m.prefecture,
         "kiosk_participating": m.kiosk_participating} for m in p.municipalities])
    households = {r.household_id: {"household_id": r.household_id, "municipality_code": r.municipality_code,
                                    "address": r.address} for r in p.residents}
    _insert(conn, t_households, list(households.values()))
    _insert(conn, t_koseki, [
        {"koseki_id": k.koseki_id, "municipality_code": k.municipality_code, "honseki": k.honseki,
         **_name(k.hittousha, "hittousha_")} for k in p.koseki])
    _insert(conn, t_residents, [
        {"resident_ref": r.resident_ref, "household_id": r.household_id, "position": position, **_name(r.name),
         "birth_date": r.birth_date, "sex": r.sex.value, "household_head": r.household_head,
         "relationship": r.relationship, "became_resident_on": r.became_resident_on,
         "address_set_on": r.address_set_on, "notified_on": r.notified_on, "previous_address": r.previous_address,
         "my_number": r.my_number, "koseki_id": r.koseki_id, "support_measure": r.flags.support_measure,
         "moving_out": r.flags.moving_out, "deceased": r.flags.deceased}
        for position, r in enumerate(p.residents)])
    _insert(conn, t_foreign, [
        {"resident_ref": r.resident_ref, "nationality": r.foreign.nationality, "status": r.foreign.status,
         "period_until": r.foreign.period_until, "residence_card_number": r.foreign.residence_card_number,
         "category": r.foreign.category, "period": r.foreign.period}
        for r in p.residents if r.foreign is not None])
    _insert(conn, t_remarks, [
        {"resident_ref": r.resident_ref, "position": i, "remark": remark}
        for r in p.residents for i, remark in enumerate(r.remarks)])
    _insert(conn, t_seals, [
        {"resident_ref": r.resident_ref, "registration_number": r.seal.registration_number,
         "registered_on": r.seal.registered_on, "impression": r.seal.impression,
         "image_recipe": r.seal.image_recipe, "image": _seal_image(r.seal)}
        for r in p.residents if r.seal is not None])
    _insert(conn, t_taxes, [
        {"resident_ref": r.resident_ref, "fiscal_year": t.fiscal_year,
         "jan1_municipality_code": t.jan1_municipality_code, "declared": t.declared,
         "total_income": t.total_income, "taxable_income": t.taxable_income, "municipal_tax": t.municipal_tax,
         "prefectural_tax": t.prefectural_tax, "dependents": t.dependents, "taxed": t.taxed,
         "total_deductions": t.total_deductions, "municipal_per_capita": t.municipal_per_capita,
         "municipal_income_levy": t.municipal_income_levy, "prefectural_per_capita": t.prefectural_per_capita,
         "prefectural_income_levy": t.prefectural_income_levy}
        for r in p.residents for t in r.tax_records])
    _insert(conn, t_incomes, [
        {"resident_ref": r.resident_ref, "fiscal_year": t.fiscal_year, "position": i, "kind": line.kind,
         "revenue": line.revenue, "income": line.income}
        for r in p.residents for t in r.tax_records for i, line in enumerate(t.incomes)])
    _insert(conn, t_deductions, [
        {"resident_ref": r.resident_ref, "fiscal_year": t.fiscal_year, "position": i, "kind": line.kind,
         "amount": line.amount}
        for r in p.residents for t in r.tax_records for i, line in enumerate(t.deductions)])
    _insert(conn, t_history, [
        {"resident_ref": r.resident_ref, "position": i, "address": h.address, "set_on": h.set_on}
        for r in p.residents for i, h in enumerate(r.address_history)])
    _insert(conn, t_members, [
        {"koseki_id": k.koseki_id, "position": i, **_name(m.name), "birth_date": m.birth_date, "sex": m.sex.value,
         "father": m.father, "mother": m.mother, "relationship": m.relationship, "resident_ref": m.resident_ref,
         "removed": m.removed, "spouse": m.spouse}
        for k in p.koseki for i, m in enumerate(k.members)])
    _insert(conn, t_entries, [
        {"koseki_id": k.koseki_id, "member_position": i, "position": j, "event": e.event, "on_date": e.on,
         "detail": e.detail, "notified_on": e.notified_on}
        for k in p.koseki for i, m in enumerate(k.members) for j, e in enumerate(m.entries)])
    _insert(conn, t_events, [
        {"koseki_id": k.koseki_id, "position": i, "event": e.event, "on_date": e.on, "detail": e.detail,
         "notified_on": e.notified_on}
        for k in p.koseki for i, e in enumerate(k.events)])
    _insert(conn, t_registrations, [
        {"koseki_id": k.koseki_id, "resident_ref": ref} for k in p.koseki for ref in sorted(k.kiosk_registered_refs)])


def _seal_image(seal: SealRegistration) -> bytes:
    """The 印影 picture to store: the record's own, or the demo's drawn now from its recipe
    (center.registry.impressions): once per resident, when the registry is loaded."""
    if seal.image or not seal.image_recipe:
        return seal.image
    return draw_impression(seal.impression, seal.image_recipe)


def _name(n: PersonName, prefix: str = "") -> dict[str, str]:
    return {f"{prefix}family": n.family, f"{prefix}given": n.given,
            f"{prefix}family_kana": n.family_kana, f"{prefix}given_kana": n.given_kana}


# -- rows to records ---------------------------------------------------------------------------------
def _residents(conn: Connection, rows: Sequence[Row[Any]]) -> tuple[ResidentRecord, ...]:
    if not rows:
        return ()
    refs = [row.resident_ref for row in rows]
    incomes: dict[tuple[str, int], list[TaxIncome]] = defaultdict(list)
    for i in conn.execute(_INCOMES, {"refs": refs}):
        incomes[(i.resident_ref, i.fiscal_year)].append(TaxIncome(i.kind, i.revenue, i.income))
    deductions: dict[tuple[str, int], list[TaxDeduction]] = defaultdict(list)
    for d in conn.execute(_DEDUCTIONS, {"refs": refs}):
        deductions[(d.resident_ref, d.fiscal_year)].append(TaxDeduction(d.kind, d.amount))
    taxes: dict[str, list[TaxRecord]] = defaultdict(list)
    for t in conn.execute(_TAXES, {"refs": refs}):
        key = (t.resident_ref, t.fiscal_year)
        taxes[t.resident_ref].append(TaxRecord(
            fiscal_year=t.fiscal_year, jan1_municipality_code=t.jan1_municipality_code, declared=bool(t.declared),
            total_income=t.total_income, taxable_income=t.taxable_income, municipal_tax=t.municipal_tax,
            prefectural_tax=t.prefectural_tax, dependents=t.dependents, taxed=bool(t.taxed),
            incomes=tuple(incomes.get(key, ())), deductions=tuple(deductions.get(key, ())),
            total_deductions=t.total_deductions, municipal_per_capita=t.municipal_per_capita,
            municipal_income_levy=t.municipal_income_levy, prefectural_per_capita=t.prefectural_per_capita,
            prefectural_income_levy=t.prefectural_income_levy))
    remarks: dict[str, list[str]] = defaultdict(list)
    for m in conn.execute(_REMARKS, {"refs": refs}):
        remarks[m.resident_ref].append(m.remark)
    history: dict[str, list[AddressHistoryEntry]] = defaultdict(list)
    for h in conn.execute(_HISTORY, {"refs": refs}):
        history[h.resident_ref].append(AddressHistoryEntry(h.address, h.set_on))
    return tuple(_resident(row, taxes.get(row.resident_ref, ()), history.get(row.resident_ref, ()),
                           remarks.get(row.resident_ref, ())) for row in rows)


def _resident(row: Row[Any], taxes: Iterable[TaxRecord], history: Iterable[AddressHistoryEntry],
              remarks: Iterable[str]) -> ResidentRecord:
    return ResidentRecord(
        resident_ref=row.resident_ref,
        municipality_code=row.municipality_code,
        household_id=row.household_id,
        name=PersonName(row.family, row.given, row.family_kana, row.given_kana),
        birth_date=row.birth_date,
        sex=Sex(row.sex),
        household_head=bool(row.household_head),
        relationship=row.relationship,
        address=row.address,
        became_resident_on=row.became_resident_on,
        address_set_on=row.address_set_on,
        notified_on=row.notified_on,
        previous_address=row.previous_address,
        my_number=row.my_number,
        koseki_id=row.koseki_id,
        foreign=None if row.nationality is None else ForeignResidence(
            nationality=row.nationality, status=row.status, period_until=row.period_until,
            residence_card_number=row.residence_card_number, category=row.category,
            period=row.period),
        seal=None if row.registration_number is None else SealRegistration(
            registration_number=row.registration_number, registered_on=row.registered_on,
            impression=row.impression, image=bytes(row.image), image_recipe=row.image_recipe),
        tax_records=tuple(taxes),
        address_history=tuple(history),
        flags=ResidentFlags(support_measure=bool(row.support_measure), moving_out=bool(row.moving_out),
                            deceased=bool(row.deceased)),
        remarks=tuple(remarks),
    )


def _member(row: Row[Any], entries: Iterable[KosekiEntry]) -> KosekiMember:
    return KosekiMember(
        name=PersonName(row.family, row.given, row.family_kana, row.given_kana),
        birth_date=row.birth_date,
        sex=Sex(row.sex),
        father=row.father,
        mother=row.mother,
        relationship=row.relationship,
        entries=tuple(entries),
        resident_ref=row.resident_ref,
        removed=bool(row.removed),
        spouse=bool(row.spouse),
    )
