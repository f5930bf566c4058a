"""``kiosk cash-emulator id003|cctalk --link PATH --control PATH …``: one emulated device per process.

The process prints ``ready <link> <control>`` on stdout once the host can open the link and a test
can connect to the control socket, serves until SIGTERM or SIGINT, then removes both and exits 0.
A bad argument is one line (EmulatorArgumentError; app/cli.py prints it and exits 2).
"""
from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from types import FrameType

from hardware.cash.emulator.cctalk import DEFAULT_COINS, DEFAULT_HOPPERS, CcTalkBus, HopperSpec
from hardware.cash.emulator.control import ControlPathError
from hardware.cash.emulator.id003 import ESCROW_CODES, Id003Validator
from hardware.cash.emulator.line import LineDevice
from hardware.cash.emulator.loop import Emulator
from hardware.cash.emulator.pty_port import BYTE_SECONDS_8E1, BYTE_SECONDS_8N1, LinkError, PtyPort

DEFAULT_BILLS = (1000, 5000, 10000)  # the other defaults are app/cli.py's (--pace 1, --latency-ms 10, --payout-ms 80)


class EmulatorArgumentError(ValueError):
    """A command-line value the emulator cannot use; the message is the one line to print."""


def parse_yen_list(text: str, what: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise EmulatorArgumentError(f"{what}: yen amounts separated by commas, e.g. 10,50,100,500; not {text!r}") from None
    if any(v <= 0 for v in values) or len(set(values)) != len(values):
        raise EmulatorArgumentError(f"{what}: different positive yen amounts, not {text!r}")
    return values


def parse_hoppers(text: str) -> tuple[HopperSpec, ...]:
    """``500=3:20,100=4:50``: per hopper, yen=address:coins."""
    specs = []
    for part in text.split(","):
        try:
            yen, rest = part.split("=")
            address, count = rest.split(":")
            specs.append(HopperSpec(int(yen), int(address), int(count)))
        except ValueError:
            raise EmulatorArgumentError(
                f"--hoppers: yen=address:coins separated by commas, e.g. 500=3:20,100=4:50; not {part!r}") from None
    if any(spec.yen <= 0 or spec.count < 0 for spec in specs):
        raise EmulatorArgumentError(f"--hoppers: positive yen and 0 or more coins, not {text!r}")
    return tuple(specs)


def _non_negative(value: float, option: str) -> float:
    if not value >= 0:  # also refuses NaN
        raise EmulatorArgumentError(f"{option}: 0 or more, not {value}")
    return value


def run_id003(link: Path, control: Path, denominations: str | None, pace: float, latency_ms: float) -> int:
    bills = parse_yen_list(denominations, "--denominations") if denominations else DEFAULT_BILLS
    if any(yen not in ESCROW_CODES for yen in bills):
        raise EmulatorArgumentError(f"--denominations: notes among {', '.join(map(str, ESCROW_CODES))}, not {denominations}")
    pace = _non_negative(pace, "--pace")
    port = PtyPort(link, BYTE_SECONDS_8E1, pace, _non_negative(latency_ms, "--latency-ms") / 1000)
    return _serve(Id003Validator(bills, pace, time.monotonic()), port, control)


def run_cctalk(link: Path, control: Path, coins: str | None, hoppers: str | None, pace: float,
               latency_ms: float, payout_ms: float) -> int:
    coin_list = parse_yen_list(coins, "--coins") if coins else DEFAULT_COINS
    hopper_list = parse_hoppers(hoppers) if hoppers else DEFAULT_HOPPERS
    pace = _non_negative(pace, "--pace")
    interval = _non_negative(payout_ms, "--payout-ms") / 1000
    try:
        bus = CcTalkBus(coin_list, hopper_list, pace, interval, time.monotonic())
    except ValueError as exc:
        raise EmulatorArgumentError(f"--coins/--hoppers: {exc}") from None
    port = PtyPort(link, BYTE_SECONDS_8N1, pace, _non_negative(latency_ms, "--latency-ms") / 1000)
    return _serve(bus, port, control)


def _serve(device: LineDevice, port: PtyPort, control: Path) -> int:
    emulator = Emulator(device, port, control)

    def stop(signum: int, frame: FrameType | None) -> None:
        emulator.stop()

    def ready() -> None:
        print(f"ready {port.link} {control}", flush=True)

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        emulator.serve(ready)
    except (LinkError, ControlPathError) as exc:
        raise EmulatorArgumentError(str(exc)) from None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    print(f"stopped {port.link} {control}", file=sys.stderr, flush=True)
    return 0
