"""CenterStore: what the issuance center keeps, in one database any center process can share.

- 発行番号 (``take_issue_number``): one counter row per municipality and day, taken with
  ``INSERT ... ON CONFLICT DO UPDATE SET last_number = last_number + 1 RETURNING`` in the
  caller's transaction. The row lock (PostgreSQL) or the write lock (SQLite) is held until that
  transaction ends, so numbers are unique and gap-free: a transaction that rolls back gives its
  numbers back.
- challenges (``new_challenge``/``consume_challenge``): single use by ``UPDATE ... SET used =
  TRUE WHERE NOT used RETURNING``; refused as CHALLENGE_REPLAYED, CHALLENGE_EXPIRED or
  CHALLENGE_UNKNOWN (a challenge is kept one extra TTL after expiry, so a late answer is told
  it expired or was replayed, then forgotten).
- authenticated sessions (``open_session``/``session``/``session_ref``/``end_session``): the token
  goes to the kiosk, only its SHA-256 is stored.
- idempotent issuance (``issue_once``): the request key (codec.request_key) is claimed with
  ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` before anything is built; a concurrent duplicate
  waits on that claim (PostgreSQL's unique index; SQLite's write lock) and then reads the stored
  documents. The build, its numbers, the stored result and the 交付記録 ``issued`` rows are one
  transaction.
- 交付記録 (``record``/``report``/``records``): append-only rows (issue number, outcome), the
  resident only as an HMAC-SHA256 pseudonym under the center's secret key.

Every method is one round trip where it can be (one statement in its own transaction), and
takes the time it works at from the caller (the center's clock), never from the system.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path

from sqlalchemy import Connection, Engine, Text, and_, bindparam, delete, literal, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from center.codec import decode_documents, encode_documents
from center.storage.engine import Database
from center.storage.migrate import require_current
from center.secret_file import read_or_make
from center.storage.registry import SqlRegistry
from center.storage.tables import (
    auth_sessions as t_sessions, challenges as t_challenges, issuance_records as t_records,
    issue_counters as t_counters, issue_requests as t_requests,
)
from kiosk.catalog.hours import local
from kiosk.ports.center import AuthRefusalReason, Challenge, DocumentOutcome, Issued, IssueResult

NONCE_BYTES = 32
_ID_BYTES = 16
MIN_KEY_BYTES = 16
_RETRIES = 5  # a build that lost a deadlock (two orders numbering two municipalities in opposite order)
_RETRY_SQLSTATES = {"40P01", "40001"}  # deadlock_detected, serialization_failure

TakeNumber = Callable[[str, datetime], str]
"""``take(municipality_code, at)`` -> "990001-20261125-000123", inside the issuing transaction."""


class RecordOutcome(Enum):
    """A 交付記録 row's outcome: issued by the center, then what the kiosk reported."""

    ISSUED = "issued"
    PRINTED = "printed"
    REFUNDED = "refunded"
    VOIDED = "voided"

    @classmethod
    def of(cls, outcome: DocumentOutcome | RecordOutcome) -> RecordOutcome:
        return outcome if isinstance(outcome, RecordOutcome) else cls(outcome.value)


class ReportResult(Enum):
    RECORDED = "recorded"
    ALREADY_RECORDED = "already_recorded"  # the same outcome again: nothing added
    UNKNOWN_ISSUE_NUMBER = "unknown_issue_number"  # never issued, or issued to another session


@dataclass(frozen=True)
class AuthSession:
    resident_ref: str
    kiosk_id: str
    expires_at: datetime


@dataclass(frozen=True)
class IssuanceRecord:
    issue_number: str
    outcome: RecordOutcome
    recorded_at: datetime
    kiosk_id: str
    session_id: str
    kind: str
    copies: int
    resident_pseudonym: str


# --- statements, built once (SQLAlchemy caches their compiled form per dialect) --------------------
_SESSION = (
    select(t_sessions.c.resident_ref, t_sessions.c.kiosk_id, t_sessions.c.expires_at)
    .where(t_sessions.c.token_sha256 == bindparam("digest"), t_sessions.c.expires_at > bindparam("at"))
)
_END_SESSION = delete(t_sessions).where(t_sessions.c.token_sha256 == bindparam("digest"))
_CONSUME = (
    update(t_challenges)
    .where(t_challenges.c.challenge_id == bindparam("cid"), t_challenges.c.used.is_(False),
           t_challenges.c.forget_at > bindparam("at"))
    .values(used=True)
    .returning(t_challenges.c.nonce, t_challenges.c.expires_at)
)
_CHALLENGE_STATE = select(t_challenges.c.forget_at).where(t_challenges.c.challenge_id == bindparam("cid"))
_STORED_RESULT = select(t_requests.c.result).where(t_requests.c.request_key == bindparam("key"))
_STORE_RESULT = (
    update(t_requests).where(t_requests.c.request_key == bindparam("key")).values(result=bindparam("result"))
)
_ISSUED_ROW = select(t_records.c.issue_number).where(
    t_records.c.issue_number == bindparam("number"), t_records.c.outcome == RecordOutcome.ISSUED.value,
    t_records.c.session_id == bindparam("session_id"),
)


class CenterStore:
    """The center's state in one database (SQLite file or PostgreSQL), shared by any number of
    center processes. Thread-safe: every call checks a connection out of the engine's pool.

    ``pseudonym_key``: the center's secret for the 交付記録's resident pseudonyms (at least 16
    bytes; ``load_pseudonym_key``). It must not be kept in the database it protects.
    ``registry_cache_seconds``: see SqlRegistry (``self.registry``). ``check_schema``: refuse a
    database not migrated to this code's version (MigrationError).
    """

    def __init__(
        self, engine: Engine, *, pseudonym_key: bytes, challenge_ttl: float = 120.0, session_ttl: float = 3600.0,
        issue_retention: float = 86_400.0, prune_every: float = 30.0,
        registry_cache_seconds: float = 0.0, random_bytes: Callable[[int], bytes] = os.urandom,
        check_schema: bool = True,
    ) -> None:
        if len(pseudonym_key) < MIN_KEY_BYTES:
            raise ValueError(f"pseudonym_key: at least {MIN_KEY_BYTES} bytes")
        if min(challenge_ttl, session_ttl, issue_retention, prune_every) <= 0:
            raise ValueError("challenge_ttl, session_ttl, issue_retention and prune_every must be positive")
        if check_schema:
            require_current(engine)
        self.engine = engine
        self.registry = SqlRegistry(engine, cache_seconds=registry_cache_seconds)
        self._db = Database(engine)
        self._key = bytes(pseudonym_key)
        self._challenge_ttl = timedelta(seconds=challenge_ttl)
        self._session_ttl = timedelta(seconds=session_ttl)
        self._issue_retention = timedelta(seconds=issue_retention)
        self._prune_every = prune_every
        self._random_bytes = random_bytes
        self._next_prune = 0.0  # monotonic
        self._prune_lock = threading.Lock()
        insert = self._db.insert
        self._take = (
            insert(t_counters)
            .values(municipality_code=bindparam("code"), day=bindparam("day"), last_number=1)
            .on_conflict_do_update(index_elements=[t_counters.c.municipality_code, t_counters.c.day],
                                   set_={"last_number": t_counters.c.last_number + 1})
            .returning(t_counters.c.last_number)
        )
        self._claim = (
            insert(t_requests)
            .values(request_key=bindparam("key"), kiosk_id=bindparam("kiosk_id"), created_at=bindparam("at"),
                    result=None)
            .on_conflict_do_nothing(index_elements=[t_requests.c.request_key])
            .returning(t_requests.c.request_key)
        )
        self._record = insert(t_records).on_conflict_do_nothing(
            index_elements=[t_records.c.issue_number, t_records.c.outcome])
        self._record_one = self._record.returning(t_records.c.issue_number)
        # A later outcome copies kind, copies, kiosk and pseudonym from the issued row: one statement.
        issued = t_records.alias("issued")
        self._report = insert(t_records).from_select(
            ["issue_number", "outcome", "recorded_at", "kiosk_id", "session_id", "kind", "copies",
             "resident_pseudonym"],
            select(issued.c.issue_number, bindparam("outcome", type_=Text), bindparam("at", type_=t_records.c.recorded_at.type),
                   issued.c.kiosk_id, issued.c.session_id, issued.c.kind, issued.c.copies,
                   issued.c.resident_pseudonym)
            .where(and_(issued.c.issue_number == bindparam("number"), issued.c.outcome == literal("issued"),
                        issued.c.session_id == bindparam("session_id"))),
        ).on_conflict_do_nothing(index_elements=[t_records.c.issue_number, t_records.c.outcome]).returning(
            t_records.c.issue_number)

    # --- 発行番号 -------------------------------------------------------------------------------------
    def take_issue_number(self, municipality_code: str, at: datetime) -> str:
        """The next 発行番号 for the municipality and the day of ``at`` in Japan time, in its own
        transaction: "990001-20261125-000123"."""
        with self._db.single() as conn:
            return self._take_in(conn, municipality_code, at)

    def _take_in(self, conn: Connection, municipality_code: str, at: datetime) -> str:
        day = local(at).strftime("%Y%m%d")
        number = conn.execute(self._take, {"code": municipality_code, "day": day}).scalar_one()
        return f"{municipality_code}-{day}-{number:06d}"

    # --- challenges ------------------------------------------------------------------------------------
    def new_challenge(self, at: datetime) -> Challenge:
        self._maybe_prune(at)
        challenge_id = self._random_bytes(_ID_BYTES).hex()
        nonce = self._random_bytes(NONCE_BYTES)
        expires_at = at + self._challenge_ttl
        try:
            with self._db.single() as conn:
                conn.execute(t_challenges.insert(), {
                    "challenge_id": challenge_id, "nonce": nonce.hex(), "expires_at": expires_at,
                    "forget_at": expires_at + self._challenge_ttl, "used": False,
                })
        except IntegrityError:
            raise RuntimeError("the random source repeated a challenge id") from None
        return Challenge(challenge_id=challenge_id, nonce=nonce, expires_at=expires_at)

    def consume_challenge(self, challenge_id: str, at: datetime) -> bytes | AuthRefusalReason:
        """The nonce, once; afterwards, or after expiry, the reason it is refused."""
        with self._db.single() as conn:
            row = conn.execute(_CONSUME, {"cid": challenge_id, "at": at}).first()
            if row is not None:
                if at >= row.expires_at:
                    return AuthRefusalReason.CHALLENGE_EXPIRED
                return bytes.fromhex(row.nonce)
            forget_at = conn.execute(_CHALLENGE_STATE, {"cid": challenge_id}).scalar()
        if forget_at is None or at >= forget_at:
            return AuthRefusalReason.CHALLENGE_UNKNOWN
        return AuthRefusalReason.CHALLENGE_REPLAYED

    # --- authenticated sessions -----------------------------------------------------------------------
    def open_session(self, resident_ref: str, kiosk_id: str, at: datetime) -> str:
        """A new session token (random, URL-safe); valid until ``at`` + session_ttl or end_session."""
        self._maybe_prune(at)
        token = secrets.token_urlsafe(24)
        with self._db.single() as conn:
            conn.execute(t_sessions.insert(), {
                "token_sha256": _digest(token), "resident_ref": resident_ref, "kiosk_id": kiosk_id,
                "opened_at": at, "expires_at": at + self._session_ttl,
            })
        return token

    def session(self, token: str, at: datetime) -> AuthSession | None:
        with self._db.single() as conn:
            row = conn.execute(_SESSION, {"digest": _digest(token), "at": at}).first()
        return None if row is None else AuthSession(row.resident_ref, row.kiosk_id, row.expires_at)

    def session_ref(self, token: str, at: datetime) -> str | None:
        """The resident of a live session; None for an unknown, ended or expired token."""
        found = self.session(token, at)
        return None if found is None else found.resident_ref

    def end_session(self, token: str) -> None:
        with self._db.single() as conn:
            conn.execute(_END_SESSION, {"digest": _digest(token)})

    # --- idempotent issuance ----------------------------------------------------------------------------
    def issue_once(
        self, key: str, build: Callable[[TakeNumber], IssueResult], *, kiosk_id: str, session_id: str,
        resident_ref: str, at: datetime,
    ) -> IssueResult:
        """The documents stored under ``key`` if it was issued before (by any process, before any
        restart); otherwise ``build(take)`` in one transaction with the numbers ``take`` gives.

        An ``Issued`` result is stored under ``key`` together with an ``issued`` 交付記録 row per
        document, and committed; an ``IssueRefused`` is returned and nothing is kept (numbers
        taken are given back); an exception from ``build`` rolls everything back and propagates.
        Two concurrent calls with one key make one issuance: the second waits for the first and
        returns what it stored (or builds itself if the first stored nothing). ``build`` may be
        called again after a deadlock, so it must do nothing but build.
        """
        for attempt in range(_RETRIES):
            try:
                return self._issue_once(key, build, kiosk_id, session_id, resident_ref, at)
            except DBAPIError as exc:
                if attempt + 1 == _RETRIES or _sqlstate(exc) not in _RETRY_SQLSTATES:
                    raise
        raise AssertionError("unreachable")

    def _issue_once(
        self, key: str, build: Callable[[TakeNumber], IssueResult], kiosk_id: str, session_id: str,
        resident_ref: str, at: datetime,
    ) -> IssueResult:
        try:
            with self._db.write() as conn:
                claimed = conn.execute(self._claim, {"key": key, "kiosk_id": kiosk_id, "at": at}).first()
                if claimed is None:  # stored before, or by a concurrent call that has now committed
                    stored = conn.execute(_STORED_RESULT, {"key": key}).scalar_one()
                    if stored is None:
                        raise AssertionError(f"issue request {key[:12]}: committed without a result")
                    return Issued(decode_documents(stored))
                result = build(lambda code, when: self._take_in(conn, code, when))
                if not isinstance(result, Issued):
                    raise _KeepNothing(result)  # the claim and any number taken go with the rollback
                conn.execute(_STORE_RESULT, {"key": key, "result": encode_documents(result.documents).decode("utf-8")})
                pseudonym = self.pseudonym(resident_ref)
                conn.execute(self._record, [
                    {"issue_number": d.issue_number, "outcome": RecordOutcome.ISSUED.value, "recorded_at": at,
                     "kiosk_id": kiosk_id, "session_id": session_id, "kind": d.kind.value, "copies": d.copies,
                     "resident_pseudonym": pseudonym}
                    for d in result.documents
                ])
                return result
        except _KeepNothing as refused:
            return refused.result

    # --- 交付記録 -------------------------------------------------------------------------------------
    def pseudonym(self, resident_ref: str) -> str:
        """HMAC-SHA256 of the resident reference under the center's key (hex): the same resident
        always gets the same pseudonym, and without the key nobody can tell whose it is."""
        return hmac.new(self._key, resident_ref.encode("utf-8"), hashlib.sha256).hexdigest()

    def record(
        self, *, issue_number: str, kind: str, copies: int, kiosk_id: str, session_id: str, resident_ref: str,
        outcome: RecordOutcome | DocumentOutcome, at: datetime,
    ) -> bool:
        """Append one 交付記録 row; False if that number already has that outcome (nothing added).
        issue_once records ``issued`` itself; this is for numbers issued some other way."""
        with self._db.single() as conn:
            added = conn.execute(self._record_one, {
                "issue_number": issue_number, "outcome": RecordOutcome.of(outcome).value, "recorded_at": at,
                "kiosk_id": kiosk_id, "session_id": session_id, "kind": kind, "copies": copies,
                "resident_pseudonym": self.pseudonym(resident_ref),
            }).first()
        return added is not None

    def report(
        self, session_id: str, issue_number: str, outcome: DocumentOutcome | RecordOutcome, at: datetime,
    ) -> ReportResult:
        """What became of an issued document (IssuanceCenter.report): appended once per outcome,
        copying kind, copies, kiosk and pseudonym from the ``issued`` row of the same session."""
        value = RecordOutcome.of(outcome)
        if value is RecordOutcome.ISSUED:
            raise ValueError("issued is recorded by issue_once, not reported")
        params = {"number": issue_number, "session_id": session_id, "outcome": value.value, "at": at}
        with self._db.single() as conn:
            if conn.execute(self._report, params).first() is not None:
                return ReportResult.RECORDED
            known = conn.execute(_ISSUED_ROW, {"number": issue_number, "session_id": session_id}).first()
        return ReportResult.ALREADY_RECORDED if known is not None else ReportResult.UNKNOWN_ISSUE_NUMBER

    def records(self, issue_number: str | None = None) -> tuple[IssuanceRecord, ...]:
        """The 交付記録, oldest first (all of it, or one 発行番号's rows)."""
        query = select(t_records).order_by(t_records.c.recorded_at, t_records.c.issue_number, t_records.c.outcome)
        if issue_number is not None:
            query = query.where(t_records.c.issue_number == issue_number)
        with self._db.read() as conn:
            return tuple(
                IssuanceRecord(r.issue_number, RecordOutcome(r.outcome), r.recorded_at, r.kiosk_id, r.session_id,
                               r.kind, r.copies, r.resident_pseudonym)
                for r in conn.execute(query)
            )

    # --- housekeeping ----------------------------------------------------------------------------------
    def prune(self, at: datetime) -> None:
        """Forget challenges past their extra TTL, expired sessions and issue results older than
        the retention (a retry after that would be issued anew). Done by itself every
        ``prune_every`` seconds from new_challenge and open_session; the 交付記録 is never pruned."""
        with self._db.single() as conn:
            conn.execute(delete(t_challenges).where(t_challenges.c.forget_at <= at))
            conn.execute(delete(t_sessions).where(t_sessions.c.expires_at <= at))
            conn.execute(delete(t_requests).where(t_requests.c.created_at <= at - self._issue_retention))

    def _maybe_prune(self, at: datetime) -> None:
        now = time.monotonic()
        if now < self._next_prune or not self._prune_lock.acquire(blocking=False):
            return
        try:
            self._next_prune = now + self._prune_every
            self.prune(at)
        finally:
            self._prune_lock.release()


class _KeepNothing(Exception):
    """Raised inside the issuing transaction to roll it back and return ``result``."""

    def __init__(self, result: IssueResult) -> None:
        super().__init__("refused")
        self.result = result


def load_pseudonym_key(path: Path, *, create: bool = True) -> bytes:
    """The center's pseudonym key from ``path`` (32 random bytes, made with mode 0600 if missing)."""
    return read_or_make(path, min_size=MIN_KEY_BYTES, what="pseudonym key", create=create)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)
