"""`kiosk-center`: fleet set-up, enrolment, revocation, the storage hooks, and one-line errors."""
from __future__ import annotations

import argparse
import sys
import types

import pytest
from cryptography import x509

from center import cli
from center.fleet import read_revoked


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_enroll_revoke(capsys, tmp_path):
    fleet = tmp_path / "fleet"
    code, out, _ = run(capsys, "init-fleet", str(fleet), "--server-name", "center.example", "--server-name", "10.0.0.7")
    assert code == 0 and "fleet CA" in out
    server = x509.load_pem_x509_certificate((fleet / "server.pem").read_bytes())
    sans = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {"localhost", "center.example"} <= set(sans.get_values_for_type(x509.DNSName))
    assert {str(ip) for ip in sans.get_values_for_type(x509.IPAddress)} >= {"127.0.0.1", "10.0.0.7"}
    usage = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]

    code, out, _ = run(capsys, "enroll-kiosk", "STORE-0042", "--out", str(tmp_path / "k"), "--fleet", str(fleet),
                       "--days", "30")
    assert code == 0 and "STORE-0042" in out
    cert = x509.load_pem_x509_certificate((tmp_path / "k" / "kiosk.pem").read_bytes())
    assert cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "STORE-0042"
    assert list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == \
        [x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]
    assert 29 <= (cert.not_valid_after_utc - cert.not_valid_before_utc).days <= 31
    assert (tmp_path / "k" / "kiosk.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "k" / "ca.pem").read_bytes() == (fleet / "ca.pem").read_bytes()

    code, out, _ = run(capsys, "revoke-kiosk", "STORE-0042", "--fleet", str(fleet))
    assert code == 0 and f"{cert.serial_number:x}" in out
    assert cert.serial_number in read_revoked(fleet / "revoked.txt")
    code, out, _ = run(capsys, "revoke-kiosk", "STORE-0042", "--fleet", str(fleet))
    assert code == 0 and "already revoked" in out


@pytest.mark.parametrize("argv, problem", [
    (["enroll-kiosk", "bad id!", "--out", "{tmp}/k", "--fleet", "{tmp}/fleet"], "kiosk id"),
    (["enroll-kiosk", "K-1", "--out", "{tmp}/k", "--fleet", "{tmp}/nowhere"], "no fleet CA"),
    (["revoke-kiosk", "NEVER", "--fleet", "{tmp}/fleet"], "never enrolled"),
    (["init-fleet", "{tmp}/fleet"], "already holds a fleet CA"),
    (["serve", "--config", "{tmp}/missing.toml"], "file not found"),
    (["serve", "--config", "{tmp}/bad.toml"], "adress"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, argv, problem):
    assert run(capsys, "init-fleet", str(tmp_path / "fleet"))[0] == 0
    (tmp_path / "bad.toml").write_text('adress = "127.0.0.1:1"\n')
    code, _, err = run(capsys, *[a.format(tmp=tmp_path) for a in argv])
    assert code == 2 and problem in err and err.count("\n") == 1, err


def _fake_storage(seen, with_parsers: bool) -> types.ModuleType:
    fake = types.ModuleType("center.storage.cli_commands")
    fake.migrate_command = lambda args: seen.append(("migrate", args)) or 0
    fake.load_demo_command = lambda args: seen.append(("load_demo", args)) or 3
    if with_parsers:
        def add_parsers(sub):
            for name, command in (("migrate", fake.migrate_command), ("load-demo", fake.load_demo_command)):
                sub.add_parser(name).add_argument("--database")
                sub.choices[name].add_argument("--replace", action="store_true")
                sub.choices[name].set_defaults(func=command)
        fake.add_parsers = add_parsers
    return fake


@pytest.mark.parametrize("with_parsers", [True, False], ids=["its-parsers", "our-parsers"])
def test_storage_hooks_call_the_storage_commands(capsys, monkeypatch, with_parsers):
    seen: list[tuple[str, argparse.Namespace]] = []
    monkeypatch.setitem(sys.modules, "center.storage.cli_commands", _fake_storage(seen, with_parsers))
    assert run(capsys, "migrate", "--database", "sqlite:///x.db")[0] == 0
    assert run(capsys, "load-demo", "--database", "sqlite:///x.db")[0] == 3
    assert [(name, args.database) for name, args in seen] == [("migrate", "sqlite:///x.db"), ("load_demo", "sqlite:///x.db")]


def test_storage_hooks_without_the_storage_say_so_and_exit_2(capsys, monkeypatch):
    real = cli.importlib.import_module

    def missing(name: str, *a):
        if name == "center.storage.cli_commands":
            raise ModuleNotFoundError("No module named 'sqlalchemy'", name="sqlalchemy")
        return real(name, *a)

    monkeypatch.setattr(cli.importlib, "import_module", missing)
    for command in ("migrate", "load-demo"):
        code, _, err = run(capsys, command)
        assert code == 2 and "storage is not installed" in err
