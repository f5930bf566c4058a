"""``kiosk scenario`` and the headless ``kiosk demo``: run a scenario file on a private copy of
the demo data (so a scenario that locks a card never locks the operator's demo card) and print
the outcome and the journal lines."""
from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

from kiosk.bootstrap import build_kiosk
from kiosk.clock import ManualClock
from kiosk.config import KioskConfig
from kiosk.provision import copy_provisioned, provision
from kiosk.shuffle import ShufflingExecutor
from kiosk.scenario import ScenarioError, ScenarioResult, ScenarioRunner, load_scenario


def run_scenario_file(config: KioskConfig, path: Path, keep: Path | None = None, quiet: bool = False,
                      shuffle: int | None = None) -> ScenarioResult:
    """Run one scenario; ``shuffle``: a seed for device results that come late and out of order."""
    from kiosk.cli import CommandError

    a = config.adapters
    if (a.card, a.cash, a.printer) != ("simulated", "simulated", "folder"):
        # Scenarios drive the simulated devices and let simulated time run fast: a real printer
        # would still be printing when the scenario's print timeout ran out.
        raise CommandError("scenarios run on the simulated card, cash unit and folder printer; "
                           f"this config has card={a.card} cash={a.cash} printer={a.printer}")
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        raise CommandError(str(exc)) from None
    provision(config)
    with tempfile.TemporaryDirectory(prefix="kiosk-scenario-") as tmp:
        run_dir = Path(keep) if keep else Path(tmp)
        if keep and run_dir.exists():
            shutil.rmtree(run_dir)
        copy_provisioned(config.data_dir, run_dir)
        run_config = dataclasses.replace(config, data_dir=run_dir)
        clock = ManualClock(scenario.start)
        executor = ShufflingExecutor(shuffle)
        kiosk = build_kiosk(run_config, clock=clock, executor=executor)
        try:
            result = ScenarioRunner(kiosk, clock, executor).run(scenario)
        except ScenarioError as exc:
            raise CommandError(str(exc)) from None
        finally:
            kiosk.close()
    result.shuffle = shuffle
    if not quiet:
        _print(result)
    return result


def _print(result: ScenarioResult) -> None:
    v = result.final
    print(f"scenario: {result.scenario.path.name} — {result.scenario.description}")
    if result.shuffle is not None:
        print(f"shuffle seed: {result.shuffle}")
    notice = v.notice.code.value if v.notice else "-"
    print(f"outcome: screen={v.screen.value} notice={notice} printed_documents={result.printed_documents}")
    print("journal:")
    for line in result.journal_lines:
        print(f"  {line}")
    if result.failures:
        for f in result.failures:
            print(f"FAILED {f}")
    else:
        print("PASSED")
