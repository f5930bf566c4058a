"""The center's database engine: SQLite (the embedded default) or PostgreSQL, one code path.

``open_engine(url)`` takes ``sqlite:///path/center.sqlite`` or ``postgresql://user@host/db``
(``postgresql+psycopg://`` too) and gives a SQLAlchemy Engine; ``Database`` wraps it with the
three ways the store talks to it:

- ``single()``: one statement that is its own transaction (PostgreSQL AUTOCOMMIT, SQLite with no
  BEGIN): one round trip, no BEGIN/COMMIT around it. Used wherever one statement does the job
  (take a 発行番号, consume a challenge, look up a session).
- ``write()``: a transaction that writes, committed at the end, rolled back on any exception.
  SQLite begins it with ``BEGIN IMMEDIATE`` so two writers queue for the lock at the start
  instead of failing half-way with SQLITE_BUSY on the upgrade from a read lock.
- ``read()``: a transaction for several reads (SQLite: deferred BEGIN; WAL lets it run beside a writer).

The pool: SQLAlchemy's own QueuePool over psycopg 3 connections, not psycopg_pool. The store
is written in SQLAlchemy Core for the sake of one code path over both databases, and
SQLAlchemy's pool is the one its Engine checks connections out of, resets (rollback on return)
and invalidates after a disconnect; psycopg_pool would sit underneath it as a second pool
(SQLAlchemy with NullPool and a ``creator`` reaching into it) with a second set of sizes,
timeouts and health checks to keep in step, for nothing the center needs: the server is on the
same machine or LAN and one process uses one pool of a dozen connections. No ``pool_pre_ping``:
at about 1,500 calls a second it would add a round trip to each; a connection that died is
invalidated by SQLAlchemy when its error shows, and the call fails like any other database error.

SQLite: sqlite3 through SQLAlchemy's pysqlite dialect, WAL, ``synchronous=FULL`` (a committed
発行番号 must survive a power cut, or the next one would repeat it), foreign keys on, a busy
timeout, and transactions begun by us (the driver's implicit BEGIN is switched off), the recipe
of SQLAlchemy's pysqlite documentation ("Serializable isolation / Savepoints / Transactional DDL").
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url

SQLITE_BUSY_TIMEOUT_SECONDS = 30.0
_BEGIN_OPTION = "center_begin"  # execution option: the statement that begins an SQLite transaction


class UnsupportedDatabase(ValueError):
    """The URL names a database or driver the center does not run on."""


def normalise_url(url: str | URL) -> URL:
    """``postgresql://`` and ``postgres://`` mean psycopg 3; SQLite must be a file."""
    if isinstance(url, str) and url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    try:
        parsed = make_url(url)
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy raises ArgumentError, or ValueError for a bad port
        raise UnsupportedDatabase(f"not a database URL ({type(exc).__name__})") from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.drivername not in ("postgresql", "postgresql+psycopg"):
            raise UnsupportedDatabase(f"{parsed.drivername}: only the psycopg (3) driver is supported")
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if parsed.drivername not in ("sqlite", "sqlite+pysqlite"):
            raise UnsupportedDatabase(f"{parsed.drivername}: only the sqlite3 driver is supported")
        if not parsed.database or parsed.database == ":memory:" or "mode=memory" in str(parsed):
            raise UnsupportedDatabase("an in-memory SQLite database is private to one connection: give a file")
        return parsed.set(drivername="sqlite")
    raise UnsupportedDatabase(f"{parsed.drivername}: the center runs on SQLite or PostgreSQL")


def open_engine(
    url: str | URL, *, pool_size: int = 10, max_overflow: int = 20, pool_timeout: float = 10.0,
    echo: bool = False,
) -> Engine:
    """An Engine set up for the center (see the module docstring). ``pool_*`` apply to PostgreSQL
    and to SQLite files alike (each pooled SQLite connection is one sqlite3 connection)."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed, echo=echo, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(
        parsed, echo=echo, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout,
        pool_recycle=3600, connect_args={"application_name": "kiosk-center"},
    )


def _sqlite_connect(dbapi_connection: Any, record: object) -> None:
    dbapi_connection.isolation_level = None  # no implicit BEGIN: _sqlite_begin says when
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_SECONDS * 1000)}")
    finally:
        cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    begin = conn.get_execution_options().get(_BEGIN_OPTION, "BEGIN")
    if begin:
        conn.exec_driver_sql(begin)


class Database:
    """An Engine and the three kinds of connection the store uses (module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        if engine.dialect.name not in ("sqlite", "postgresql"):
            raise UnsupportedDatabase(f"{engine.dialect.name}: the center runs on SQLite or PostgreSQL")
        self._single: Engine
        self._write: Engine
        if self.is_sqlite:
            self._single = engine.execution_options(**{_BEGIN_OPTION: ""})
            self._write = engine.execution_options(**{_BEGIN_OPTION: "BEGIN IMMEDIATE"})
            self.insert = sqlite.insert
        else:
            self._single = engine.execution_options(isolation_level="AUTOCOMMIT")
            self._write = engine
            self.insert = postgresql.insert  # type: ignore[assignment]

    @contextmanager
    def single(self) -> Iterator[Connection]:
        """For statements that are each a transaction of their own."""
        with self._single.connect() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction that writes: committed if the block ends normally, else rolled back."""
        with self._write.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One transaction for several reads, so they see one state of the database. Ended with
        COMMIT, not ROLLBACK: psycopg forgets the statements it prepared on the server when a
        transaction rolls back, and a read path that always rolled back would never reuse one."""
        with self.engine.connect() as conn, conn.begin():
            yield conn
