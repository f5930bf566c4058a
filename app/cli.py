"""The ``kiosk`` command. Every subcommand has --help and fails with a one-line reason."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NoReturn, TypeVar

from kiosk.config import ASSETS, KioskConfig, load_config

if TYPE_CHECKING:  # for annotations only: the commands import what they use when they run
    from kiosk.journal.journal import MoneyJournal
    from kiosk.ports.cash import CashUnit

T = TypeVar("T")

DEMO_SCENARIO = ASSETS / "demo" / "demo_scenario.toml"


class CommandError(Exception):
    """Bad input for a command: printed as one line, exit status 2."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args)  # every command returns its exit status
        return status
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        line = input_error_line(exc)
        if line is None:
            raise  # not bad input but a bug: the traceback is what finds it
        print(f"kiosk: {line}", file=sys.stderr)
        return 2


def input_error_line(exc: BaseException) -> str | None:
    """The one place that says what is wrong with what the user handed the kiosk, in one line
    (exit status 2), or None when ``exc`` is not bad input. Every input file goes through
    kiosk/validation.py and raises an ``InputFileError`` (file: key: problem); data files the
    kiosk wrote itself, the operating system and the command line have their own errors here."""
    import sqlite3

    from kiosk.validation import InputFileError, describe_os_error

    if isinstance(exc, (CommandError, InputFileError)):
        return _one_line(exc)
    if isinstance(exc, OSError):  # full disk, read-only data directory, a file where a directory belongs ...
        return describe_os_error(exc)
    if isinstance(exc, sqlite3.DatabaseError):  # the journal names its file; others do not
        return f"a database in the data directory cannot be used ({_one_line(exc)})"
    center_database = _center_database_problem(exc)
    if center_database is not None:
        return center_database
    if isinstance(exc, _known_input_errors()):
        return _one_line(exc)
    return None


def _center_database_problem(exc: BaseException) -> str | None:
    """The center's database (SQLAlchemy over SQLite or PostgreSQL): damaged, full, not migrated."""
    from sqlalchemy.exc import DBAPIError

    from center.storage.migrate import MigrationError

    if isinstance(exc, DBAPIError):
        orig = exc.orig if exc.orig is not None else exc
        return f"the center's database cannot be used ({_one_line(orig)})"
    if isinstance(exc, MigrationError):
        return f"the center's database cannot be used ({_one_line(exc)})"
    return None


def _known_input_errors() -> tuple[type[Exception], ...]:
    """Errors of bad data files or unusable settings that are not (yet) InputFileErrors."""
    from app.bootstrap import AdapterUnavailable
    from center.pki.cards import CardSpecError
    from center.pki.seals import SealKeyError
    from center.pki.trust import TrustStoreError

    return AdapterUnavailable, CardSpecError, TrustStoreError, SealKeyError


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


class _Parser(argparse.ArgumentParser):
    """A wrong command line is one line too, naming the command whose --help says more."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {' '.join(message.split())} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="kiosk", description="コンビニ交付 kiosk: demo, scenarios, demo cards, the money journal.")
    p.add_argument("--config", type=Path, help="kiosk TOML file (default: assets/kiosk.toml or $KIOSK_CONFIG)")
    sub = p.add_subparsers(required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="the touchscreen kiosk with the demo panel (no display: on Xvfb, with screenshots)")
    demo.add_argument("--headless", action="store_true", help="no screen at all: play the demo scenario and print its journal")
    demo.add_argument("--shots", type=Path, help="where the screenshots go when there is no display (default: <data dir>/demo-screens)")
    demo.add_argument("--cash", choices=("simulated", "serial"),
                      help="serial: the serial cash unit on the ID-003 and ccTalk emulators, started for the demo under "
                           "<data dir>/cash-emulators; the panel's coins and notes go through them "
                           "(default: the config's cash adapter, simulated in assets/kiosk.toml)")
    demo.set_defaults(run=_demo)

    scenario = sub.add_parser("scenario", help="run a scripted session headless and print its outcome and journal")
    scenario.add_argument("file", type=Path, help="scenario TOML file (see tests/scenarios/)")
    scenario.add_argument("--keep", type=Path, metavar="DIR", help="keep the scenario's data (journal, printed PDFs) in DIR")
    scenario.add_argument("--shuffle", type=int, metavar="SEED",
                          help="device and center results come late and out of order (same seed, same run)")
    scenario.set_defaults(run=_scenario)

    cards = sub.add_parser("cards", help="list the demo cards and what each one is for")
    cards.set_defaults(run=_cards)

    journal = sub.add_parser("journal", help="list the money journal, settle a refund, or check the books")
    mode = journal.add_mutually_exclusive_group()
    mode.add_argument("--owed", action="store_true",
                      help="only refunds owed, and what recovery will owe for sessions left unfinished")
    mode.add_argument("--pay", metavar="REF", help="mark refund REF (the number on the slip) paid; needs --operator")
    mode.add_argument("--check", action="store_true",
                      help="check every session's books and the cash unit's counters; exit 0 only if all agree")
    journal.add_argument("--operator", metavar="NAME", help="with --pay: who paid it, a staff id such as staff1")
    journal.set_defaults(run=_journal)

    day_close = sub.add_parser("day-close", help="the daily close (日計): sales, cash, refunds and the cash unit's counters")
    day_close.add_argument("--date", metavar="YYYY-MM-DD", help="a business day in Japan (default: everything since the last close)")
    day_close.add_argument("--csv", type=Path, metavar="FILE", help="also write it as CSV (UTF-8) to FILE")
    day_close.add_argument("--pdf", type=Path, metavar="FILE", help="also write the receipt-width 日計表 PDF to FILE")
    day_close.set_defaults(run=_day_close)

    cash = sub.add_parser("cash", help="staff work on the cash unit, journaled: empty the cash box, top up the change")
    cash_actions = cash.add_subparsers(required=True, metavar="ACTION")
    collect = cash_actions.add_parser("collect", help="empty the cash box and journal what was taken")
    top_up = cash_actions.add_parser("top-up", help="add coins to the change float, e.g. top-up 100=50 10=100")
    top_up.add_argument("pieces", nargs="+", metavar="YEN=COUNT", help="pieces added per denomination")
    for action, run in ((collect, _cash_collect), (top_up, _cash_top_up)):
        action.add_argument("--operator", metavar="NAME", default="cli", help="staff id journaled with it (default: cli)")
        action.set_defaults(run=run)

    setup = sub.add_parser("setup", help="generate the demo PKI, demo cards and the registry (done automatically on first use)")
    setup.add_argument("--force", action="store_true",
                       help="regenerate even if present (resets demo card PIN counters; seal keys are kept)")
    setup.set_defaults(run=_setup)

    seal_key = sub.add_parser("seal-key", help="the municipalities' seal keys: list, rotate, mark one compromised")
    seal_actions = seal_key.add_subparsers(required=True, metavar="ACTION")
    seal_list = seal_actions.add_parser("list", help="every seal key: municipality, key id, made, current or withdrawn")
    seal_list.set_defaults(run=_seal_key_list)
    rotate = seal_actions.add_parser("rotate", help="a new current key; the old one is withdrawn, what it signed stays valid")
    rotate.add_argument("--municipality", required=True, metavar="CODE", help="municipality code, e.g. 990001")
    rotate.add_argument("--compromised", action="store_true",
                        help="the old key leaked: everything it signed verifies as invalid from now on")
    compromised = seal_actions.add_parser(
        "compromised", help="mark a withdrawn key compromised: everything it signed verifies as invalid from now on")
    compromised.add_argument("--municipality", required=True, metavar="CODE", help="municipality code, e.g. 990001")
    compromised.add_argument("--key", required=True, metavar="ID", help="the key id (see `kiosk seal-key list`)")
    for action, run in ((rotate, _seal_key_rotate), (compromised, _seal_key_compromised)):
        action.add_argument("--operator", metavar="NAME", default="cli", help="staff id recorded with it (default: cli)")
        action.set_defaults(run=run)

    verify = sub.add_parser("verify", help="check a printed certificate (PDF, or PNG/JPEG scans) against its signed code: "
                            "each page compared with a redrawing of what was signed; exit 0 only if valid")
    verify.add_argument("files", nargs="+", type=Path, metavar="FILE",
                        help="the certificate PDF, or scans of the paper (one file per page: checked as one certificate)")
    verify.add_argument("--diff", type=Path, metavar="OUT.png",
                        help="write the expected pages beside the given ones, differences marked")
    verify.set_defaults(run=_verify)

    sample = sub.add_parser("sample", help="issue sample certificates for demo residents through the real center and renderer")
    sample.add_argument("--all", type=Path, required=True, metavar="DIR", help="write one PDF of every kind into DIR")
    sample.set_defaults(run=_sample)

    emulator = sub.add_parser("card-emulator", help="put one demo card in pcscd's vpcd virtual reader, as a real PC/SC card, until Ctrl-C")
    emulator.add_argument("--card", required=True, metavar="NAME", help="demo card name (see `kiosk cards`)")
    emulator.add_argument("--port", type=int, default=35963, help="vpcd reader port on 127.0.0.1 (default 35963: 'Virtual PCD 00 00')")
    emulator.set_defaults(run=_card_emulator)

    cash_emulator = sub.add_parser("cash-emulator", help="a cash device on a virtual serial port, byte for byte, "
                                   "with a control socket, until SIGTERM or Ctrl-C")
    devices = cash_emulator.add_subparsers(required=True, metavar="DEVICE")
    id003 = devices.add_parser("id003", help="a JCM ID-003 bill validator (yen notes)")
    id003.add_argument("--denominations", metavar="YEN,...", help="notes it knows (default 1000,5000,10000)")
    cctalk = devices.add_parser("cctalk", help="a ccTalk bus: coin acceptor (address 2) and hoppers")
    cctalk.add_argument("--coins", metavar="YEN,...", help="coins it accepts, positions 1… (default 10,50,100,500)")
    cctalk.add_argument("--hoppers", metavar="YEN=ADDR:COUNT,...",
                        help="one hopper per coin: address and coins in it (default 500=3:20,100=4:50,50=5:20,10=6:50)")
    cctalk.add_argument("--payout-ms", type=float, default=80.0, metavar="MS", help="one coin paid out every MS (default 80)")
    for device in (id003, cctalk):
        device.add_argument("--link", required=True, type=Path, metavar="PATH",
                            help="symbolic link made to the pseudo-terminal: the serial port the kiosk opens (parity none)")
        device.add_argument("--control", required=True, type=Path, metavar="PATH",
                            help="Unix socket for JSON-line control requests (insert, jam, state ...)")
        device.add_argument("--pace", type=float, default=1.0,
                            help="line and device timing: 1 = real 9600 baud, 0 = as fast as possible (default 1)")
        device.add_argument("--latency-ms", type=float, default=10.0, metavar="MS", help="reply latency (default 10)")
    id003.set_defaults(run=_cash_emulator_id003)
    cctalk.set_defaults(run=_cash_emulator_cctalk)
    return p


def _config(args: argparse.Namespace) -> KioskConfig:
    return load_config(args.config)


def _setup(args: argparse.Namespace) -> int:
    from app.provision import provision

    config = _config(args)
    report = provision(config, force=args.force)
    print(report)
    return 0


def _seal_key_list(args: argparse.Namespace) -> int:
    from center.pki.seals import load_seal_key_list

    keys = load_seal_key_list(_config(args).data_dir)
    for key in keys.keys:
        print(key.describe())
    if not keys.keys:
        print("(no seal keys yet: `kiosk setup` makes them)")
    return 0


def _seal_key_rotate(args: argparse.Namespace) -> int:
    from center.pki.seals import rotate_seal_key

    old, new = rotate_seal_key(_config(args).data_dir, args.municipality, compromised=args.compromised,
                               operator=_operator(args.operator))
    print(f"{args.municipality}: new seal key {new.key_id}; {old.describe()}")
    return 0


def _seal_key_compromised(args: argparse.Namespace) -> int:
    from center.pki.seals import mark_compromised

    key = mark_compromised(_config(args).data_dir, args.municipality, args.key, operator=_operator(args.operator))
    print(key.describe())
    return 0


def _operator(name: str) -> str:
    from kiosk.journal.events import JournalEntryError
    from kiosk.journal.journal import operator_token

    try:
        return operator_token(name)
    except JournalEntryError as exc:
        raise CommandError(str(exc)) from None


def _card_emulator(args: argparse.Namespace) -> int:
    from hardware.card.card_emulator_cli import UnknownCard, run

    try:
        return run(_config(args), args.card, args.port)
    except UnknownCard as exc:
        raise CommandError(str(exc)) from None


def _cash_emulator_id003(args: argparse.Namespace) -> int:
    from hardware.cash.emulator.cli import EmulatorArgumentError, run_id003

    try:
        return run_id003(args.link, args.control, args.denominations, args.pace, args.latency_ms)
    except EmulatorArgumentError as exc:
        raise CommandError(str(exc)) from None


def _cash_emulator_cctalk(args: argparse.Namespace) -> int:
    from hardware.cash.emulator.cli import EmulatorArgumentError, run_cctalk

    try:
        return run_cctalk(args.link, args.control, args.coins, args.hoppers, args.pace, args.latency_ms, args.payout_ms)
    except EmulatorArgumentError as exc:
        raise CommandError(str(exc)) from None


def _cards(args: argparse.Namespace) -> int:
    from app.provision import demo_cards

    for card in demo_cards(_config(args)):
        print(f"{card.name:<22} {card.profile.value:<14} {card.purpose_ja} / {card.purpose_en}")
    return 0


def _journal(args: argparse.Namespace) -> int:
    from kiosk.clock import SystemClock
    from kiosk.journal.journal import open_existing

    if args.pay and not args.operator:
        raise CommandError("--pay needs --operator NAME: who paid the refund")
    if args.operator and not args.pay:
        raise CommandError("--operator goes with --pay")
    config = _config(args)
    journal = _damage_is_one_line(lambda: open_existing(config.journal_path, SystemClock()))
    if journal is None:
        if args.pay:
            raise CommandError(f"refund {args.pay}: the journal is empty, no refund was ever owed")
        if args.check:
            return _check(config, None)
        print("(the journal is empty: no session has run yet)")
        return 0
    try:
        if args.owed:
            _print_owed(journal)
        elif args.pay:
            _pay(journal, args.pay, args.operator)
        elif args.check:
            return _check(config, journal)
        else:
            for e in journal.events():
                print(e.describe())
    finally:
        journal.close()
    return 0


def _writable_data_dir(config: KioskConfig) -> None:
    """Before a journal is opened for writing: a directory that cannot take one is said as such,
    not reported as a damaged journal."""
    import os
    import shutil

    data_dir = config.data_dir
    if data_dir.exists() and not data_dir.is_dir():
        raise CommandError(f"data directory {data_dir} is a file, not a directory")
    data_dir.mkdir(parents=True, exist_ok=True)
    if not os.access(data_dir, os.W_OK):  # EROFS answers this for root too
        raise CommandError(f"data directory {data_dir} cannot be written (a read-only file system or no permission)")
    if not config.journal_path.exists() and shutil.disk_usage(data_dir).free < 1 << 20:
        raise CommandError(f"data directory {data_dir}: no space left on the disk for a new journal")


def _damage_is_one_line(open_journal: Callable[[], T]) -> T:
    from kiosk.journal.journal import JournalDamaged

    try:
        return open_journal()
    except JournalDamaged as exc:  # left exactly as found: never recreated, never repaired here
        raise CommandError(f"money journal damaged, left as found: {exc}") from None


def _print_owed(journal: MoneyJournal) -> None:
    owed = journal.refunds_owed()
    for r in owed:
        print(r.describe())
    unfinished = journal.unfinished_owed()
    for session_id, amount in unfinished:
        print(f"unfinished {session_id[:8]} recovery will owe {amount} yen")
    print(f"total owed: {sum(r.amount for r in owed) + sum(amount for _, amount in unfinished)} yen")


def _pay(journal: MoneyJournal, reference: str, operator: str) -> None:
    from kiosk.journal.events import JournalEntryError
    from kiosk.journal.journal import RefundNotPayable

    try:
        event = journal.mark_refund_paid(reference, operator)
    except (RefundNotPayable, JournalEntryError) as exc:
        raise CommandError(str(exc)) from None
    ref, who = event.detail.split()[:2]
    print(f"refund {ref.removeprefix('ref-')} paid: {event.amount} yen by {who}")


def _check(config: KioskConfig, journal: MoneyJournal | None) -> int:
    from app.bootstrap import build_cash_unit
    from kiosk.journal.check import check_books
    from kiosk.journal.unusable import UnusableJournal

    # no journal yet reads as an empty one: the unit's counters must then be zero too
    problems = check_books(journal or UnusableJournal("no journal yet"), build_cash_unit(config).counters())
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print("books agree: every closed session balances and the cash unit's counters match the journal")
    return 0


def _day_close(args: argparse.Namespace) -> int:
    from datetime import date

    from app.bootstrap import build_cash_unit, build_renderer
    from kiosk.catalog.catalog import Catalog
    from kiosk.clock import SystemClock
    from kiosk.journal.day_close import close_day, record_close, summary_lines
    from kiosk.journal.day_close_csv import write_csv
    from kiosk.journal.journal import MoneyJournal

    try:
        day = date.fromisoformat(args.date) if args.date else None
    except ValueError:
        raise CommandError(f"--date {args.date}: not a date, expected YYYY-MM-DD") from None
    config = _config(args)
    catalog = Catalog.load(config.municipalities_dir)
    names = {code: catalog.municipality(code).name for code in catalog.codes()}
    _writable_data_dir(config)
    clock = SystemClock()
    journal = _damage_is_one_line(lambda: MoneyJournal(config.journal_path, clock))
    try:
        cash = build_cash_unit(config)
        report = close_day(journal, kiosk_id=config.kiosk_id, now=clock.now(), day=day, counters=cash.counters(),
                           float_counts=cash.float_counts(), municipality_names=names)
        if args.csv:
            write_csv(report, args.csv)
        if args.pdf:
            args.pdf.write_bytes(build_renderer(config).render_day_close(report))
        record_close(journal, report)  # once its outputs exist: a failed write leaves no close behind
    finally:
        journal.close()
    for line in summary_lines(report):
        print(line)
    for label, path in (("csv", args.csv), ("pdf", args.pdf)):
        if path:
            print(f"{label}: {path}")
    return 0


def _cash_collect(args: argparse.Namespace) -> int:
    from kiosk.journal.cash_staff import record_collection

    def work(cash: CashUnit, journal: MoneyJournal, operator: str) -> str:
        taken = cash.collect()
        record_collection(journal, operator, taken)
        return f"collected {taken} yen from the cash box ({operator})"

    return _cash_work(args, work)


def _cash_top_up(args: argparse.Namespace) -> int:
    from kiosk.journal.cash_staff import record_top_up

    counts = _pieces(args.pieces)

    def work(cash: CashUnit, journal: MoneyJournal, operator: str) -> str:
        try:
            added = cash.top_up(counts)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        record_top_up(journal, operator, counts, added)
        return f"topped up the change float with {added} yen ({operator})"

    return _cash_work(args, work)


def _cash_work(args: argparse.Namespace, work: Callable[[CashUnit, MoneyJournal, str], str]) -> int:
    """Journal first checked writable, then the device, then the journal row: nothing moves unrecorded."""
    from app.bootstrap import build_cash_unit
    from kiosk.clock import SystemClock
    from kiosk.journal.events import JournalEntryError
    from kiosk.journal.journal import MoneyJournal, operator_token

    try:
        operator = operator_token(args.operator)
    except JournalEntryError as exc:
        raise CommandError(str(exc)) from None
    config = _config(args)
    _writable_data_dir(config)
    journal = _damage_is_one_line(lambda: MoneyJournal(config.journal_path, SystemClock()))
    try:
        why = journal.writable()
        if why:
            raise CommandError(f"the journal cannot be written ({why}): nothing was done")
        print(work(build_cash_unit(config), journal, operator))
    finally:
        journal.close()
    return 0


def _pieces(words: list[str]) -> dict[int, int]:
    """``100=50 10=100`` -> {100: 50, 10: 100}."""
    counts: dict[int, int] = {}
    for word in words:
        yen, _, pieces = word.partition("=")
        if not (yen.isdigit() and pieces.isdigit()):
            raise CommandError(f"{word!r}: expected YEN=COUNT, e.g. 100=50")
        counts[int(yen)] = counts.get(int(yen), 0) + int(pieces)
    return counts


def _verify(args: argparse.Namespace) -> int:
    from printing.verify_cli import UnverifiableFile, verify_command

    try:
        return verify_command(_config(args), args.files, diff=args.diff)
    except UnverifiableFile as exc:
        raise CommandError(str(exc)) from None


def _sample(args: argparse.Namespace) -> int:
    from printing.samples import write_samples

    for path in write_samples(_config(args), args.all):
        print(path)
    return 0


def _scenario(args: argparse.Namespace) -> int:
    from app.scenario_cli import run_scenario_file

    result = run_scenario_file(_config(args), args.file, keep=args.keep, shuffle=args.shuffle)
    return 0 if result.passed else 1


def _demo(args: argparse.Namespace) -> int:
    from app.scenario_cli import run_scenario_file

    config = _config(args)
    if args.cash == "serial":
        if args.headless:
            raise CommandError("--cash serial runs the demo on screen (or on Xvfb), not --headless")
        return _serial_demo(args, config)
    if args.cash == "simulated" and config.adapters.cash != "simulated":
        import dataclasses

        config = dataclasses.replace(config, adapters=dataclasses.replace(config.adapters, cash="simulated"))
    if not args.headless:
        from ui.app import demo

        return demo(args.config, args.shots or config.data_dir / "demo-screens", config=config)
    result = run_scenario_file(config, DEMO_SCENARIO, keep=config.data_dir / "demo-run")
    out = (config.data_dir / "demo-run").resolve()
    print(f"\nThe demo's printed certificates are in {out / 'printed'}; its journal is {out / 'journal.sqlite'}.")
    return 0 if result.passed else 1


def _serial_demo(args: argparse.Namespace, config: KioskConfig) -> int:
    """The demo on the serial cash unit, its two emulators started for it at the real line speed
    and stopped when it ends (Ctrl-C and errors included)."""
    from app.demo_cash import EmulatorsDidNotStart, cash_hands, serial_demo
    from ui.app import demo

    try:
        with serial_demo(config) as (serial, devices):
            print(f"Cash on the serial path: the bill validator on {devices.notes.link}, "
                  f"the ccTalk bus on {devices.coins.link} (emulated)")
            return demo(args.config, args.shots or config.data_dir / "demo-screens", config=serial,
                        hands=lambda unit: cash_hands(unit, devices))
    except EmulatorsDidNotStart as exc:  # raised only before the demo starts
        raise CommandError(str(exc)) from None


if __name__ == "__main__":
    sys.exit(main())
