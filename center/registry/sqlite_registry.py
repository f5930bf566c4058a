"""The resident registry kept in SQLite: built from the demo JSON, read as frozen records."""
from __future__ import annotations

import os
import re
import sqlite3
import tempfile
import threading
from datetime import date
from pathlib import Path

from center.registry.demo_loader import load_demo_population
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
    TaxRecord,
)
from center.registry.sqlite_schema import SCHEMA_VERSION, create_schema, write_population

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class RegistryDatabaseError(RuntimeError):
    """The database file is missing or was built for another schema version: rebuild it."""


class CertificateLinkError(ValueError):
    """A link that cannot be made: bad hash, unknown resident, or a certificate already someone else's."""


def build_registry(db_path: Path, demo_json: Path) -> None:
    """(Re)build the database at ``db_path`` from the demo file.

    The file is validated first (``DemoDataError`` on a broken one), then written to a temporary
    file beside ``db_path`` and moved over it in one step, so a failed build leaves the old
    database untouched. Certificate links live in the database and start empty again.
    """
    population = load_demo_population(demo_json)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=db_path.name + ".", suffix=".building", dir=db_path.parent)
    os.close(fd)
    tmp_path = Path(tmp_name)
    try:
        conn = sqlite3.connect(tmp_path)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            with conn:
                create_schema(conn)
                write_population(conn, population)
        finally:
            conn.close()
        os.replace(tmp_path, db_path)
    finally:
        tmp_path.unlink(missing_ok=True)


class SqliteRegistry:
    """ResidentRegistry over one SQLite connection.

    The issuance center may call from a worker thread, so the connection is shared across
    threads and every use is serialised by a lock.
    """

    def __init__(self, db_path: Path) -> None:
        if not db_path.is_file():
            raise RegistryDatabaseError(f"no registry database at {db_path}: build it first")
        # mode=rw: never create an empty database by accident.
        self._lock = threading.Lock()
        try:
            self._conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=rw", uri=True, check_same_thread=False)
        except sqlite3.Error as exc:
            raise RegistryDatabaseError(f"registry database {db_path} cannot be opened ({exc})") from None
        self._conn.row_factory = sqlite3.Row
        try:
            self._conn.execute("PRAGMA foreign_keys = ON")
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            # The registry is small: checking every page now beats a damaged page mid-session.
            check = self._conn.execute("PRAGMA quick_check(1)").fetchone()[0] if version == SCHEMA_VERSION else "ok"
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise RegistryDatabaseError(f"registry database {db_path} is damaged ({exc}): "
                                        "rebuild it with `kiosk setup --force`") from None
        if version != SCHEMA_VERSION:
            self._conn.close()
            raise RegistryDatabaseError(f"registry database {db_path}: schema version {version}, expected "
                                        f"{SCHEMA_VERSION}: rebuild it with `kiosk setup --force`")
        if check != "ok":
            self._conn.close()
            raise RegistryDatabaseError(f"registry database {db_path} is damaged: rebuild it with `kiosk setup --force`")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "SqliteRegistry":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- ResidentRegistry --------------------------------------------------------------------

    def resident(self, resident_ref: str) -> ResidentRecord | None:
        with self._lock:
            row = self._conn.execute(_RESIDENT_SELECT + " WHERE r.resident_ref = ?", (resident_ref,)).fetchone()
            return None if row is None else self._resident(row)

    def household(self, household_id: str) -> tuple[ResidentRecord, ...]:
        """Current members, head first, then in file order; the deceased are left out."""
        with self._lock:
            rows = self._conn.execute(
                _RESIDENT_SELECT + " WHERE r.household_id = ? AND r.deceased = 0"
                " ORDER BY r.household_head DESC, r.position",
                (household_id,),
            ).fetchall()
            return tuple(self._resident(row) for row in rows)

    def koseki(self, koseki_id: str) -> KosekiRecord | None:
        with self._lock:
            row = self._conn.execute("SELECT * FROM koseki WHERE koseki_id = ?", (koseki_id,)).fetchone()
            if row is None:
                return None
            members = self._conn.execute(
                "SELECT * FROM koseki_members WHERE koseki_id = ? ORDER BY position", (koseki_id,)
            ).fetchall()
            registered = self._conn.execute(
                "SELECT resident_ref FROM kiosk_registrations WHERE koseki_id = ?", (koseki_id,)
            ).fetchall()
            return KosekiRecord(
                koseki_id=row["koseki_id"],
                municipality_code=row["municipality_code"],
                honseki=row["honseki"],
                hittousha=PersonName(
                    row["hittousha_family"], row["hittousha_given"],
                    row["hittousha_family_kana"], row["hittousha_given_kana"],
                ),
                members=tuple(self._member(m) for m in members),
                kiosk_registered_refs=frozenset(r["resident_ref"] for r in registered),
            )

    def resident_for_certificate(self, certificate_sha256: str) -> str | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT resident_ref FROM certificate_links WHERE cert_sha256 = ?", (certificate_sha256.lower(),)
            ).fetchone()
            return None if row is None else row["resident_ref"]

    def link_certificate(self, certificate_sha256: str, resident_ref: str) -> None:
        """Idempotent for the same pair; one resident may hold several certificates (a renewed card)."""
        digest = certificate_sha256.lower()
        if not _SHA256_HEX.fullmatch(digest):
            raise CertificateLinkError("certificate_sha256: expected 64 hex digits")
        with self._lock, self._conn:
            if self._conn.execute("SELECT 1 FROM residents WHERE resident_ref = ?", (resident_ref,)).fetchone() is None:
                raise CertificateLinkError(f"resident {resident_ref}: no such resident")
            row = self._conn.execute(
                "SELECT resident_ref FROM certificate_links WHERE cert_sha256 = ?", (digest,)
            ).fetchone()
            if row is not None and row["resident_ref"] != resident_ref:
                raise CertificateLinkError(f"resident {resident_ref}: certificate already linked to another resident")
            self._conn.execute(
                "INSERT OR IGNORE INTO certificate_links (cert_sha256, resident_ref) VALUES (?, ?)",
                (digest, resident_ref),
            )

    # -- extras --------------------------------------------------------------------------------

    def municipality_residents(self, municipality_code: str) -> tuple[ResidentRecord, ...]:
        """Living residents of one municipality, household by household, each head first."""
        with self._lock:
            rows = self._conn.execute(
                _RESIDENT_SELECT + " WHERE h.municipality_code = ? AND r.deceased = 0"
                " ORDER BY r.household_id, r.household_head DESC, r.position",
                (municipality_code,),
            ).fetchall()
            return tuple(self._resident(row) for row in rows)

    # -- rows to records (callers hold the lock) -------------------------------------------------

    def _resident(self, row: sqlite3.Row) -> ResidentRecord:
        ref = row["resident_ref"]
        taxes = self._conn.execute(
            "SELECT * FROM tax_records WHERE resident_ref = ? ORDER BY fiscal_year", (ref,)
        ).fetchall()
        history = self._conn.execute(
            "SELECT address, set_on FROM address_history WHERE resident_ref = ? ORDER BY position", (ref,)
        ).fetchall()
        return ResidentRecord(
            resident_ref=ref,
            municipality_code=row["municipality_code"],
            household_id=row["household_id"],
            name=PersonName(row["family"], row["given"], row["family_kana"], row["given_kana"]),
            birth_date=_day(row["birth_date"]),
            sex=Sex(row["sex"]),
            household_head=bool(row["household_head"]),
            relationship=row["relationship"],
            address=row["address"],
            became_resident_on=_day(row["became_resident_on"]),
            address_set_on=_day(row["address_set_on"]),
            notified_on=_day(row["notified_on"]),
            previous_address=row["previous_address"],
            my_number=row["my_number"],
            koseki_id=row["koseki_id"],
            foreign=_foreign(row),
            seal=_seal(row),
            tax_records=tuple(_tax(t) for t in taxes),
            address_history=tuple(AddressHistoryEntry(h["address"], _day(h["set_on"])) for h in history),
            flags=ResidentFlags(
                support_measure=bool(row["support_measure"]),
                moving_out=bool(row["moving_out"]),
                deceased=bool(row["deceased"]),
            ),
        )

    def _member(self, row: sqlite3.Row) -> KosekiMember:
        entries = self._conn.execute(
            "SELECT event, on_date, detail FROM koseki_entries"
            " WHERE koseki_id = ? AND member_position = ? ORDER BY position",
            (row["koseki_id"], row["position"]),
        ).fetchall()
        return KosekiMember(
            name=PersonName(row["family"], row["given"], row["family_kana"], row["given_kana"]),
            birth_date=_day(row["birth_date"]),
            sex=Sex(row["sex"]),
            father=row["father"],
            mother=row["mother"],
            relationship=row["relationship"],
            entries=tuple(KosekiEntry(e["event"], _day(e["on_date"]), e["detail"]) for e in entries),
            resident_ref=row["resident_ref"],
            removed=bool(row["removed"]),
        )


# One row per resident with the one-to-one tables joined in; lists are fetched per resident.
_RESIDENT_SELECT = """
SELECT r.*, h.municipality_code, h.address,
       f.nationality, f.status, f.period_until, f.residence_card_number,
       s.registration_number, s.registered_on, s.impression
FROM residents r
JOIN households h ON h.household_id = r.household_id
LEFT JOIN foreign_residents f ON f.resident_ref = r.resident_ref
LEFT JOIN seals s ON s.resident_ref = r.resident_ref
"""


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _foreign(row: sqlite3.Row) -> ForeignResidence | None:
    if row["nationality"] is None:
        return None
    return ForeignResidence(
        nationality=row["nationality"],
        status=row["status"],
        period_until=_day(row["period_until"]),
        residence_card_number=row["residence_card_number"],
    )


def _seal(row: sqlite3.Row) -> SealRegistration | None:
    if row["registration_number"] is None:
        return None
    return SealRegistration(
        registration_number=row["registration_number"],
        registered_on=_day(row["registered_on"]),
        impression=row["impression"],
    )


def _tax(row: sqlite3.Row) -> TaxRecord:
    return TaxRecord(
        fiscal_year=row["fiscal_year"],
        jan1_municipality_code=row["jan1_municipality_code"],
        declared=bool(row["declared"]),
        total_income=row["total_income"],
        taxable_income=row["taxable_income"],
        municipal_tax=row["municipal_tax"],
        prefectural_tax=row["prefectural_tax"],
        dependents=row["dependents"],
        taxed=bool(row["taxed"]),
    )
