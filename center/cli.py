"""The ``kiosk-center`` command: the issuance center as a network service, and its kiosk fleet.

    kiosk-center init-fleet DIR [--server-name NAME ...]    the fleet CA and the center's certificate
    kiosk-center enroll-kiosk KIOSK_ID --out DIR [--fleet DIR] [--days N]
    kiosk-center revoke-kiosk KIOSK_ID [--fleet DIR]       refused from its next call on
    kiosk-center serve --config FILE                        the center over gRPC with mutual TLS
    kiosk-center migrate ... / load-demo ...               the center's database (center/storage's own options)

``serve`` reads a TOML file (every key known, strict types, one-line errors, like kiosk.toml)::

    address = "127.0.0.1:50051"     # host:port to listen on
    fleet_dir = "var/fleet"         # ca.pem, server.pem, server.key, revoked.txt (init-fleet)
    data_dir = "var"                # the card PKI's trust anchors and CRLs (pki/); without a database, the demo data
    database = "postgresql://center@/konbini?host=/run/postgresql"  # optional (sqlite:///FILE too)
    pseudonym_key = "/etc/konbini/center.key"  # optional, default data_dir/center.key
    workers = 16                    # threads serving calls, and database connections
    registry_cache_seconds = 0      # optional: keep registry reads this long
    token_key = "var/fleet/token.key"  # optional: identity tokens stay valid across restarts
    [tls]                           # optional: any of these files elsewhere than in fleet_dir
    ca = "/etc/konbini/fleet-ca.pem"
    cert = "/etc/konbini/center.pem"
    key = "/etc/konbini/center.key"
    revoked = "/etc/konbini/revoked.txt"

With ``database`` the center serves that database (``kiosk-center migrate`` and ``load-demo`` fill
it); without, the demo data in ``data_dir`` as the kiosk's embedded center has it. Every failure
of bad input is one line on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import importlib
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, Callable, NoReturn

import msgspec

from center.fleet import KIOSK_VALIDITY_DAYS, Fleet, FleetError
from kiosk.validation import KIB, InputFileError, Schema, load_toml, pattern

DEFAULT_FLEET = "var/fleet"
_Path = Annotated[str, pattern(r"^[^\x00]*[^\x00\s][^\x00]*$", "a path", max_length=1024)]


class CenterConfigError(InputFileError):
    """A center config file that cannot be used: ``path: key: problem``."""


class _Tls(Schema):
    ca: _Path | None = None
    cert: _Path | None = None
    key: _Path | None = None
    revoked: _Path | None = None


class _CenterFile(Schema):
    address: Annotated[str, pattern(r"^[^\s\x00]{1,255}$", "host:port to listen on")] = "127.0.0.1:50051"
    fleet_dir: _Path = DEFAULT_FLEET
    data_dir: _Path = "var"
    municipalities_dir: _Path | None = None
    token_key: _Path | None = None
    # the center's database (kiosk-center migrate / load-demo): without it, the demo data in data_dir
    database: Annotated[str, pattern(r"^(sqlite|postgresql)[+a-z0-9]*://[^\x00\s]*$", "a database URL")] | None = None
    pseudonym_key: _Path | None = None  # the key of the 交付記録's resident pseudonyms (default data_dir/center.key)
    workers: Annotated[int, msgspec.Meta(ge=1, le=256)] = 16  # threads serving calls (and database connections)
    registry_cache_seconds: Annotated[float, msgspec.Meta(ge=0, le=3600)] = 0.0
    tls: _Tls = msgspec.field(default_factory=_Tls)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {' '.join(message.split())} (see {self.prog} --help)\n")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = getattr(args, "run", None) or args.func  # func: the storage's commands
    try:
        return run(args)
    except KeyboardInterrupt:
        return 130
    except (FleetError, InputFileError, OSError, ValueError) as exc:
        print(f"kiosk-center: {' '.join(str(exc).split()) or type(exc).__name__}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="kiosk-center", description="The issuance center over gRPC with mutual TLS, and its kiosk fleet.")
    sub = p.add_subparsers(required=True, metavar="COMMAND")
    fleet_help = f"the fleet directory (default: $KIOSK_CENTER_FLEET or {DEFAULT_FLEET})"

    serve = sub.add_parser("serve", help="serve the center over gRPC with mutual TLS until stopped (SIGTERM, Ctrl-C)")
    serve.add_argument("--config", type=Path, required=True, help="the center's TOML file")
    serve.set_defaults(run=_serve)

    init = sub.add_parser("init-fleet", help="make the fleet CA and the center's server certificate in DIR")
    init.add_argument("dir", type=Path)
    init.add_argument("--server-name", action="append", default=[],
                      help="a DNS name or IP address the center is reached by (besides localhost, 127.0.0.1, ::1); repeatable")
    init.set_defaults(run=_init_fleet)

    enroll = sub.add_parser("enroll-kiosk", help="a client certificate and key for one kiosk, with the fleet CA, into --out")
    enroll.add_argument("kiosk_id")
    enroll.add_argument("--out", type=Path, required=True, help="directory for kiosk.pem, kiosk.key (0600) and ca.pem")
    enroll.add_argument("--fleet", type=Path, help=fleet_help)
    enroll.add_argument("--days", type=int, default=KIOSK_VALIDITY_DAYS, help=f"validity (default {KIOSK_VALIDITY_DAYS})")
    enroll.set_defaults(run=_enroll)

    revoke = sub.add_parser("revoke-kiosk", help="revoke every certificate of a kiosk; a running center refuses it at once")
    revoke.add_argument("kiosk_id")
    revoke.add_argument("--fleet", type=Path, help=fleet_help)
    revoke.set_defaults(run=_revoke)

    _add_storage_commands(sub)
    return p


def _fleet(args: argparse.Namespace) -> Fleet:
    return Fleet(args.fleet or Path(os.environ.get("KIOSK_CENTER_FLEET") or DEFAULT_FLEET))


def _init_fleet(args: argparse.Namespace) -> int:
    fleet = Fleet.init(args.dir, server_names=tuple(args.server_name))
    print(f"{fleet.directory}: fleet CA and center certificate made (ca.pem, server.pem, server.key); "
          "keep ca.key offline once the kiosks are enrolled")
    return 0


def _enroll(args: argparse.Namespace) -> int:
    enrolled = _fleet(args).enroll_kiosk(args.kiosk_id, args.out, days=args.days)
    print(f"{enrolled.kiosk_id}: certificate {enrolled.serial:x} valid until {enrolled.not_after:%Y-%m-%d}, "
          f"written to {args.out} (kiosk.pem, kiosk.key, ca.pem)")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    serials = _fleet(args).revoke_kiosk(args.kiosk_id)
    if serials:
        print(f"{args.kiosk_id}: revoked {', '.join(f'{s:x}' for s in serials)}")
    else:
        print(f"{args.kiosk_id}: already revoked")
    return 0


# --- HOOK: the center's storage (center/storage/cli_commands.py, written with the storage) ---------------
def _storage_module() -> Any:
    """center.storage.cli_commands, or None when the storage (or a library it needs) is not installed."""
    try:
        return importlib.import_module("center.storage.cli_commands")
    except ModuleNotFoundError as exc:
        name = exc.name or ""
        if name.startswith("center.") and name not in ("center.storage", "center.storage.cli_commands"):
            raise  # a module of ours missing inside the storage: a bug, keep its traceback
        return None


def _add_storage_commands(sub: Any) -> None:
    """``migrate`` and ``load-demo``: the storage's own parsers (``add_parsers``) when it is there;
    otherwise commands that call ``migrate_command(args)`` / ``load_demo_command(args)``, or say
    that the storage is not installed and exit 2."""
    module = _storage_module()
    if module is not None and hasattr(module, "add_parsers"):
        module.add_parsers(sub)  # they set ``func``; main() runs it
        return
    for command, help_text in (
        ("migrate", "bring the center's database schema up to date (needs center/storage)"),
        ("load-demo", "load the demo residents into the center's database (needs center/storage)"),
    ):
        parser = sub.add_parser(command, help=help_text)
        parser.add_argument("--database", help="database URL (postgresql://... or sqlite:///...)")
        parser.set_defaults(run=functools.partial(_storage_command, module, command.replace("-", "_")))


def _storage_command(module: Any, name: str, args: argparse.Namespace) -> int:
    if module is None:
        print(f"kiosk-center: {name.replace('_', '-')}: the center's storage is not installed "
              "(center/storage/cli_commands.py or a library it needs is missing)", file=sys.stderr)
        return 2
    command: Callable[[argparse.Namespace], int] = getattr(module, f"{name}_command")
    return command(args)


# --- serve ---------------------------------------------------------------------------------------
def load_center_config(path: Path) -> _CenterFile:
    return load_toml(path, _CenterFile, file=str(path), error=CenterConfigError, max_bytes=64 * KIB)


def build_demo_center(data_dir: Path, municipalities_dir: Path | None = None,
                      clock: Any = None) -> tuple[Any, list[Callable[[], None]]]:
    """The center over the demo data in ``data_dir`` (set up there first if need be, as `kiosk
    setup` does): its SQLite database, the demo card PKI's trust."""
    from app.provision import provision
    from center.build import open_data_dir_center
    from kiosk.clock import SystemClock
    from kiosk.config import KioskConfig

    config = KioskConfig(data_dir=Path(data_dir))
    if municipalities_dir is not None:
        config = dataclasses.replace(config, municipalities_dir=Path(municipalities_dir))
    provision(config)
    center, close = open_data_dir_center(config.data_dir, municipalities_dir=config.municipalities_dir,
                                         clock=clock or SystemClock())
    return center, [close]


def serve_database(config: _CenterFile) -> tuple[Any, list[Callable[[], None]]]:
    """The center over its own database (SQLite or PostgreSQL), the card PKI's trust in data_dir."""
    from center.build import open_center
    from kiosk.clock import SystemClock
    from kiosk.config import ASSETS

    assert config.database is not None
    data_dir = Path(config.data_dir)
    center, close = open_center(
        config.database, trust_dir=data_dir,
        municipalities_dir=Path(config.municipalities_dir) if config.municipalities_dir else ASSETS / "municipalities",
        key_file=Path(config.pseudonym_key) if config.pseudonym_key else data_dir / "center.key",
        clock=SystemClock(), pool_size=config.workers, registry_cache_seconds=config.registry_cache_seconds,
    )
    return center, [close]


def read_token_key(path: Path) -> bytes:
    """The key binding identity tokens to kiosks, made (0600) the first time."""
    from center.secret_file import read_or_make

    return read_or_make(path, what="token key")


def _serve(args: argparse.Namespace) -> int:
    from center.api.server import ServerTls, TokenBinder, serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = load_center_config(args.config)
    fleet = Fleet(Path(config.fleet_dir))
    tls = ServerTls.from_files(
        Path(config.tls.ca) if config.tls.ca else fleet.ca_cert,
        Path(config.tls.cert) if config.tls.cert else fleet.server_cert,
        Path(config.tls.key) if config.tls.key else fleet.server_key,
        Path(config.tls.revoked) if config.tls.revoked else fleet.revoked_file,
    )
    tokens = TokenBinder(read_token_key(Path(config.token_key))) if config.token_key else TokenBinder()
    if config.database:
        center, closers = serve_database(config)
    else:
        center, closers = build_demo_center(Path(config.data_dir),
                                            Path(config.municipalities_dir) if config.municipalities_dir else None)
    server = serve(center, config.address, tls, tokens=tokens, max_workers=config.workers)
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host = config.address.rpartition(":")[0]
    print(f"kiosk-center: serving on {host}:{server.port}", flush=True)
    try:
        while not stopping.wait(1.0):
            pass
    finally:
        server.stop(5.0)
        for close in reversed(closers):
            close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
