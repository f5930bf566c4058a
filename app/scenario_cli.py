"""``kiosk scenario`` and the headless ``kiosk demo``: run a scenario file on a private copy of
the demo data (so a scenario that locks a card never locks the operator's demo card) and print
the outcome and the journal lines.

``--keep DIR`` keeps that copy in DIR, emptying DIR first only if an earlier scenario run wrote
it (it holds the marker file ``.kiosk-scenario-run``); any other directory that is not empty, and the
data directory itself, is refused: nothing deletes what it did not make."""
from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

from app.bootstrap import build_kiosk
from kiosk.clock import ManualClock
from kiosk.config import KioskConfig
from app.provision import copy_provisioned, provision
from kiosk.shuffle import ShufflingExecutor
from kiosk.scenario import ScenarioError, ScenarioResult, ScenarioRunner, load_scenario

KEEP_MARKER = ".kiosk-scenario-run"


def run_scenario_file(config: KioskConfig, path: Path, keep: Path | None = None, quiet: bool = False,
                      shuffle: int | None = None) -> ScenarioResult:
    """Run one scenario; ``shuffle``: a seed for device results that come late and out of order."""
    from app.cli import CommandError

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
    if keep:
        _check_keep(Path(keep), config.data_dir)
    provision(config)
    with tempfile.TemporaryDirectory(prefix="kiosk-scenario-") as tmp:
        run_dir = Path(keep) if keep else Path(tmp)
        if keep:
            _empty_keep(run_dir, config.data_dir)
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


def _check_keep(run_dir: Path, data_dir: Path) -> None:
    """Refuse, before anything is done, a --keep directory the scenario may not empty."""
    from app.cli import CommandError

    where = f"--keep {run_dir}"
    target, data = run_dir.resolve(), data_dir.resolve()
    if target == data or target in data.parents:
        raise CommandError(f"{where}: that is (or holds) the data directory {data_dir}; nothing was deleted")
    if run_dir.is_symlink() or (run_dir.exists() and not run_dir.is_dir()):
        raise CommandError(f"{where}: not a directory; nothing was deleted")
    if run_dir.is_dir() and any(run_dir.iterdir()) and not (run_dir / KEEP_MARKER).is_file():
        raise CommandError(f"{where}: not empty and not written by an earlier scenario run (no {KEEP_MARKER}); "
                           "nothing was deleted: name an empty or new directory")


def _empty_keep(run_dir: Path, data_dir: Path) -> None:
    """Empty a directory an earlier run wrote (checked again: set-up ran since), then mark it ours."""
    _check_keep(run_dir, data_dir)
    if run_dir.is_dir() and (run_dir / KEEP_MARKER).is_file():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / KEEP_MARKER).write_text("written by `kiosk scenario --keep`: a later run may empty this directory\n")


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
