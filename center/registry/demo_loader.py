"""Reads the demo population JSON into the records of center.registry.records, checking it strictly.

A broken file is a set-up mistake, so it raises ``DemoDataError``; the message names the record
(resident_ref or koseki_id) and the key, and never repeats a value (names, 個人番号...).

What the loader checks adds up, and what the demo file decided beyond that:

- A tax record's breakdown: total_income is the sum of its incomes' 所得, total_deductions the
  sum of its 所得控除, 課税標準額 (taxable_income) is total_income − total_deductions rounded down
  to 1,000 yen (never below 0), and each tax is its 均等割 + 所得割; a year not taxed (非課税)
  has every tax 0. These hold for any municipality.
- The demo's own tax arithmetic, not checked here (tests/test_registry.py checks the demo file):
  均等割 市町村民税 3,000 and 道府県民税 1,000 for every year (the 復興特別税 surcharge of 500 + 500
  to 令和5年度 is left out; the 森林環境税 of 1,000 from 令和6年度 is a national tax collected
  with it and not part of either); 所得割 is 6 % (市町村) and 4 % (道府県) of the 課税標準額,
  rounded down to 100 yen, with no 調整控除 or 税額控除. 給与所得 follows the 給与所得控除 table
  (所得税法 別表第五 up to 6.6 million yen), with the 650,000 yen minimum from 令和7年分;
  住民税 deductions use the 住民税 amounts (基礎控除 430,000, 配偶者控除 330,000...).
- 戸籍: a 出生 or 死亡 has its 【届出日】, never before the event; 【配偶者区分】 needs a 婚姻 not
  dissolved by a later 離婚; every 戸籍 has its 戸籍事項 (戸籍編製 or 転籍), oldest first.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import msgspec

from center.registry.impressions import demo_recipe
from center.registry.mynumber import is_valid_my_number
from center.registry.records import (
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
    TaxDeduction,
    TaxIncome,
    TaxRecord,
)
from kiosk.validation import MAX_TEXT, MIB, InputFileError, Invalid, Schema, Text, convert, one_of, parse_json, read_text


class DemoDataError(InputFileError):
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


MAX_FILE_BYTES = 16 * MIB


def load_demo_population(path: Path) -> DemoPopulation:
    document = parse_json(read_text(path, file=path.name, error=DemoDataError, max_bytes=MAX_FILE_BYTES),
                          file=path.name, error=DemoDataError)
    return parse_demo_population(document, file=path.name)


def parse_demo_population(doc: Any, file: str = "") -> DemoPopulation:
    """``file``: the file's name for messages; without one, messages say ``demo file``."""

    def where(segments: list[str | int]) -> tuple[str, int] | None:
        # errors name the record by its own id, as people look it up, not by its list position
        if len(segments) >= 2 and isinstance(segments[1], int) and segments[0] in _RECORD_IDS:
            kind, id_key = _RECORD_IDS[str(segments[0])]
            record = doc[segments[0]][segments[1]]
            ref = record.get(id_key) if isinstance(record, dict) else None
            if isinstance(ref, str) and _OPAQUE_ID.fullmatch(ref):
                return f"{kind} {ref}", 2
        return None if file else ("demo file", 0)

    raw = convert(doc, _DemoFile, file=file, error=DemoDataError, where=where)
    population = DemoPopulation(
        municipalities=tuple(_municipality(m) for m in raw.municipalities),
        residents=tuple(_resident(r) for r in raw.residents),
        koseki=tuple(_koseki(k) for k in raw.koseki),
    )
    try:
        _check_references(population)
    except DemoDataError as exc:
        raise DemoDataError(file, exc.key, exc.problem) from None
    return population


# --- the file's schema (kiosk/validation.py) ----------------------------------------------------------
_RECORD_IDS = {"residents": ("resident", "resident_ref"), "koseki": ("koseki", "koseki_id")}
_OPAQUE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_Amount = Annotated[int, msgspec.Meta(ge=0, le=10**15)]  # yen, years, counts; SQLite holds 64-bit integers


_MANY = msgspec.Meta(max_length=100_000)

class _Municipality(Schema):
    code: Text
    name: Text
    name_kana: Text
    prefecture: Text
    kiosk_participating: bool


class _Name(Schema):
    family: Text
    given: Text
    family_kana: Text
    given_kana: Text


# 住民基本台帳法 第30条の45: who among foreigners is recorded in the 住民基本台帳
FOREIGN_RESIDENT_CATEGORIES = ("中長期在留者", "特別永住者", "一時庇護許可者", "仮滞在許可者",
                               "出生による経過滞在者", "国籍喪失による経過滞在者")


class _Foreign(Schema):
    nationality: Text
    status: Text
    period_until: date
    residence_card_number: Text
    category: Annotated[str, one_of(*FOREIGN_RESIDENT_CATEGORIES)]
    period: Text = ""  # 在留期間等: none for a 特別永住者


class _Seal(Schema):
    registration_number: Text
    registered_on: date
    impression: Text


class _Income(Schema, kw_only=True):
    kind: Text
    revenue: _Amount | None = None  # 収入金額; absent where the form shows none
    income: _Amount

    def __post_init__(self) -> None:
        if self.revenue is not None and self.income > self.revenue:
            raise Invalid("income", "more than revenue")


class _Deduction(Schema):
    kind: Text
    amount: _Amount


class _Tax(Schema):
    fiscal_year: _Amount
    jan1_municipality_code: Text
    declared: bool
    total_income: _Amount
    taxable_income: _Amount
    municipal_tax: _Amount
    prefectural_tax: _Amount
    dependents: _Amount
    taxed: bool
    incomes: Annotated[list[_Income], _MANY]
    deductions: Annotated[list[_Deduction], _MANY]
    total_deductions: _Amount
    municipal_per_capita: _Amount
    municipal_income_levy: _Amount
    prefectural_per_capita: _Amount
    prefectural_income_levy: _Amount

    def __post_init__(self) -> None:
        """The breakdown adds up (see the module's docstring); messages name keys, never amounts."""
        if self.taxed and not self.declared:
            raise Invalid("taxed", "a year without a declaration cannot be taxed")
        if self.total_income != sum(i.income for i in self.incomes):
            raise Invalid("total_income", "not the sum of the incomes' income")
        if self.total_deductions != sum(d.amount for d in self.deductions):
            raise Invalid("total_deductions", "not the sum of the deductions' amount")
        if self.taxable_income != max(0, self.total_income - self.total_deductions) // 1000 * 1000:
            raise Invalid("taxable_income", "not total_income - total_deductions rounded down to 1,000 yen")
        for tax in ("municipal", "prefectural"):
            per_capita, levy = getattr(self, f"{tax}_per_capita"), getattr(self, f"{tax}_income_levy")
            if getattr(self, f"{tax}_tax") != per_capita + levy:
                raise Invalid(f"{tax}_tax", f"not {tax}_per_capita + {tax}_income_levy")
            if not self.taxed and getattr(self, f"{tax}_tax"):
                raise Invalid(f"{tax}_tax", "a year not taxed (非課税) has no tax")


class _History(Schema):
    address: Text
    set_on: date


class _Flags(Schema):
    support_measure: bool | None = None
    moving_out: bool | None = None
    deceased: bool | None = None


_Sex = Annotated[str, one_of(*(s.value for s in Sex))]


class _Resident(Schema, kw_only=True):
    resident_ref: Text
    municipality_code: Text
    household_id: Text
    name: _Name
    birth_date: date
    sex: _Sex
    household_head: bool
    relationship: Text
    address: Text
    became_resident_on: date
    address_set_on: date
    notified_on: date
    previous_address: Text | None = None
    my_number: Text
    koseki_id: Text | None = None
    foreign: _Foreign | None = None
    seal: _Seal | None = None
    tax_records: Annotated[list[_Tax], _MANY] | None = None
    address_history: Annotated[list[_History], _MANY] | None = None
    flags: _Flags | None = None
    remarks: Annotated[list[Text], _MANY] | None = None  # 備考 of the 住民票, oldest first

    def __post_init__(self) -> None:
        """Rules that need only this record."""
        if not is_valid_my_number(self.my_number):
            raise Invalid("my_number", "not 12 digits with a valid check digit")
        if (self.koseki_id is None) == (self.foreign is None):
            raise Invalid("koseki_id", "give a koseki_id (Japanese national) or foreign items, exactly one")
        dates = ("birth_date", "became_resident_on", "address_set_on", "notified_on")
        for earlier, later in zip(dates, dates[1:]):
            if getattr(self, earlier) > getattr(self, later):
                raise Invalid(later, f"before {earlier}")
        years = [t.fiscal_year for t in self.tax_records or ()]
        if years != sorted(set(years)):
            raise Invalid("tax_records", "fiscal years must be unique, oldest first")
        set_on = [h.set_on for h in self.address_history or ()]
        if set_on != sorted(set_on):
            raise Invalid("address_history", "lines must be oldest first")


_REPORTED_AFTER = ("出生", "死亡")  # events notified after they happen: the form prints both dates


class _Entry(Schema, kw_only=True):
    event: Text
    on: date
    detail: Annotated[str, msgspec.Meta(max_length=MAX_TEXT)]  # "" where the date is all (戸籍編製)
    notified_on: date | None = None  # 【届出日】

    def __post_init__(self) -> None:
        if self.notified_on is None and self.event in _REPORTED_AFTER:
            raise Invalid("notified_on", f"missing: a {self.event} is notified after it happens")
        if self.notified_on is not None and self.notified_on < self.on:
            raise Invalid("notified_on", "before the event")


def _oldest_first(entries: list[_Entry] | None) -> bool:
    days = [e.on for e in entries or ()]
    return days == sorted(days)


class _Member(Schema, kw_only=True):
    name: _Name
    birth_date: date
    sex: _Sex
    father: Text
    mother: Text
    relationship: Text
    entries: Annotated[list[_Entry], _MANY] | None = None
    resident_ref: Text | None = None
    removed: bool | None = None
    spouse: bool | None = None  # 【配偶者区分】

    def __post_init__(self) -> None:
        if not _oldest_first(self.entries):
            raise Invalid("entries", "must be oldest first")
        if self.spouse:
            events = [e.event for e in self.entries or () if e.event in ("婚姻", "離婚")]
            if not events or events[-1] != "婚姻":
                raise Invalid("spouse", "no 婚姻 that a later 離婚 did not end")


class _Koseki(Schema, kw_only=True):
    koseki_id: Text
    municipality_code: Text
    honseki: Text
    hittousha: _Name
    events: Annotated[list[_Entry], _MANY]  # 戸籍事項: 戸籍編製, 転籍 ...
    members: Annotated[list[_Member], _MANY]
    kiosk_registered_refs: Annotated[list[Text], _MANY] | None = None

    def __post_init__(self) -> None:
        if not self.events:
            raise Invalid("events", "a 戸籍 has its 戸籍事項 (戸籍編製 or 転籍)")
        if not _oldest_first(self.events):
            raise Invalid("events", "must be oldest first")
        if not self.members:
            raise Invalid("members", "a 戸籍 has at least one member")


class _DemoFile(Schema):
    about: Text  # required so that nobody mistakes the file for real data
    municipalities: Annotated[list[_Municipality], _MANY]
    residents: Annotated[list[_Resident], _MANY]
    koseki: Annotated[list[_Koseki], _MANY]


# --- schema -> records ------------------------------------------------------------------------------------
def _municipality(m: _Municipality) -> Municipality:
    return Municipality(code=m.code, name=m.name, name_kana=m.name_kana, prefecture=m.prefecture,
                        kiosk_participating=m.kiosk_participating)


def _name(n: _Name) -> PersonName:
    return PersonName(family=n.family, given=n.given, family_kana=n.family_kana, given_kana=n.given_kana)


def _resident(r: _Resident) -> ResidentRecord:
    f, seal, flags = r.foreign, r.seal, r.flags
    return ResidentRecord(
        resident_ref=r.resident_ref,
        municipality_code=r.municipality_code,
        household_id=r.household_id,
        name=_name(r.name),
        birth_date=r.birth_date,
        sex=Sex(r.sex),
        household_head=r.household_head,
        relationship=r.relationship,
        address=r.address,
        became_resident_on=r.became_resident_on,
        address_set_on=r.address_set_on,
        notified_on=r.notified_on,
        previous_address=r.previous_address,
        my_number=r.my_number,
        koseki_id=r.koseki_id,
        foreign=None if f is None else ForeignResidence(
            nationality=f.nationality, status=f.status, period_until=f.period_until,
            residence_card_number=f.residence_card_number, category=f.category,
            period=f.period),
        # the 印影 picture itself is made from its recipe when the registry is stored (center.storage.registry)
        seal=None if seal is None else SealRegistration(
            registration_number=seal.registration_number, registered_on=seal.registered_on,
            impression=seal.impression, image_recipe=demo_recipe(r.resident_ref, seal.registration_number)),
        tax_records=tuple(_tax(t) for t in r.tax_records or ()),
        address_history=tuple(AddressHistoryEntry(address=h.address, set_on=h.set_on) for h in r.address_history or ()),
        flags=ResidentFlags() if flags is None else ResidentFlags(
            support_measure=bool(flags.support_measure), moving_out=bool(flags.moving_out),
            deceased=bool(flags.deceased)),
        remarks=tuple(r.remarks or ()),
    )


def _tax(t: _Tax) -> TaxRecord:
    return TaxRecord(
        fiscal_year=t.fiscal_year, jan1_municipality_code=t.jan1_municipality_code, declared=t.declared,
        total_income=t.total_income, taxable_income=t.taxable_income, municipal_tax=t.municipal_tax,
        prefectural_tax=t.prefectural_tax, dependents=t.dependents, taxed=t.taxed,
        incomes=tuple(TaxIncome(kind=i.kind, revenue=i.revenue, income=i.income) for i in t.incomes),
        deductions=tuple(TaxDeduction(kind=d.kind, amount=d.amount) for d in t.deductions),
        total_deductions=t.total_deductions, municipal_per_capita=t.municipal_per_capita,
        municipal_income_levy=t.municipal_income_levy, prefectural_per_capita=t.prefectural_per_capita,
        prefectural_income_levy=t.prefectural_income_levy,
    )


def _entry(e: _Entry) -> KosekiEntry:
    return KosekiEntry(event=e.event, on=e.on, detail=e.detail, notified_on=e.notified_on)


def _koseki(k: _Koseki) -> KosekiRecord:
    return KosekiRecord(
        koseki_id=k.koseki_id,
        municipality_code=k.municipality_code,
        honseki=k.honseki,
        hittousha=_name(k.hittousha),
        members=tuple(KosekiMember(
            name=_name(m.name), birth_date=m.birth_date, sex=Sex(m.sex), father=m.father, mother=m.mother,
            relationship=m.relationship,
            entries=tuple(_entry(e) for e in m.entries or ()),
            resident_ref=m.resident_ref, removed=bool(m.removed), spouse=bool(m.spouse)) for m in k.members),
        kiosk_registered_refs=frozenset(k.kiosk_registered_refs or ()),
        events=tuple(_entry(e) for e in k.events),
    )


def _fail(key: str, problem: str) -> DemoDataError:
    return DemoDataError("", key, problem)


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
            raise _fail(f"{where}: municipality_code", "not a participating municipality")
        if r.koseki_id is not None and r.koseki_id not in koseki:
            raise _fail(f"{where}: koseki_id", "no such koseki")
        for i, t in enumerate(r.tax_records):
            if t.jan1_municipality_code not in municipalities:
                raise _fail(f"{where}: tax_records[{i}].jan1_municipality_code", "unknown municipality")
        # a 中長期在留者 holds a status granted for a period (入管法 第2条の2); a 特別永住者 none
        if r.foreign is not None and bool(r.foreign.period) != (r.foreign.category == "中長期在留者"):
            raise _fail(f"{where}: foreign.period", "set for a 中長期在留者 and only for one")
    _check_households(p.residents)

    # (koseki_id, resident_ref) -> still in that 戸籍 (not 除籍)
    membership: dict[tuple[str, str], bool] = {}
    for k in p.koseki:
        where = f"koseki {k.koseki_id}"
        if k.municipality_code not in municipalities:
            raise _fail(f"{where}: municipality_code", "unknown municipality")
        for i, m in enumerate(k.members):
            if m.resident_ref is None:
                continue
            if m.resident_ref not in residents:
                raise _fail(f"{where}: members[{i}].resident_ref", f"unknown resident {m.resident_ref}")
            membership[(k.koseki_id, m.resident_ref)] = not m.removed
        for ref in sorted(k.kiosk_registered_refs):
            if not membership.get((k.koseki_id, ref)):
                raise _fail(f"{where}: kiosk_registered_refs", f"{ref} is not a current member")
            if residents[ref].municipality_code == k.municipality_code:
                raise _fail(f"{where}: kiosk_registered_refs", f"{ref} lives at the 本籍地; no 利用登録 needed")

    for r in p.residents:
        if r.koseki_id is None:
            continue
        current = membership.get((r.koseki_id, r.resident_ref))
        # Death removes a person from the 戸籍 (除籍) while the 住民票 record stays, flagged deceased.
        if current is None or (not current and not r.flags.deceased):
            raise _fail(f"resident {r.resident_ref}: koseki_id", "not listed as a current member there")


def _check_households(residents: tuple[ResidentRecord, ...]) -> None:
    by_household: dict[str, list[ResidentRecord]] = defaultdict(list)
    for r in residents:
        by_household[r.household_id].append(r)
    for household_id, members in by_household.items():
        first = members[0]
        for r in members[1:]:
            for key in ("municipality_code", "address"):
                if getattr(r, key) != getattr(first, key):
                    raise _fail(f"resident {r.resident_ref}: {key}", f"differs from {first.resident_ref} in {household_id}")
        heads = [r for r in members if r.household_head and not r.flags.deceased]
        if len(heads) != 1:
            raise _fail(f"household {household_id}: household_head", f"{len(heads)} living heads, expected 1")


def _unique(items: tuple[Any, ...], key: str, kind: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for item in items:
        value = getattr(item, key)
        if value in seen:
            # Name the record by its ref, not by the duplicated value (it may be a 個人番号).
            label = getattr(item, "resident_ref", value)
            raise _fail(f"{kind} {label}: {key}", "used twice")
        seen[value] = item
    return seen
