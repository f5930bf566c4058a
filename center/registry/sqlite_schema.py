"""The registry database: its tables, and how a demo population is written into them."""
from __future__ import annotations

import sqlite3

from center.registry.demo_loader import DemoPopulation
from center.registry.records import PersonName

# Bump when the tables change: SqliteRegistry refuses a database built for another version.
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE municipalities (
    code                TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    name_kana           TEXT NOT NULL,
    prefecture          TEXT NOT NULL,
    kiosk_participating INTEGER NOT NULL CHECK (kiosk_participating IN (0, 1))
);
CREATE TABLE households (
    household_id      TEXT PRIMARY KEY,
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    address           TEXT NOT NULL
);
CREATE TABLE koseki (
    koseki_id             TEXT PRIMARY KEY,
    municipality_code     TEXT NOT NULL REFERENCES municipalities (code),
    honseki               TEXT NOT NULL,
    hittousha_family      TEXT NOT NULL,
    hittousha_given       TEXT NOT NULL,
    hittousha_family_kana TEXT NOT NULL,
    hittousha_given_kana  TEXT NOT NULL
);
CREATE TABLE residents (
    resident_ref       TEXT PRIMARY KEY,
    household_id       TEXT NOT NULL REFERENCES households (household_id),
    position           INTEGER NOT NULL,  -- order in the demo file, after the head
    family             TEXT NOT NULL,
    given              TEXT NOT NULL,
    family_kana        TEXT NOT NULL,
    given_kana         TEXT NOT NULL,
    birth_date         TEXT NOT NULL,
    sex                TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    household_head     INTEGER NOT NULL CHECK (household_head IN (0, 1)),
    relationship       TEXT NOT NULL,
    became_resident_on TEXT NOT NULL,
    address_set_on     TEXT NOT NULL,
    notified_on        TEXT NOT NULL,
    previous_address   TEXT,
    my_number          TEXT NOT NULL UNIQUE CHECK (length(my_number) = 12),
    koseki_id          TEXT REFERENCES koseki (koseki_id),
    support_measure    INTEGER NOT NULL CHECK (support_measure IN (0, 1)),
    moving_out         INTEGER NOT NULL CHECK (moving_out IN (0, 1)),
    deceased           INTEGER NOT NULL CHECK (deceased IN (0, 1))
);
CREATE INDEX residents_by_household ON residents (household_id, position);
CREATE TABLE foreign_residents (
    resident_ref          TEXT PRIMARY KEY REFERENCES residents (resident_ref),
    nationality           TEXT NOT NULL,
    status                TEXT NOT NULL,
    period_until          TEXT NOT NULL,
    residence_card_number TEXT NOT NULL UNIQUE
);
CREATE TABLE seals (
    resident_ref        TEXT PRIMARY KEY REFERENCES residents (resident_ref),
    registration_number TEXT NOT NULL,
    registered_on       TEXT NOT NULL,
    impression          TEXT NOT NULL
);
CREATE TABLE tax_records (
    resident_ref           TEXT NOT NULL REFERENCES residents (resident_ref),
    fiscal_year            INTEGER NOT NULL,
    jan1_municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    declared               INTEGER NOT NULL CHECK (declared IN (0, 1)),
    total_income           INTEGER NOT NULL,
    taxable_income         INTEGER NOT NULL,
    municipal_tax          INTEGER NOT NULL,
    prefectural_tax        INTEGER NOT NULL,
    dependents             INTEGER NOT NULL,
    taxed                  INTEGER NOT NULL CHECK (taxed IN (0, 1)),
    PRIMARY KEY (resident_ref, fiscal_year)
);
CREATE TABLE address_history (
    resident_ref TEXT NOT NULL REFERENCES residents (resident_ref),
    position     INTEGER NOT NULL,
    address      TEXT NOT NULL,
    set_on       TEXT NOT NULL,
    PRIMARY KEY (resident_ref, position)
);
CREATE TABLE koseki_members (
    koseki_id    TEXT NOT NULL REFERENCES koseki (koseki_id),
    position     INTEGER NOT NULL,
    family       TEXT NOT NULL,
    given        TEXT NOT NULL,
    family_kana  TEXT NOT NULL,
    given_kana   TEXT NOT NULL,
    birth_date   TEXT NOT NULL,
    sex          TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    father       TEXT NOT NULL,
    mother       TEXT NOT NULL,
    relationship TEXT NOT NULL,
    resident_ref TEXT REFERENCES residents (resident_ref),
    removed      INTEGER NOT NULL CHECK (removed IN (0, 1)),
    PRIMARY KEY (koseki_id, position)
);
CREATE TABLE koseki_entries (
    koseki_id       TEXT NOT NULL,
    member_position INTEGER NOT NULL,
    position        INTEGER NOT NULL,
    event           TEXT NOT NULL,
    on_date         TEXT NOT NULL,
    detail          TEXT NOT NULL,
    PRIMARY KEY (koseki_id, member_position, position),
    FOREIGN KEY (koseki_id, member_position) REFERENCES koseki_members (koseki_id, position)
);
CREATE TABLE kiosk_registrations (
    koseki_id    TEXT NOT NULL REFERENCES koseki (koseki_id),
    resident_ref TEXT NOT NULL REFERENCES residents (resident_ref),
    PRIMARY KEY (koseki_id, resident_ref)
);
CREATE TABLE certificate_links (
    cert_sha256  TEXT PRIMARY KEY CHECK (length(cert_sha256) = 64),
    resident_ref TEXT NOT NULL REFERENCES residents (resident_ref)
);
"""


def create_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def write_population(conn: sqlite3.Connection, population: DemoPopulation) -> None:
    """Insert everything; koseki rows first because residents point at them and members back."""
    conn.executemany(
        "INSERT INTO municipalities VALUES (?, ?, ?, ?, ?)",
        [(m.code, m.name, m.name_kana, m.prefecture, m.kiosk_participating) for m in population.municipalities],
    )
    households = {r.household_id: (r.household_id, r.municipality_code, r.address) for r in population.residents}
    conn.executemany("INSERT INTO households VALUES (?, ?, ?)", households.values())
    conn.executemany(
        "INSERT INTO koseki VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(k.koseki_id, k.municipality_code, k.honseki, *_name(k.hittousha)) for k in population.koseki],
    )
    for position, r in enumerate(population.residents):
        conn.execute(
            "INSERT INTO residents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                r.resident_ref, r.household_id, position, *_name(r.name), r.birth_date.isoformat(),
                r.sex.value, r.household_head, r.relationship, r.became_resident_on.isoformat(),
                r.address_set_on.isoformat(), r.notified_on.isoformat(), r.previous_address, r.my_number,
                r.koseki_id, r.flags.support_measure, r.flags.moving_out, r.flags.deceased,
            ),
        )
        if r.foreign is not None:
            f = r.foreign
            conn.execute(
                "INSERT INTO foreign_residents VALUES (?, ?, ?, ?, ?)",
                (r.resident_ref, f.nationality, f.status, f.period_until.isoformat(), f.residence_card_number),
            )
        if r.seal is not None:
            s = r.seal
            conn.execute(
                "INSERT INTO seals VALUES (?, ?, ?, ?)",
                (r.resident_ref, s.registration_number, s.registered_on.isoformat(), s.impression),
            )
        conn.executemany(
            "INSERT INTO tax_records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    r.resident_ref, t.fiscal_year, t.jan1_municipality_code, t.declared, t.total_income,
                    t.taxable_income, t.municipal_tax, t.prefectural_tax, t.dependents, t.taxed,
                )
                for t in r.tax_records
            ],
        )
        conn.executemany(
            "INSERT INTO address_history VALUES (?, ?, ?, ?)",
            [(r.resident_ref, i, h.address, h.set_on.isoformat()) for i, h in enumerate(r.address_history)],
        )
    for k in population.koseki:
        for i, m in enumerate(k.members):
            conn.execute(
                "INSERT INTO koseki_members VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    k.koseki_id, i, *_name(m.name), m.birth_date.isoformat(), m.sex.value, m.father,
                    m.mother, m.relationship, m.resident_ref, m.removed,
                ),
            )
            conn.executemany(
                "INSERT INTO koseki_entries VALUES (?, ?, ?, ?, ?, ?)",
                [(k.koseki_id, i, j, e.event, e.on.isoformat(), e.detail) for j, e in enumerate(m.entries)],
            )
        conn.executemany(
            "INSERT INTO kiosk_registrations VALUES (?, ?)",
            [(k.koseki_id, ref) for ref in sorted(k.kiosk_registered_refs)],
        )


def _name(n: PersonName) -> tuple[str, str, str, str]:
    return (n.family, n.given, n.family_kana, n.given_kana)
