"""The hostile-input corpus (issue 9, part 1): whatever a user, an operator or an attacker hands
the kiosk — config, municipality, scenario, demo resident and card files, card files and SQLite
files in the data directory, a read-only or full data directory, a bad command line — ends in
exactly one line on stderr, exit status 2, no traceback and no hang.

Cases run through the real entry point, ``app.cli.main``, in-process (fast); a few run as
``python -m app`` to show the same for the real process. Files under tests/hostile/ say on
their first line (``# expect: ...``) what their one line must contain; the rest are made here.
"""
from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from app import cli
from kiosk.config import ASSETS
from app.provision import copy_provisioned

HOSTILE = Path(__file__).parent / "hostile"
SCENARIO = Path(__file__).parent / "scenarios" / "happy_juminhyo_self.toml"  # sets sato-ichiro at step 1
IS_ROOT = os.geteuid() == 0
CASE_SECONDS = 30  # far more than any case needs: past it, the case is a hang


@dataclass
class Ctx:
    """What a case may arrange: a private data directory and private copies of the asset files."""

    tmp: Path
    data: Path
    municipalities: Path
    residents: Path
    cards: Path
    monkeypatch: pytest.MonkeyPatch
    enter: Callable  # enters a context manager for the rest of the case (a mount)

    def write(self, name: str, content: str | bytes) -> Path:
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path


@dataclass(frozen=True)
class Case:
    id: str
    expect: str  # the one line must contain this
    arrange: Callable[[Ctx], list[str]]  # makes the files, returns the argument list after `kiosk`


CASES: list[Case] = []


def case(id: str, expect: str) -> Callable[[Callable[[Ctx], list[str]]], Callable[[Ctx], list[str]]]:
    def add(arrange: Callable[[Ctx], list[str]]) -> Callable[[Ctx], list[str]]:
        CASES.append(Case(id, expect, arrange))
        return arrange
    return add


def _expectation(path: Path) -> str:
    first = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    assert first.startswith("# expect: "), path
    return first.removeprefix("# expect: ")


# --- files under tests/hostile/ --------------------------------------------------------------------------
for _path in sorted((HOSTILE / "config").glob("*.toml")):
    CASES.append(Case(f"config/{_path.stem}", _expectation(_path), lambda ctx, p=_path: ["--config", str(p), "cards"]))
for _path in sorted((HOSTILE / "scenario").glob("*.toml")):
    CASES.append(Case(f"scenario/{_path.stem}", _expectation(_path), lambda ctx, p=_path: ["scenario", str(p)]))


# --- files that are not what a file should be -------------------------------------------------------------
def _fifo(ctx: Ctx, name: str) -> Path:
    path = ctx.tmp / name
    os.mkfifo(path)  # opening it for reading would wait for a writer for ever
    return path


def _loop(ctx: Ctx, name: str) -> Path:
    (ctx.tmp / name).symlink_to(ctx.tmp / (name + ".other"))
    (ctx.tmp / (name + ".other")).symlink_to(ctx.tmp / name)
    return ctx.tmp / name


for _kind, _argv in (("config", lambda p: ["--config", str(p), "cards"]), ("scenario", lambda p: ["scenario", str(p)])):
    CASES += [
        Case(f"{_kind}/missing", "file not found", lambda ctx, a=_argv: a(ctx.tmp / "nope.toml")),
        Case(f"{_kind}/directory", "is a directory", lambda ctx, a=_argv: a(ctx.tmp)),
        Case(f"{_kind}/fifo", "not a regular file", lambda ctx, a=_argv: a(_fifo(ctx, "pipe.toml"))),
        Case(f"{_kind}/dev_zero", "not a regular file", lambda ctx, a=_argv: a(Path("/dev/zero"))),
        Case(f"{_kind}/symlink_loop", "too many symbolic links", lambda ctx, a=_argv: a(_loop(ctx, "loop.toml"))),
        Case(f"{_kind}/huge", "too large", lambda ctx, a=_argv: a(ctx.write("huge.toml", "#" * (2 << 20) + "\n"))),
        Case(f"{_kind}/empty_name", "", lambda ctx, a=_argv: a(Path(""))),
    ]


@case("config/KIOSK_CONFIG_env", "timings.pin")
def _(ctx: Ctx) -> list[str]:
    ctx.monkeypatch.setenv("KIOSK_CONFIG", str(ctx.write("env.toml", "[timings]\npin = nan\n")))
    return ["cards"]


# --- municipality files (`kiosk setup` reads them before it makes anything) -------------------------------
MUNICIPALITY = (ASSETS / "municipalities" / "990003.toml").read_text(encoding="utf-8")


def _municipality_case(id: str, expect: str, old: str, new: str) -> None:
    assert old in MUNICIPALITY, old

    def arrange(ctx: Ctx) -> list[str]:
        (ctx.municipalities / "990003.toml").write_text(MUNICIPALITY.replace(old, new, 1), encoding="utf-8")
        return ["setup"]
    CASES.append(Case(f"municipality/{id}", expect, arrange))


FEE = "[kinds.inkan]\nfee = 200"
for _id, _expect, _old, _new in [
    ("name_int", "990003.toml: name: expected non-empty text, got an integer", 'name = "雲雀ヶ原村"', "name = 42"),
    ("name_blank", "990003.toml: name: expected non-empty text", 'name = "雲雀ヶ原村"', 'name = "   "'),
    ("reading_missing", "990003.toml: reading: missing", 'reading = "ひばりがはらむら"\n', ""),
    ("fee_text", "kinds.inkan.fee: expected an integer", FEE, '[kinds.inkan]\nfee = "200"'),
    ("fee_bool", "kinds.inkan.fee: expected an integer", FEE, "[kinds.inkan]\nfee = true"),
    ("fee_negative", "kinds.inkan.fee: expected an integer 0..2000", FEE, "[kinds.inkan]\nfee = -10"),
    ("fee_huge", "kinds.inkan.fee", FEE, "[kinds.inkan]\nfee = 99999999999999999999"),
    ("fee_nan", "kinds.inkan.fee", FEE, "[kinds.inkan]\nfee = nan"),
    ("fee_inf", "kinds.inkan.fee", FEE, "[kinds.inkan]\nfee = inf"),
    ("fee_float", "kinds.inkan.fee", FEE, "[kinds.inkan]\nfee = 200.0"),
    ("fee_step", "kinds.inkan.fee: expected an integer 0..2000 in steps of 10", FEE, "[kinds.inkan]\nfee = 205"),
    ("fee_missing", "kinds.inkan.fee: missing", FEE, "[kinds.inkan]\n"),
    ("fee_typo", "kinds.inkan.fees: unknown key", FEE, FEE + "\nfees = 1"),
    ("fee_not_offered", "kinds.inkan.fee: given for a kind with offered = false", FEE, FEE + "\noffered = false"),
    ("offered_text", "kinds.inkan.offered", FEE, FEE + '\noffered = "no"'),
    ("kind_unknown", "kinds.passport: unknown certificate kind", FEE, FEE + "\n[kinds.passport]\nfee = 200"),
    ("kind_missing", "kinds.fuhyo: missing", "[kinds.fuhyo]\nfee = 200\n", ""),
    ("kind_not_table", "kinds.inkan: expected a table", FEE, "[kinds]\ninkan = 200\n[kinds.x]\nfee = 1"),
    ("max_copies_zero", "kinds.inkan.max_copies: expected an integer 1..20", FEE, FEE + "\nmax_copies = 0"),
    ("max_copies_float", "kinds.inkan.max_copies", FEE, FEE + "\nmax_copies = 1.5"),
    ("from_25", "kinds.koseki_zenbu.hours.from: expected a time HH:MM", 'from = "08:30"', 'from = "25:00"'),
    ("from_int", "kinds.koseki_zenbu.hours.from", 'from = "08:30"', "from = 830"),
    ("until_before", "kinds.koseki_zenbu.hours.until: must be later than from", 'until = "17:15"', 'until = "08:00"'),
    ("days_typo", "kinds.koseki_zenbu.hours.days: expected every_day or weekdays", 'days = "weekdays"', 'days = "weekday"'),
    ("hours_note", "kinds.koseki_zenbu.hours.note: unknown key", 'until = "17:15"', 'until = "17:15", note = "x"'),
    ("my_number_text", "my_number_on_juminhyo: expected true or false", "my_number_on_juminhyo = false",
     'my_number_on_juminhyo = "no"'),
    ("policy_unknown", "under_15.policy", 'policy = "allow_only"', 'policy = "sometimes"'),
    ("under_15_kind", "under_15.kinds: unknown certificate kind", 'kinds = ["juminhyo"]', 'kinds = ["jyuminhyo"]'),
    ("under_15_kinds_int", "under_15.kinds", 'kinds = ["juminhyo"]', "kinds = 5"),
    ("annual_day_32", "closures.annual_days: expected a month-day MM-DD", 'annual_days = ["12-28", "01-04"]',
     'annual_days = ["12-32"]'),
    ("annual_day_feb_30", "closures.annual_days", 'annual_days = ["12-28", "01-04"]', 'annual_days = ["02-30"]'),
    ("latest_and_years", "tax.latest_years: give exactly one", "latest_years = 2", "latest_years = 2\nyears = [2026]"),
    ("latest_years_zero", "tax.latest_years: expected an integer 1..5", "latest_years = 2", "latest_years = 0"),
    ("code_mismatch", "code: does not match the file name", 'code = "990003"', 'code = "990004"'),
    ("code_int", "code: expected six digits", 'code = "990003"', "code = 990003"),
    ("top_typo", "prefectur: unknown key", 'prefecture = "架空県"', 'prefecture = "架空県"\nprefectur = "x"'),
]:
    _municipality_case(_id, _expect, _old, _new)


def _municipality_file(id: str, expect: str, make: Callable[[Ctx, Path], None]) -> None:
    def arrange(ctx: Ctx) -> list[str]:
        make(ctx, ctx.municipalities / "990003.toml")
        return ["setup"]
    CASES.append(Case(f"municipality/{id}", expect, arrange))


def _write_bytes(data: bytes) -> Callable[[Ctx, Path], None]:
    return lambda ctx, path: path.write_bytes(data)


_municipality_file("shift_jis", "990003.toml: not UTF-8", _write_bytes(MUNICIPALITY.encode("shift_jis", "replace")))
_municipality_file("not_toml", "990003.toml: not valid TOML", _write_bytes(b"code = \n"))
_municipality_file("empty", "990003.toml: code: missing", _write_bytes(b""))
_municipality_file("nested", "990003.toml: nested too deeply", _write_bytes(b"x = " + b"[" * 3000 + b"]" * 3000))
_municipality_file("huge", "990003.toml: too large", _write_bytes(MUNICIPALITY.encode() + b"#" * (300 << 10)))
_municipality_file("fifo", "990003.toml: not a regular file", lambda ctx, path: (path.unlink(), os.mkfifo(path)))
_municipality_file("directory", "990003.toml: is a directory", lambda ctx, path: (path.unlink(), path.mkdir()))


# --- demo residents (JSON; `kiosk setup`) ------------------------------------------------------------------
RESIDENTS = json.loads((ASSETS / "demo" / "residents.json").read_text(encoding="utf-8"))


def _residents_case(id: str, expect: str, change: Callable[[dict], object]) -> None:
    def arrange(ctx: Ctx) -> list[str]:
        document = json.loads(json.dumps(RESIDENTS))
        change(document)
        ctx.residents.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        return ["setup"]
    CASES.append(Case(f"residents/{id}", expect, arrange))


def _resident(document: dict, ref: str = "R-0007") -> dict:
    return next(r for r in document["residents"] if r["resident_ref"] == ref)


for _id, _expect, _change in [
    ("sex", "residents.json: resident R-0007: sex: expected male or female", lambda d: _resident(d).update(sex="m")),
    ("birth_date", "resident R-0007: birth_date: expected a date YYYY-MM-DD",
     lambda d: _resident(d).update(birth_date="1976/11/02")),
    ("birth_date_int", "resident R-0007: birth_date", lambda d: _resident(d).update(birth_date=19761102)),
    ("income_negative", "resident R-0007: tax_records[0].total_income: expected a whole number >= 0",
     lambda d: _resident(d)["tax_records"][0].update(total_income=-1)),
    ("income_huge", "resident R-0007: tax_records[0].total_income",
     lambda d: _resident(d)["tax_records"][0].update(total_income=10**20)),
    ("income_float", "resident R-0007: tax_records[0].total_income",
     lambda d: _resident(d)["tax_records"][0].update(total_income=1.5)),
    ("income_bool", "resident R-0007: tax_records[0].total_income",
     lambda d: _resident(d)["tax_records"][0].update(total_income=True)),
    ("unknown_key", "resident R-0007: brith_date: unknown key", lambda d: _resident(d).update(brith_date="1976-11-02")),
    ("missing_key", "resident R-0007: name.given_kana: missing", lambda d: _resident(d)["name"].pop("given_kana")),
    ("my_number", "resident R-0007: my_number: not 12 digits", lambda d: _resident(d).update(my_number="123456789012")),
    ("my_number_twice", "my_number: used twice", lambda d: _resident(d, "R-0008").update(my_number=_resident(d)["my_number"])),
    ("koseki_unknown", "resident R-0007: koseki_id: no such koseki", lambda d: _resident(d).update(koseki_id="K-404")),
    ("two_heads", "household_head: 2 living heads", lambda d: _resident(d).update(household_head=True)),
    ("flags_text", "resident R-0007: flags", lambda d: _resident(d).update(flags="none")),
    ("no_ref", "residents.json: residents[0].resident_ref: missing", lambda d: d["residents"][0].pop("resident_ref")),
    ("ref_not_text", "residents.json: residents[0].resident_ref", lambda d: d["residents"][0].update(resident_ref=7)),
    ("about_missing", "residents.json: about: missing", lambda d: d.pop("about")),
    ("residents_text", "residents.json: residents: expected an array", lambda d: d.update(residents="all")),
    ("koseki_member_ref", "koseki K-003: members[2].resident_ref: unknown resident",
     lambda d: next(k for k in d["koseki"] if k["koseki_id"] == "K-003")["members"][2].update(resident_ref="R-9999")),
    ("koseki_no_members", "members: a 戸籍 has at least one member", lambda d: d["koseki"][0].update(members=[])),
]:
    _residents_case(_id, _expect, _change)


def _residents_file(id: str, expect: str, data: bytes) -> None:
    def arrange(ctx: Ctx) -> list[str]:
        ctx.residents.write_bytes(data)
        return ["setup"]
    CASES.append(Case(f"residents/{id}", expect, arrange))


_residents_file("not_json", "residents.json: not valid JSON", b"{")
_residents_file("nan", "residents.json: not valid JSON (NaN is not a number here)", b'{"about": NaN}')
_residents_file("infinity", "residents.json: not valid JSON (Infinity", b'{"about": Infinity}')
_residents_file("duplicate_key", "appears twice", b'{"about": "a", "about": "b"}')
_residents_file("top_list", "residents.json", b"[]")
_residents_file("nested", "residents.json: nested too deeply", b"[" * 5000 + b"]" * 5000)
_residents_file("nested_17", "residents.json: nested too deeply", b'{"about": ' + b"[" * 17 + b"]" * 17 + b"}")
_residents_file("latin1", "residents.json: not UTF-8", '{"about": "café"}'.encode("latin-1"))
_residents_file("huge", "residents.json: too large", b" " * (17 << 20))
_residents_file("digits", "residents.json: not valid JSON", b'{"about": ' + b"9" * 5000 + b"}")


# --- demo card list (assets/demo/cards.toml; `kiosk cards`) ------------------------------------------------
CARD_SPEC = '[[card]]\nname = "taro"\nprofile = "ordinary"\npurpose_ja = "テスト"\npurpose_en = "test"\n'


def _cards_case(id: str, expect: str, text: str | bytes) -> None:
    def arrange(ctx: Ctx) -> list[str]:
        ctx.cards.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
        return ["cards"]
    CASES.append(Case(f"cards_toml/{id}", expect, arrange))


for _id, _expect, _text in [
    ("no_cards", "cards.toml: card: missing", "# nothing\n"),
    ("card_int", "cards.toml: card: expected a non-empty array", "card = 5\n"),
    ("unknown_key", "card #1: colour: unknown key", CARD_SPEC + 'colour = "red"\n'),
    ("name_slash", "card #1: name", CARD_SPEC.replace('"taro"', '"../taro"')),
    ("profile", "card #1: profile", CARD_SPEC.replace('"ordinary"', '"platinum"')),
    ("pin_five", "card #1: pin: expected a string of exactly 4 digits", CARD_SPEC + 'pin = "12345"\n'),
    ("pin_int", "card #1: pin", CARD_SPEC + "pin = 1234\n"),
    ("resident_ref", "card #1: resident_ref", CARD_SPEC + 'resident_ref = "R 1"\n'),
    ("purpose_blank", "card #1: purpose_en", CARD_SPEC.replace('"test"', '" "')),
    ("duplicate_name", "key 'name': used by an earlier card", CARD_SPEC + CARD_SPEC),
    ("pin_on_face_auth", "has no PIN", CARD_SPEC.replace('"ordinary"', '"face_auth"') + 'pin = "1234"\n'),
    ("shift_jis", "cards.toml: not UTF-8", CARD_SPEC.encode("shift_jis")),
    ("nested", "cards.toml: nested too deeply", "x = " + "[" * 3000 + "]" * 3000 + "\n"),
]:
    _cards_case(_id, _expect, _text)


# --- card files in the data directory (`kiosk scenario` sets sato-ichiro) ----------------------------------
def _card_file_case(id: str, expect: str, change: Callable[[Path], None]) -> None:
    def arrange(ctx: Ctx) -> list[str]:
        change(ctx.data / "cards" / "sato-ichiro.json")
        return ["scenario", str(SCENARIO)]
    CASES.append(Case(f"card_file/{id}", expect, arrange))


def _card_json(**changes: object) -> Callable[[Path], None]:
    def change(path: Path) -> None:
        document = json.loads(path.read_text(encoding="utf-8"))
        document.update(changes)
        path.write_text(json.dumps(document), encoding="utf-8")
    return change


for _id, _expect, _change in [
    ("garbage", "sato-ichiro.json: not valid JSON", lambda p: p.write_bytes(b"garbage")),
    ("empty", "sato-ichiro.json: not valid JSON", lambda p: p.write_bytes(b"")),
    ("latin1", "sato-ichiro.json: not UTF-8", lambda p: p.write_bytes('{"name": "é"}'.encode("latin-1"))),
    ("top_list", "sato-ichiro.json", lambda p: p.write_bytes(b"[]")),
    ("pin_five", "sato-ichiro.json: pin: expected four digits or null", _card_json(pin="12345")),
    ("tries_seven", "sato-ichiro.json: initial_tries_left: expected an integer 0..3", _card_json(initial_tries_left=7)),
    ("tries_bool", "sato-ichiro.json: initial_tries_left", _card_json(initial_tries_left=True)),
    ("unknown_key", "sato-ichiro.json: colour: unknown key", _card_json(colour="red")),
    ("name_mismatch", "sato-ichiro.json: name: does not match the file name", _card_json(name="someone")),
    ("base64", "sato-ichiro.json: auth_certificate_der_b64", _card_json(auth_certificate_der_b64="not base64!")),
    ("nested", "sato-ichiro.json: nested too deeply", lambda p: p.write_bytes(b"[" * 3000 + b"]" * 3000)),
    ("huge", "sato-ichiro.json: too large", lambda p: p.write_bytes(b" " * (300 << 10))),
    ("directory", "no demo card named 'sato-ichiro'", lambda p: (p.unlink(), p.mkdir())),
]:
    _card_file_case(_id, _expect, _change)


# --- SQLite and other data files the kiosk wrote itself ------------------------------------------------------
def _sqlite_with_other_tables(path: Path) -> None:
    path.unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.commit()


DAMAGE: dict[str, Callable[[Path], None]] = {
    "garbage": lambda p: p.write_bytes(b"garbage " * 512),
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
    "empty": lambda p: p.write_bytes(b""),
    "zeros": lambda p: p.write_bytes(b"\0" * 8192),
    "header_only": lambda p: p.write_bytes(b"SQLite format 3\0"),
    "other_schema": _sqlite_with_other_tables,
    "directory": lambda p: (p.unlink(missing_ok=True), p.mkdir()),
}
for _damage in DAMAGE:
    for _argv in (["scenario", str(SCENARIO)], ["sample", "--all", "{tmp}/samples"]):
        def _center_database(ctx: Ctx, damage: str = _damage, argv: list[str] = _argv) -> list[str]:
            DAMAGE[damage](ctx.data / "center.sqlite")
            return [a.replace("{tmp}", str(ctx.tmp)) for a in argv]
        CASES.append(Case(f"center_database/{_damage}/{_argv[0]}",
                          "center.sqlite" if _damage == "directory" else "the center's database cannot be used",
                          _center_database))


def _with_journal(ctx: Ctx) -> Path:
    """A journal with one session in it, then damaged by the case."""
    out = io_run(["scenario", str(SCENARIO), "--keep", str(ctx.tmp / "run")])
    assert out[0] == 0, out
    journal = ctx.data / "journal.sqlite"
    for name in ("journal.sqlite", "journal.sqlite.created"):
        shutil.copy(ctx.tmp / "run" / name, ctx.data / name)
    return journal


# "other_schema" is left out: the journal module (kiosk/journal/) takes any SQLite file and adds its tables.
for _damage in (d for d in DAMAGE if d != "other_schema"):
    for _argv in (["journal"], ["journal", "--owed"], ["journal", "--check"], ["cash", "collect"], ["day-close"]):
        if _damage in ("directory", "header_only", "zeros") and _argv != ["journal"]:
            continue  # each kind of damage once for every command, every command for the worst ones
        def _journal(ctx: Ctx, damage: str = _damage, argv: list[str] = _argv) -> list[str]:
            journal = _with_journal(ctx)  # a journal that existed (it leaves its ".created" mark) ...
            DAMAGE[damage](journal)  # ... then damaged
            return argv
        CASES.append(Case(f"journal/{_damage}/{'_'.join(_argv)}", "journal", _journal))


def _damaged(path: str, damage: Callable[[Path], None], argv: list[str]) -> Callable[[Ctx], list[str]]:
    def arrange(ctx: Ctx) -> list[str]:
        damage(ctx.data / path)
        return argv
    return arrange


for _name, _path, _damage in [("crt_garbage", "pki/auth-ca-2023.crt", DAMAGE["garbage"]),
                              ("crt_empty", "pki/auth-ca-2023.crt", DAMAGE["empty"]),
                              ("crl_garbage", "pki/auth-ca-2023.crl", DAMAGE["garbage"])]:
    CASES.append(Case(f"pki/{_name}", "CA 2023", _damaged(_path, _damage, ["scenario", str(SCENARIO)])))
for _name, _damage in [("garbage", DAMAGE["garbage"]), ("list", lambda p: p.write_text("[]")), ("empty", DAMAGE["empty"])]:
    CASES.append(Case(f"seal_keys/{_name}", "keys.json", _damaged("pki/seals/keys.json", _damage, ["seal-key", "list"])))


@case("cash_state/garbage", "cash adapter 'simulated'")
def _(ctx: Ctx) -> list[str]:
    (ctx.data / "cash_unit.json").write_bytes(b"garbage")
    return ["journal", "--check"]


@case("demo_run/not_ours", "not empty and not written by an earlier scenario run")
def _(ctx: Ctx) -> list[str]:
    (ctx.data / "demo-run").mkdir()
    (ctx.data / "demo-run" / "journal.sqlite").write_bytes(b"garbage")
    return ["demo", "--headless"]


@case("demo_run/a_file", "not a directory")
def _(ctx: Ctx) -> list[str]:
    (ctx.data / "demo-run").write_bytes(b"garbage")
    return ["demo", "--headless"]


# --- data directories that cannot be written -----------------------------------------------------------------
def _data_dir_under_a_file(ctx: Ctx, argv: list[str]) -> list[str]:
    (ctx.tmp / "plain-file").write_bytes(b"x")
    ctx.monkeypatch.setenv("KIOSK_DATA_DIR", str(ctx.tmp / "plain-file" / "data"))
    return argv


def _data_dir_is_a_file(ctx: Ctx, argv: list[str]) -> list[str]:
    (ctx.tmp / "plain-file").write_bytes(b"x")
    ctx.monkeypatch.setenv("KIOSK_DATA_DIR", str(ctx.tmp / "plain-file"))
    return argv


for _argv in (["setup"], ["scenario", str(SCENARIO)], ["cash", "collect"], ["day-close"], ["journal", "--check"]):
    CASES.append(Case(f"data_dir_under_a_file/{_argv[0]}", "plain-file",
                      lambda ctx, a=_argv: _data_dir_under_a_file(ctx, a)))
    CASES.append(Case(f"data_dir_is_a_file/{_argv[0]}", "plain-file", lambda ctx, a=_argv: _data_dir_is_a_file(ctx, a)))


def _raise_on(ctx: Ctx, target: object, name: str, error: Callable[[], BaseException]) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise error()
    ctx.monkeypatch.setattr(target, name, fail)


def _injected(errno_: int, where: str) -> Callable[[], OSError]:
    return lambda: OSError(errno_, os.strerror(errno_), where)


for _errno, _words in ((errno.ENOSPC, "no space left on the disk"), (errno.EROFS, "the file system is read-only"),
                       (errno.EACCES, "permission denied"), (errno.EDQUOT, "disk quota exceeded")):
    @case(f"injected/{errno.errorcode[_errno]}/setup_center_database", _words)
    def _(ctx: Ctx, e: int = _errno) -> list[str]:
        ctx.monkeypatch.setenv("KIOSK_DATA_DIR", str(ctx.tmp / "fresh"))
        for module in (sqlite3, sqlite3.dbapi2):  # SQLAlchemy connects through sqlite3.dbapi2
            _raise_on(ctx, module, "connect", _injected(e, str(ctx.tmp / "fresh" / "center.sqlite")))
        return ["setup"]

    @case(f"injected/{errno.errorcode[_errno]}/keep_marker", _words)
    def _(ctx: Ctx, e: int = _errno) -> list[str]:
        _raise_on(ctx, Path, "write_text", _injected(e, str(ctx.tmp / "keep" / ".kiosk-scenario-run")))
        return ["scenario", str(SCENARIO), "--keep", str(ctx.tmp / "keep")]


@case("injected/sqlite_full/setup", "database or disk is full")
def _(ctx: Ctx) -> list[str]:
    ctx.monkeypatch.setenv("KIOSK_DATA_DIR", str(ctx.tmp / "fresh"))
    for module in (sqlite3, sqlite3.dbapi2):  # SQLAlchemy connects through sqlite3.dbapi2
        _raise_on(ctx, module, "connect", lambda: sqlite3.OperationalError("database or disk is full"))
    return ["setup"]


@case("injected/ENOSPC/day_close_csv", "no space left on the disk")
def _(ctx: Ctx) -> list[str]:
    _raise_on(ctx, Path, "write_text", _injected(errno.ENOSPC, str(ctx.tmp / "close.csv.partial")))
    return ["day-close", "--csv", str(ctx.tmp / "close.csv")]


@contextlib.contextmanager
def _mounted_tmpfs(where: Path, size: str):
    where.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                      capture_output=True).returncode != 0:
        yield False
        return
    try:
        yield True
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


READ_ONLY_COMMANDS = [["setup", "--force"], ["scenario", str(SCENARIO), "--keep", "{data}/keep"], ["demo", "--headless"],
                      ["cash", "collect"], ["cash", "top-up", "100=5"], ["day-close"], ["journal", "--check"],
                      ["seal-key", "rotate", "--municipality", "990001"], ["sample", "--all", "{data}/samples"]]


def _read_only_case(argv: list[str]) -> Callable[[Ctx], list[str]]:
    """A provisioned data directory nothing can be written to. As root, permissions mean nothing, so
    it is a read-only tmpfs; without root, chmod a-w. Where neither can be had (root without mount),
    never a skip: a data directory below a regular file, which no one can write either."""
    def arrange(ctx: Ctx) -> list[str]:
        where = ctx.tmp / "ro"
        if not IS_ROOT:
            copy_provisioned(ctx.data, where / "data")
            for directory in [where / "data", *(p for p in (where / "data").rglob("*") if p.is_dir())]:
                directory.chmod(0o555)
            ctx.monkeypatch.setenv("KIOSK_DATA_DIR", str(where / "data"))
        else:
            mounted = ctx.enter(_mounted_tmpfs(where, "64m"))
            if mounted:
                copy_provisioned(ctx.data, where / "data")
                subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
                ctx.monkeypatch.setenv("KIOSK_DATA_DIR", str(where / "data"))
            else:
                return _data_dir_under_a_file(ctx, argv)
        return [a.replace("{data}", str(where / "data")) for a in argv]
    return arrange


def _full_case(argv: list[str]) -> Callable[[Ctx], list[str]]:
    """A provisioned data directory on a disk with no space left: a small tmpfs filled up (root);
    elsewhere every write below it fails with ENOSPC (injected: os.open, open, sqlite3.connect)."""
    def arrange(ctx: Ctx) -> list[str]:
        where = ctx.tmp / "full"
        if IS_ROOT and ctx.enter(_mounted_tmpfs(where, "4m")):
            copy_provisioned(ctx.data, where / "data")
            with open(where / "filler", "wb") as filler, contextlib.suppress(OSError):
                while True:
                    filler.write(b"\0" * 65536)
                    filler.flush()
        else:
            copy_provisioned(ctx.data, where / "data")
            _inject_full_disk(ctx, where)
        ctx.monkeypatch.setenv("KIOSK_DATA_DIR", str(where / "data"))
        return [a.replace("{data}", str(where / "data")) for a in argv]
    return arrange


def _inject_full_disk(ctx: Ctx, where: Path) -> None:
    import builtins

    def full(path: object) -> bool:
        return str(os.fspath(path)).startswith(str(where)) if isinstance(path, (str, os.PathLike)) else False

    def nospace(path: object) -> OSError:
        return OSError(errno.ENOSPC, "No space left on device", str(path))

    real_os_open, real_open, real_connect = os.open, builtins.open, sqlite3.connect
    writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT

    def os_open(path, flags, *args, **kwargs):
        if full(path) and flags & writes:
            raise nospace(path)
        return real_os_open(path, flags, *args, **kwargs)

    def open_(file, mode="r", *args, **kwargs):
        if full(file) and any(c in mode for c in "wax+"):
            raise nospace(file)
        return real_open(file, mode, *args, **kwargs)

    def connect(database, *args, **kwargs):
        if full(str(database).removeprefix("file:")):
            raise sqlite3.OperationalError("database or disk is full")
        return real_connect(database, *args, **kwargs)

    ctx.monkeypatch.setattr(os, "open", os_open)
    ctx.monkeypatch.setattr(builtins, "open", open_)
    ctx.monkeypatch.setattr(sqlite3, "connect", connect)


for _argv in READ_ONLY_COMMANDS:
    CASES.append(Case(f"read_only_data_dir/{'_'.join(_argv[:2])}", "", _read_only_case(_argv)))
for _argv in (["setup", "--force"], ["scenario", str(SCENARIO), "--keep", "{data}/keep"], ["demo", "--headless"],
              ["cash", "collect"], ["sample", "--all", "{data}/samples"], ["seal-key", "rotate", "--municipality", "990001"]):
    CASES.append(Case(f"full_data_dir/{'_'.join(_argv[:2])}", "", _full_case(_argv)))


# --- the command line ------------------------------------------------------------------------------------------
for _id, _expect, _argv in [
    ("unknown_command", "invalid choice", ["dance"]),
    ("scenario_without_file", "kiosk scenario: the following arguments are required", ["scenario"]),
    ("shuffle_text", "kiosk scenario: argument --shuffle", ["scenario", str(SCENARIO), "--shuffle", "x"]),
    ("pay_without_operator", "--pay needs --operator", ["journal", "--pay", "000001"]),
    ("operator_without_pay", "--operator goes with --pay", ["journal", "--operator", "op"]),
    ("pay_unknown", "refund", ["journal", "--pay", "999999", "--operator", "op-staff1"]),
    ("date_month_13", "--date 2026-13-01", ["day-close", "--date", "2026-13-01"]),
    ("pieces_text", "expected YEN=COUNT", ["cash", "top-up", "x=1"]),
    ("pieces_denomination", "3 yen", ["cash", "top-up", "3=5"]),
    ("owed_and_check", "not allowed with argument", ["journal", "--owed", "--check"]),
    ("card_emulator_unknown", "nobody", ["card-emulator", "--card", "nobody"]),
    ("verify_missing", "nope.pdf", ["verify", "{tmp}/nope.pdf"]),
    ("seal_key_unknown", "990999", ["seal-key", "rotate", "--municipality", "990999"]),
]:
    CASES.append(Case(f"command_line/{_id}", _expect,
                      lambda ctx, a=_argv: [x.replace("{tmp}", str(ctx.tmp)) for x in a]))


# --- running a case ----------------------------------------------------------------------------------------------
class Hang(BaseException):
    """Not an Exception: the CLI's own handler must not turn a hang into a clean line."""


@contextlib.contextmanager
def deadline(seconds: float):
    def expired(signum, frame):
        raise Hang(f"no answer after {seconds} s")
    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def io_run(argv: list[str]) -> tuple[int, str, str]:
    """``kiosk ARGV`` in this process: (exit status, stdout, stderr); an escaping exception fails the case."""
    import io

    out, err = io.StringIO(), io.StringIO()
    with deadline(CASE_SECONDS), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = cli.main(argv)
        except SystemExit as exit_:  # argparse
            status = exit_.code if isinstance(exit_.code, int) else 2
    return status, out.getvalue(), err.getvalue()


def assert_one_clean_line(status: int, err: str, expect: str) -> None:
    assert "Traceback" not in err, err
    assert status == 2, (status, err)
    assert err.endswith("\n") and err.count("\n") == 1, f"not exactly one line: {err!r}"
    assert err.startswith("kiosk"), err
    assert expect in err, (expect, err)


@pytest.fixture
def ctx(provisioned_dir, tmp_path, monkeypatch):
    data = tmp_path / "data"
    copy_provisioned(provisioned_dir, data)
    municipalities = tmp_path / "municipalities"
    shutil.copytree(ASSETS / "municipalities", municipalities)
    residents, cards = tmp_path / "residents.json", tmp_path / "cards.toml"
    shutil.copy(ASSETS / "demo" / "residents.json", residents)
    shutil.copy(ASSETS / "demo" / "cards.toml", cards)
    monkeypatch.setenv("KIOSK_DATA_DIR", str(data))
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    real_config = cli._config
    # The CLI's config, with the asset files replaced by the private copies the case may break.
    monkeypatch.setattr(cli, "_config", lambda args: dataclasses.replace(
        real_config(args), municipalities_dir=municipalities, demo_residents=residents, demo_cards=cards))
    with contextlib.ExitStack() as stack:
        yield Ctx(tmp_path, data, municipalities, residents, cards, monkeypatch, stack.enter_context)
        monkeypatch.undo()  # un-inject before the mounts are undone


@pytest.mark.parametrize("hostile", CASES, ids=[c.id for c in CASES])
def test_hostile_input_is_one_clean_line(hostile: Case, ctx: Ctx):
    argv = hostile.arrange(ctx)
    status, _, err = io_run(argv)
    print(f"{hostile.id}: {err}", end="")  # shown with -s: every line, to read them all at once
    assert_one_clean_line(status, err, hostile.expect)


def test_the_corpus_is_large_enough():
    counts: dict[str, int] = {}
    for c in CASES:
        counts[c.id.split("/")[0]] = counts.get(c.id.split("/")[0], 0) + 1
    print(f"hostile inputs: {len(CASES)} cases: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    assert len(CASES) >= 150
    assert len({c.id for c in CASES}) == len(CASES)


# --- the real process: the same one line from `python -m app` ----------------------------------------------------
SUBPROCESS_CASES = [
    ("config/timings_pin_nan", lambda tmp: ["--config", str(HOSTILE / "config" / "timings_pin_nan.toml"), "cards"],
     "timings.pin"),
    ("scenario/shift_jis", lambda tmp: ["scenario", str(HOSTILE / "scenario" / "shift_jis.toml")], "not UTF-8"),
    ("scenario/wait_huge", lambda tmp: ["scenario", str(HOSTILE / "scenario" / "wait_huge.toml")], "wait"),
    ("scenario/unknown_card", lambda tmp: ["scenario", str(HOSTILE / "scenario" / "unknown_card.toml")], "nobody"),
    ("config/fifo", lambda tmp: (os.mkfifo(tmp / "pipe.toml"), ["--config", str(tmp / "pipe.toml"), "cards"])[1],
     "not a regular file"),
    ("command_line/unknown_command", lambda tmp: ["dance"], "invalid choice"),
]


@pytest.mark.parametrize("id, argv, expect", SUBPROCESS_CASES, ids=[c[0] for c in SUBPROCESS_CASES])
def test_the_real_process_says_one_line_too(id, argv, expect, provisioned_dir, tmp_path):
    env = {**os.environ, "KIOSK_DATA_DIR": str(provisioned_dir)}
    env.pop("KIOSK_CONFIG", None)
    out = subprocess.run([sys.executable, "-m", "app", *argv(tmp_path)], capture_output=True, text=True,
                         env=env, timeout=120, stdin=subprocess.DEVNULL)
    assert_one_clean_line(out.returncode, out.stderr, expect)



# --- what the lines never say ------------------------------------------------------------------------------
SECRET = "SECRET-VALUE-4721"


@pytest.mark.parametrize("key", ["sex", "birth_date", "my_number", "relationship", "koseki_id"])
def test_a_demo_file_error_never_repeats_the_value(key, ctx):
    document = json.loads(json.dumps(RESIDENTS))
    _resident(document)[key] = SECRET if key != "relationship" else [SECRET]
    ctx.residents.write_text(json.dumps(document), encoding="utf-8")
    status, _, err = io_run(["setup"])
    assert_one_clean_line(status, err, f"resident R-0007: {key}")
    assert SECRET not in err and "4721" not in err


def test_a_card_file_error_never_repeats_the_pin(ctx):
    _card_json(pin="47219")(ctx.data / "cards" / "sato-ichiro.json")
    status, _, err = io_run(["scenario", str(SCENARIO)])
    assert_one_clean_line(status, err, "sato-ichiro.json: pin")
    assert "4721" not in err


def test_utf8_with_a_byte_order_mark_is_still_utf8(ctx):
    config = ctx.write("bom.toml", "\ufeff" + '[timings]\npin = 61\n')
    status, out, err = io_run(["--config", str(config), "cards"])
    assert (status, err) == (0, "") and "sato-ichiro" in out


def test_the_scenario_schema_knows_every_action_and_expectation():
    from kiosk import scenario

    assert set(scenario._Step.__struct_fields__) == {*scenario.ACTIONS, "expect"}
    assert set(scenario._Expect.__struct_fields__) == set(scenario.EXPECTATIONS)
