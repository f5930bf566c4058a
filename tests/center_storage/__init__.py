"""Tests of center/storage: each runs on SQLite and on a private PostgreSQL (tests/postgres_fixture.py)."""
