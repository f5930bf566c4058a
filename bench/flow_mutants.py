"""Would the state machine see bugs (a) to (e) of the money issue again? Put each one back into a
copy of ``kiosk/session.py`` and run ``tests/test_flow_stateful.py`` against it.

Each mutant undoes one fix, in a child process that loads the mutated source as ``kiosk.session``:

- a: a session closes while a request it made is still out (cancel while cash is being returned);
- b: a card set while stray cash is returned opens a session on top of the stray one;
- c: an answer that comes after its request was given up is dropped;
- d: stacking is not compared with what was charged;
- e: a device call that raises is dropped.

Per mutant it prints whether the machine failed and which promise it reported, the time it took,
and the same for the unmutated flow (which must pass). The machine runs with the profile
``make test`` uses, without shrinking (shrinking only makes the report shorter) and without the
example database (so nothing is replayed from an earlier run).

    .venv/bin/python bench/flow_mutants.py [--profile default|quick|thorough] [--only a,c] [--repeat N]
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSION = ROOT / "kiosk" / "session.py"

MUTANTS: dict[str, list[tuple[str, str]]] = {
    "a": [("        if any(r.session_id == s.id for r in self._requests.values()):\n            return []\n",
           "")],
    "b": [("        if s is not None and s.ending:\n            # the next resident",
           "        if s is not None and s.ending and not s.stray:\n            # the next resident"),
          ("        if self._screen is Screen.ATTRACT and s is None:",
           "        if self._screen is Screen.ATTRACT and (s is None or s.stray):")],
    "c": [("        req = self._given_up.pop(request_id, None)\n        return req, req is not None\n",
           "        return None, False\n")],
    "d": [("        if e.amount < req.amount or s.ending:", "        if s.ending:")],
    "e": [("        return self._fail(req, e.reason) if req is not None else []\n", "        return []\n")],
}


def mutated_source(name: str) -> str:
    source = SESSION.read_text(encoding="utf-8")
    for old, new in MUTANTS.get(name, []):
        if source.count(old) != 1:
            raise SystemExit(f"mutant {name}: the code it undoes is no longer in kiosk/session.py: {old!r}")
        source = source.replace(old, new)
    return source


def child(name: str, profile: str) -> None:
    """Run the machine once against the mutated flow; print one line: caught or not, and why."""
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    spec = importlib.util.spec_from_loader("kiosk.session", loader=None, origin=str(SESSION))
    module = importlib.util.module_from_spec(spec)
    sys.modules["kiosk.session"] = module
    exec(compile(mutated_source(name), str(SESSION), "exec"), module.__dict__)

    from hypothesis import Phase

    from kiosk.config import load_config
    from app.provision import provision
    from test_flow_stateful import run_flow_machine

    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        template = Path(tmp) / "template"
        provision(dataclasses.replace(load_config(), data_dir=template))
        started = time.perf_counter()
        try:
            run_flow_machine(template, Path(tmp), profile=profile, phases=(Phase.generate,), database=None,
                             derandomize=False, print_blob=False)
        except BaseException as exc:  # noqa: BLE001 - whatever the machine raised is the finding
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            print(f"caught {time.perf_counter() - started:.1f} {type(exc).__name__}: {first[:150]}")
            return
        print(f"passed {time.perf_counter() - started:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="default")
    parser.add_argument("--only", default="none," + ",".join(MUTANTS))
    parser.add_argument("--repeat", type=int, default=1, help="runs per mutant, each with fresh random examples")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.profile)
        return
    failures = 0
    for name in args.only.split(","):
        results = []
        for _ in range(args.repeat):
            out = subprocess.run([sys.executable, __file__, "--child", name, "--profile", args.profile],
                                 capture_output=True, text=True, cwd=ROOT)
            line = (out.stdout.strip().splitlines() or [f"error {out.stderr.strip()[-300:]}"])[-1]
            results.append(line)
        caught = [r for r in results if r.startswith("caught")]
        times = [float(r.split()[1]) for r in results if r.split()[0] in ("caught", "passed")]
        median = f"{statistics.median(times):.1f} s" if times else "-"
        expected = name == "none"
        ok = (not caught) if expected else len(caught) == len(results)
        failures += not ok
        label = "unmutated flow" if expected else f"mutant {name}"
        print(f"{label}: caught {len(caught)} of {len(results)} runs, median {median}"
              + (f" ({caught[0].split(' ', 2)[2]})" if caught else ""))
    print(f"mutants missed or unmutated flow failing: {failures}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
