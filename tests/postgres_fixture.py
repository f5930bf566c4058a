"""A private PostgreSQL server for the tests: Debian's postgresql (``initdb``, ``pg_ctl``) in a temp dir.

The machine's own clusters are neither used nor changed. ``initdb`` refuses to run as root, so
as root the server runs as ``nobody`` (``runuser -u nobody``) in a temp dir handed to it; as any
other user it runs as that user. Data and socket directories are in that temp dir (mode 0700,
so only its owner and root reach the socket), the server listens on no TCP address at all and
names its socket with a private port number, trusts local connections (it is a private
throw-away server), and runs with ``fsync=off``: a test never survives a power cut.

It skips (fails in CI: tests/ci_skips.py) when PostgreSQL is not installed
(scripts/system-deps.sh installs ``postgresql``), when root has no ``runuser``, or when the
server does not start; the reason names which and carries the end of the server's log.

Use: ``from postgres_fixture import postgres_server, postgres_url  # noqa: F401`` in a test
module; ``postgres_server.create_database()`` gives a fresh database's URL for each test that
wants one.
"""
from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import need_real_stack

PG_ROOT = Path("/usr/lib/postgresql")  # Debian: one <major>/bin per installed server
SUPERUSER = "kiosk"
RUN_AS_WHEN_ROOT = "nobody"
FIRST_PORT = 36500
_START_SECONDS = 30
_SERVER_SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "64MB",
}


class PostgresUnavailable(Exception):
    """This machine cannot run a private PostgreSQL; the message says why."""


def postgres_bindir() -> Path | None:
    """The newest installed server's bin directory (``$PG_BINDIR`` first)."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    found = [p.parent for p in PG_ROOT.glob("*/bin/initdb") if p.parent.parent.name.isdigit()]
    if found:
        return max(found, key=lambda bindir: int(bindir.parent.name))
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PrivatePostgres:
    """``start()``, ``create_database()`` -> URL, ``stop()``."""

    _names = itertools.count(1)

    def __init__(self) -> None:
        self.bindir = postgres_bindir()
        if self.bindir is None or not (self.bindir / "pg_ctl").exists():
            raise PostgresUnavailable("PostgreSQL is not installed (scripts/system-deps.sh installs postgresql)")
        self._prefix: list[str] = []
        self.root = Path(tempfile.mkdtemp(prefix="kiosk-postgres-"))
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                raise PostgresUnavailable("as root, initdb must run as another user, and runuser is missing")
            try:
                user = pwd.getpwnam(RUN_AS_WHEN_ROOT)
            except KeyError:
                raise PostgresUnavailable(f"no user {RUN_AS_WHEN_ROOT!r} to run the server as") from None
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._prefix = [runuser, "-u", RUN_AS_WHEN_ROOT, "--"]
        self.data_dir = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.log_path = self.root / "server.log"
        self.port = _free_port()
        self._started = False

    def start(self) -> "PrivatePostgres":
        self._run("mkdir", "-m", "0700", str(self.socket_dir))
        self._run(str(self.bindir / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust",
                  "--encoding=UTF8", "--no-locale", "--no-sync", "--no-instructions")
        options = " ".join(f"-c {key}={value}" for key, value in _SERVER_SETTINGS.items())
        options += f" -k {self.socket_dir} -p {self.port}"
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_path), "-o", options,
                      "-w", "-t", str(_START_SECONDS), "start")
        except PostgresUnavailable as exc:
            raise PostgresUnavailable(f"{exc}; server log: {self._log_tail()}") from None
        self._started = True
        return self

    def url(self, database: str = "postgres") -> str:
        return (f"postgresql+psycopg://{SUPERUSER}@/{database}"
                f"?host={self.socket_dir}&port={self.port}")

    def create_database(self, prefix: str = "kiosk_test") -> str:
        """A new, empty database; returns its URL."""
        import psycopg

        name = f"{prefix}_{next(self._names)}"
        with psycopg.connect(host=str(self.socket_dir), port=self.port, user=SUPERUSER, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            if self._started:
                self._started = False
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, *command: str) -> None:
        done = subprocess.run([*self._prefix, *command], capture_output=True, text=True, timeout=120,
                              cwd=self.root, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            what = Path(command[0]).name
            raise PostgresUnavailable(f"{what} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-500:]}")

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-800:].strip()
        except OSError:
            return "(no log)"


def _free_port() -> int:
    """A port no one listens on, so the socket's name (.s.PGSQL.<port>) is ours alone."""
    for port in range(FIRST_PORT, FIRST_PORT + 400):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise PostgresUnavailable("no free port")


@pytest.fixture(scope="session")
def postgres_server():
    """One private PostgreSQL server for the whole run, stopped at the end."""
    server = None
    try:
        server = PrivatePostgres()
        server.start()
    except PostgresUnavailable as why:
        if server is not None:
            server.stop()
        need_real_stack(False, str(why))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server) -> str:
    """The URL of one database created for the run (``postgresql+psycopg://...``)."""
    return postgres_server.create_database("kiosk")
