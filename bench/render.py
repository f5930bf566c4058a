"""Render each certificate kind many times; print the median ms per page and the PDF size.

    .venv/bin/python bench/render.py [--rounds N]

Documents come from the real center (printing.samples), rendered warm: fonts registered and
the first render of each kind done before timing. Each kind is rendered one-sided (fronts) and
two-sided (each front followed by its back, printing.back_side); a page is one face of a sheet.
Targets: <= 30 ms and <= 80 KB a page.
"""
from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.config import load_config  # noqa: E402
from kiosk.effects import count_pages  # noqa: E402
from printing.renderer import ReportlabRenderer  # noqa: E402
from printing.samples import SAMPLES, issue_samples  # noqa: E402
from printing.security.signer import SealSigner  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        config = dataclasses.replace(load_config(), data_dir=Path(scratch))
        issued = issue_samples(config)
        print(f"{'sample':<26}{'sides':>6}{'pages':>6}{'ms/page':>10}{'ms/doc':>9}{'KB':>8}{'KB/page':>9}")
        for order, (document, _) in zip(SAMPLES, issued):
            for two_sided in (False, True):
                renderer = ReportlabRenderer(
                    SealSigner(config.data_dir),
                    per_person_juminhyo=frozenset({order.municipality} if order.per_person else ()),
                    two_sided=two_sided,
                )
                pdf = renderer.render(document)
                timings = []
                for _ in range(args.rounds):
                    start = time.perf_counter()
                    renderer.render(document)
                    timings.append(time.perf_counter() - start)
                pages = count_pages(pdf)
                median = statistics.median(timings) * 1000
                kb = len(pdf) / 1024
                print(f"{order.file:<26}{2 if two_sided else 1:>6}{pages:>6}{median / pages:>10.1f}{median:>9.1f}"
                      f"{kb:>8.1f}{kb / pages:>9.1f}")


if __name__ == "__main__":
    main()
