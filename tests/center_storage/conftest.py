"""Fixtures of the center storage tests: every test that takes ``db_url`` runs twice, on a fresh
SQLite file and on a fresh database of the private PostgreSQL server."""
from __future__ import annotations

import pytest

from postgres_fixture import postgres_server  # noqa: F401  (the session's private server)

from center.storage import CenterStore, migrate, open_engine
from center_storage.samples import PSEUDONYM_KEY


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.realstack)])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'center.sqlite'}"
    return request.getfixturevalue("postgres_server").create_database()


@pytest.fixture
def dialect(db_url) -> str:
    return "sqlite" if db_url.startswith("sqlite") else "postgresql"


@pytest.fixture
def engine(db_url):
    engine = open_engine(db_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def second_engine(engine, db_url):
    """Another engine on the same database: what a second center process would hold."""
    other = open_engine(db_url)
    yield other
    other.dispose()


@pytest.fixture
def store(engine) -> CenterStore:
    return CenterStore(engine, pseudonym_key=PSEUDONYM_KEY)


@pytest.fixture
def second_store(second_engine) -> CenterStore:
    return CenterStore(second_engine, pseudonym_key=PSEUDONYM_KEY)
