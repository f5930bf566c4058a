"""Reads the demo population JSON into the records of kiosk.registry.records, checking it strictly.

A broken file is a set-up mistake, so it raises ``DemoDataError``; the message names the record
(resident_ref or koseki_id) and the key, and never repeats a value (names, 個人番号...).
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kiosk.registry.mynumber import is_valid_my_number
from kiosk.registry.records import (
    AddressHistoryEntry,
    ForeignResidence,
    KosekiEntry,
    KosekiMember,
    KosekiRecord,
    PersonName,
    ResidentFlags,
    ResidentRecord,
    SealRegistration,
    Sex,
    TaxRecord,
)


class DemoDataError(ValueError):
    """The demo file is broken; the message says which record and key, never a personal value."""


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    name_kana: str
    prefecture: str
    kiosk_participating: bool  # False: exists only as a 本籍地 or former address (e.g. 白砂市)


@dataclass(frozen=True)
class DemoPopulation:
    municipalities: tuple[Municipality, ...]
    residents: tuple[ResidentRecord, ...]  # in file order: fixes the order inside a household
    koseki: tuple[KosekiRecord, ...]


def load_demo_population(path: Path) -> DemoPopulation:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise DemoDataError(f"{path.name}: not valid JSON (line {e.lineno}, column {e.colno})") from None
    return parse_demo_population(doc)


def parse_demo_population(doc: Any) -> DemoPopulation:
    top = _Obj(doc, "demo file")
    top.text("about")  # required so that nobody mistakes the file for real data
    population = DemoPopulation(
        municipalities=tuple(_municipality(m) for m in top.objs("municipalities")),
        residents=tuple(_resident(r) for r in top.objs("residents")),
        koseki=tuple(_koseki(k) for k in top.objs("koseki")),
    )
    top.close()
    _check_references(population)
    return population


class _Obj:
    """One JSON object being read: typed getters, and ``close`` refuses keys nobody read (typos)."""

    def __init__(self, raw: Any, where: str, path: str = "") -> None:
        self._where = where
        self._path = path
        if not isinstance(raw, dict):
            raise DemoDataError(f"{where}: {path.rstrip('.') or 'record'}: expected an object")
        self._raw = raw
        self._read: set[str] = set()

    def located(self, where: str) -> "_Obj":
        """Once the record's own id is known, errors name it instead of its list position."""
        self._where = where
        self._path = ""
        return self

    def fail(self, key: str, problem: str) -> DemoDataError:
        return DemoDataError(f"{self._where}: {self._path}{key}: {problem}")

    def _get(self, key: str, optional: bool = False) -> Any:
        self._read.add(key)
        if key not in self._raw or (optional and self._raw[key] is None):
            if optional:
                return None
            raise self.fail(key, "missing")
        return self._raw[key]

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "expected non-empty text")
        return value

    def optional_text(self, key: str) -> str | None:
        return None if self._get(key, optional=True) is None else self.text(key)

    def flag(self, key: str, default: bool | None = None) -> bool:
        value = self._get(key, optional=default is not None)
        if value is None:
            return bool(default)
        if not isinstance(value, bool):
            raise self.fail(key, "expected true or false")
        return value

    def amount(self, key: str) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(key, "expected a whole number >= 0")
        return value

    def day(self, key: str) -> date:
        value = self.text(key)
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(key, "expected a date YYYY-MM-DD") from None

    def obj(self, key: str) -> "_Obj":
        return _Obj(self._get(key), self._where, f"{self._path}{key}.")

    def optional_obj(self, key: str) -> "_Obj | None":
        return None if self._get(key, optional=True) is None else self.obj(key)

    def objs(self, key: str, optional: bool = False) -> list["_Obj"]:
        return [_Obj(raw, self._where, f"{self._path}{key}[{i}].") for i, raw in enumerate(self._list(key, optional))]

    def texts(self, key: str, optional: bool = False) -> list[str]:
        values = self._list(key, optional)
        if not all(isinstance(v, str) and v for v in values):
            raise self.fail(key, "expected a list of texts")
        return values

    def _list(self, key: str, optional: bool) -> list[Any]:
        value = self._get(key, optional)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(key, "expected a list")
        return value

    def close(self) -> None:
        unknown = sorted(set(self._raw) - self._read)
        if unknown:
            raise self.fail(unknown[0], "unknown key")


def _municipality(o: _Obj) -> Municipality:
    m = Municipality(
        code=o.text("code"),
        name=o.text("name"),
        name_kana=o.text("name_kana"),
        prefecture=o.text("prefecture"),
        kiosk_participating=o.flag("kiosk_participating"),
    )
    o.close()
    return m


def _name(o: _Obj) -> PersonName:
    n = PersonName(
        family=o.text("family"),
        given=o.text("given"),
        family_kana=o.text("family_kana"),
        given_kana=o.text("given_kana"),
    )
    o.close()
    return n


def _sex(o: _Obj) -> Sex:
    value = o.text("sex")
    try:
        return Sex(value)
    except ValueError:
        raise o.fail("sex", "expected male or female") from None


def _resident(o: _Obj) -> ResidentRecord:
    ref = o.text("resident_ref")
    o.located(f"resident {ref}")
    my_number = o.text("my_number")
    if not is_valid_my_number(my_number):
        raise o.fail("my_number", "not 12 digits with a valid check digit")
    record = ResidentRecord(
        resident_ref=ref,
        municipality_code=o.text("municipality_code"),
        household_id=o.text("household_id"),
        name=_name(o.obj("name")),
        birth_date=o.day("birth_date"),
        sex=_sex(o),
        household_head=o.flag("household_head"),
        relationship=o.text("relationship"),
        address=o.text("address"),
        became_resident_on=o.day("became_resident_on"),
        address_set_on=o.day("address_set_on"),
        notified_on=o.day("notified_on"),
        previous_address=o.optional_text("previous_address"),
        my_number=my_number,
        koseki_id=o.optional_text("koseki_id"),
        foreign=_foreign(o.optional_obj("foreign")),
        seal=_seal(o.optional_obj("seal")),
        tax_records=tuple(_tax(t) for t in o.objs("tax_records", optional=True)),
        address_history=tuple(_history_line(h) for h in o.objs("address_history", optional=True)),
        flags=_flags(o.optional_obj("flags")),
    )
    o.close()
    _check_resident(record, o)
    return record


def _foreign(o: _Obj | None) -> ForeignResidence | None:
    if o is None:
        return None
    f = ForeignResidence(
        nationality=o.text("nationality"),
        status=o.text("status"),
        period_until=o.day("period_until"),
        residence_card_number=o.text("residence_card_number"),
    )
    o.close()
    return f


def _seal(o: _Obj | None) -> SealRegistration | None:
    if o is None:
        return None
    s = SealRegistration(
        registration_number=o.text("registration_number"),
        registered_on=o.day("registered_on"),
        impression=o.text("impression"),
    )
    o.close()
    return s


def _tax(o: _Obj) -> TaxRecord:
    t = TaxRecord(
        fiscal_year=o.amount("fiscal_year"),
        jan1_municipality_code=o.text("jan1_municipality_code"),
        declared=o.flag("declared"),
        total_income=o.amount("total_income"),
        taxable_income=o.amount("taxable_income"),
        municipal_tax=o.amount("municipal_tax"),
        prefectural_tax=o.amount("prefectural_tax"),
        dependents=o.amount("dependents"),
        taxed=o.flag("taxed"),
    )
    o.close()
    if t.taxed and not t.declared:
        raise o.fail("taxed", "a year without a declaration cannot be taxed")
    return t


def _history_line(o: _Obj) -> AddressHistoryEntry:
    h = AddressHistoryEntry(address=o.text("address"), set_on=o.day("set_on"))
    o.close()
    return h


def _flags(o: _Obj | None) -> ResidentFlags:
    if o is None:
        return ResidentFlags()
    f = ResidentFlags(
        support_measure=o.flag("support_measure", default=False),
        moving_out=o.flag("moving_out", default=False),
        deceased=o.flag("deceased", default=False),
    )
    o.close()
    return f


def _check_resident(r: ResidentRecord, o: _Obj) -> None:
    """Rules that need only this record."""
    if (r.koseki_id is None) == (r.foreign is None):
        raise o.fail("koseki_id", "give a koseki_id (Japanese national) or foreign items, exactly one")
    dates = ("birth_date", "became_resident_on", "address_set_on", "notified_on")
    for earlier, later in zip(dates, dates[1:]):
        if getattr(r, earlier) > getattr(r, later):
            raise o.fail(later, f"before {earlier}")
    years = [t.fiscal_year for t in r.tax_records]
    if years != sorted(set(years)):
        raise o.fail("tax_records", "fiscal years must be unique, oldest first")
    set_on = [h.set_on for h in r.address_history]
    if set_on != sorted(set_on):
        raise o.fail("address_history", "lines must be oldest first")


def _koseki(o: _Obj) -> KosekiRecord:
    koseki_id = o.text("koseki_id")
    o.located(f"koseki {koseki_id}")
    record = KosekiRecord(
        koseki_id=koseki_id,
        municipality_code=o.text("municipality_code"),
        honseki=o.text("honseki"),
        hittousha=_name(o.obj("hittousha")),
        members=tuple(_member(m) for m in o.objs("members")),
        kiosk_registered_refs=frozenset(o.texts("kiosk_registered_refs", optional=True)),
    )
    o.close()
    if not record.members:
        raise o.fail("members", "a 戸籍 has at least one member")
    return record


def _member(o: _Obj) -> KosekiMember:
    m = KosekiMember(
        name=_name(o.obj("name")),
        birth_date=o.day("birth_date"),
        sex=_sex(o),
        father=o.text("father"),
        mother=o.text("mother"),
        relationship=o.text("relationship"),
        entries=tuple(_entry(e) for e in o.objs("entries", optional=True)),
        resident_ref=o.optional_text("resident_ref"),
        removed=o.flag("removed", default=False),
    )
    o.close()
    return m


def _entry(o: _Obj) -> KosekiEntry:
    e = KosekiEntry(event=o.text("event"), on=o.day("on"), detail=o.text("detail"))
    o.close()
    return e


def _check_references(p: DemoPopulation) -> None:
    """Rules across records: every code, id and ref points at something that exists and agrees."""
    municipalities = _unique(p.municipalities, "code", "municipality")
    participating = {code for code, m in municipalities.items() if m.kiosk_participating}
    residents = _unique(p.residents, "resident_ref", "resident")
    koseki = _unique(p.koseki, "koseki_id", "koseki")
    _unique(p.residents, "my_number", "resident")

    for r in p.residents:
        where = f"resident {r.resident_ref}"
        if r.municipality_code not in participating:
            raise DemoDataError(f"{where}: municipality_code: not a participating municipality")
        if r.koseki_id is not None and r.koseki_id not in koseki:
            raise DemoDataError(f"{where}: koseki_id: no such koseki")
        for i, t in enumerate(r.tax_records):
            if t.jan1_municipality_code not in municipalities:
                raise DemoDataError(f"{where}: tax_records[{i}].jan1_municipality_code: unknown municipality")
    _check_households(p.residents)

    # (koseki_id, resident_ref) -> still in that 戸籍 (not 除籍)
    membership: dict[tuple[str, str], bool] = {}
    for k in p.koseki:
        where = f"koseki {k.koseki_id}"
        if k.municipality_code not in municipalities:
            raise DemoDataError(f"{where}: municipality_code: unknown municipality")
        for i, m in enumerate(k.members):
            if m.resident_ref is None:
                continue
            if m.resident_ref not in residents:
                raise DemoDataError(f"{where}: members[{i}].resident_ref: unknown resident {m.resident_ref}")
            membership[(k.koseki_id, m.resident_ref)] = not m.removed
        for ref in sorted(k.kiosk_registered_refs):
            if not membership.get((k.koseki_id, ref)):
                raise DemoDataError(f"{where}: kiosk_registered_refs: {ref} is not a current member")
            if residents[ref].municipality_code == k.municipality_code:
                raise DemoDataError(
                    f"{where}: kiosk_registered_refs: {ref} lives at the 本籍地; no 利用登録 needed"
                )

    for r in p.residents:
        if r.koseki_id is None:
            continue
        current = membership.get((r.koseki_id, r.resident_ref))
        # Death removes a person from the 戸籍 (除籍) while the 住民票 record stays, flagged deceased.
        if current is None or (not current and not r.flags.deceased):
            raise DemoDataError(f"resident {r.resident_ref}: koseki_id: not listed as a current member there")


def _check_households(residents: tuple[ResidentRecord, ...]) -> None:
    by_household: dict[str, list[ResidentRecord]] = defaultdict(list)
    for r in residents:
        by_household[r.household_id].append(r)
    for household_id, members in by_household.items():
        first = members[0]
        for r in members[1:]:
            for key in ("municipality_code", "address"):
                if getattr(r, key) != getattr(first, key):
                    raise DemoDataError(
                        f"resident {r.resident_ref}: {key}: differs from {first.resident_ref} in {household_id}"
                    )
        heads = [r for r in members if r.household_head and not r.flags.deceased]
        if len(heads) != 1:
            raise DemoDataError(f"household {household_id}: household_head: {len(heads)} living heads, expected 1")


def _unique(items: tuple[Any, ...], key: str, kind: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for item in items:
        value = getattr(item, key)
        if value in seen:
            # Name the record by its ref, not by the duplicated value (it may be a 個人番号).
            label = getattr(item, "resident_ref", value)
            raise DemoDataError(f"{kind} {label}: {key}: used twice")
        seen[value] = item
    return seen
