"""The ``kiosk`` command. Every subcommand has --help and fails with a one-line reason."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.config import ASSETS, ConfigError, load_config

DEMO_SCENARIO = ASSETS / "demo" / "demo_scenario.toml"


class CommandError(Exception):
    """Bad input for a command: printed as one line, exit status 2."""


def main(argv: list[str] | None = None) -> int:
    user_errors = _user_errors()
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except user_errors as exc:
        print(f"kiosk: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _user_errors() -> tuple[type[Exception], ...]:
    """Errors that mean bad input or a bad file: one line, never a traceback."""
    from kiosk.bootstrap import AdapterUnavailable
    from kiosk.catalog.loader import MunicipalityFileError
    from kiosk.pki.cards import CardSpecError
    from kiosk.pki.trust import TrustStoreError
    from kiosk.registry.demo_loader import DemoDataError

    return (CommandError, ConfigError, AdapterUnavailable, MunicipalityFileError, CardSpecError, TrustStoreError,
            DemoDataError, OSError)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk", description="コンビニ交付 kiosk: demo, scenarios, demo cards, the money journal.")
    p.add_argument("--config", type=Path, help="kiosk TOML file (default: assets/kiosk.toml or $KIOSK_CONFIG)")
    sub = p.add_subparsers(required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="the touchscreen kiosk with the demo panel (no display: on Xvfb, with screenshots)")
    demo.add_argument("--headless", action="store_true", help="no screen at all: play the demo scenario and print its journal")
    demo.add_argument("--shots", type=Path, help="where the screenshots go when there is no display (default: <data dir>/demo-screens)")
    demo.set_defaults(run=_demo)

    scenario = sub.add_parser("scenario", help="run a scripted session headless and print its outcome and journal")
    scenario.add_argument("file", type=Path, help="scenario TOML file (see tests/scenarios/)")
    scenario.add_argument("--keep", type=Path, metavar="DIR", help="keep the scenario's data (journal, printed PDFs) in DIR")
    scenario.add_argument("--shuffle", type=int, metavar="SEED",
                          help="device and center results come late and out of order (same seed, same run)")
    scenario.set_defaults(run=_scenario)

    cards = sub.add_parser("cards", help="list the demo cards and what each one is for")
    cards.set_defaults(run=_cards)

    journal = sub.add_parser("journal", help="list the money journal")
    journal.add_argument("--owed", action="store_true", help="only refunds owed")
    journal.set_defaults(run=_journal)

    setup = sub.add_parser("setup", help="generate the demo PKI, demo cards and the registry (done automatically on first use)")
    setup.add_argument("--force", action="store_true", help="regenerate even if present (resets demo card PIN counters)")
    setup.set_defaults(run=_setup)

    verify = sub.add_parser("verify", help="check a printed certificate (PDF, or a PNG/JPEG scan) against its signed code; exit 0 only if valid")
    verify.add_argument("file", type=Path, help="the certificate PDF or a scan of the paper")
    verify.set_defaults(run=_verify)

    sample = sub.add_parser("sample", help="issue sample certificates for demo residents through the real center and renderer")
    sample.add_argument("--all", type=Path, required=True, metavar="DIR", help="write one PDF of every kind into DIR")
    sample.set_defaults(run=_sample)

    emulator = sub.add_parser("card-emulator", help="put one demo card in pcscd's vpcd virtual reader, as a real PC/SC card, until Ctrl-C")
    emulator.add_argument("--card", required=True, metavar="NAME", help="demo card name (see `kiosk cards`)")
    emulator.add_argument("--port", type=int, default=35963, help="vpcd reader port on 127.0.0.1 (default 35963: 'Virtual PCD 00 00')")
    emulator.set_defaults(run=_card_emulator)
    return p


def _config(args):
    return load_config(args.config)


def _setup(args) -> int:
    from kiosk.provision import provision

    config = _config(args)
    report = provision(config, force=args.force)
    print(report)
    return 0


def _card_emulator(args) -> int:
    from hardware.card.card_emulator_cli import UnknownCard, run

    try:
        return run(_config(args), args.card, args.port)
    except UnknownCard as exc:
        raise CommandError(str(exc)) from None


def _cards(args) -> int:
    from kiosk.provision import demo_cards

    for card in demo_cards(_config(args)):
        print(f"{card.name:<22} {card.profile.value:<14} {card.purpose_ja} / {card.purpose_en}")
    return 0


def _journal(args) -> int:
    from kiosk.journal.journal import MoneyJournal
    from kiosk.clock import SystemClock

    config = _config(args)
    if not config.journal_path.exists():
        print("(the journal is empty: no session has run yet)")
        return 0
    journal = MoneyJournal(config.journal_path, SystemClock())
    try:
        if args.owed:
            owed = journal.refunds_owed()
            for r in owed:
                print(r.describe())
            print(f"total owed: {sum(r.amount for r in owed)} yen")
        else:
            for e in journal.events():
                print(e.describe())
    finally:
        journal.close()
    return 0


def _verify(args) -> int:
    from printing.verify_cli import UnverifiableFile, verify_command

    try:
        return verify_command(_config(args), args.file)
    except UnverifiableFile as exc:
        raise CommandError(str(exc)) from None


def _sample(args) -> int:
    from printing.samples import write_samples

    for path in write_samples(_config(args), args.all):
        print(path)
    return 0


def _scenario(args) -> int:
    from kiosk.scenario_cli import run_scenario_file

    result = run_scenario_file(_config(args), args.file, keep=args.keep, shuffle=args.shuffle)
    return 0 if result.passed else 1


def _demo(args) -> int:
    from kiosk.scenario_cli import run_scenario_file

    config = _config(args)
    if not args.headless:
        from ui.app import demo

        return demo(args.config, args.shots or config.data_dir / "demo-screens")
    result = run_scenario_file(config, DEMO_SCENARIO, keep=config.data_dir / "demo-run")
    out = (config.data_dir / "demo-run").resolve()
    print(f"\nThe demo's printed certificates are in {out / 'printed'}; its journal is {out / 'journal.sqlite'}.")
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
