"""migrate_command and load_demo_command: one line out, exit status 0; one line on stderr, 2."""
from __future__ import annotations

import argparse
import sqlite3

from center.storage import SqlRegistry, open_engine, schema_version
from center.storage.cli_commands import add_parsers, load_demo_command, migrate_command
from center.storage.migrate import latest_version

CERT = "ab" * 32


def test_migrate_then_load_demo(db_url, tmp_path, capsys):
    assert migrate_command(argparse.Namespace(database=db_url)) == 0
    latest = latest_version()
    assert f"schema version {latest} (applied {', '.join(map(str, range(1, latest + 1)))})" in capsys.readouterr().out
    assert migrate_command(argparse.Namespace(database=db_url)) == 0
    assert "nothing to apply" in capsys.readouterr().out

    provisioned = tmp_path / "provisioned"
    provisioned.mkdir()
    with sqlite3.connect(provisioned / "center.sqlite") as conn:  # what `kiosk setup` leaves, links only
        conn.execute("CREATE TABLE certificate_links (cert_sha256 TEXT PRIMARY KEY, resident_ref TEXT NOT NULL)")
        conn.execute("INSERT INTO certificate_links VALUES (?, ?)", (CERT, "R-0001"))
    parser = argparse.ArgumentParser()
    add_parsers(parser.add_subparsers())
    args = parser.parse_args(["load-demo", "--database", db_url, "--links-from", str(provisioned)])
    assert args.func(args) == 0
    assert "1 certificate links loaded" in capsys.readouterr().out
    assert load_demo_command(args) == 2  # already loaded
    assert "replace" in capsys.readouterr().err
    args.replace = True
    assert load_demo_command(args) == 0

    engine = open_engine(db_url)
    try:
        assert schema_version(engine) == latest
        registry = SqlRegistry(engine)
        assert registry.resident_for_certificate(CERT) == "R-0001" and registry.resident("R-0001") is not None
    finally:
        engine.dispose()


def test_bad_input_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("KIOSK_CENTER_DATABASE", raising=False)
    for database in (None, "mysql://x@y/z", "sqlite://", "postgresql://kiosk@/nowhere?host=/nonexistent"):
        assert migrate_command(argparse.Namespace(database=database)) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("kiosk-center migrate: "), err
    missing = argparse.Namespace(database=f"sqlite:///{tmp_path / 'c.sqlite'}", residents=tmp_path / "none.json",
                                 links_from=None, replace=False)
    assert load_demo_command(missing) == 2
    assert capsys.readouterr().err.count("\n") == 1
