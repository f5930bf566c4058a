"""The daily close as CSV (UTF-8, one header row) for the office's spreadsheet. No personal data.

One row per figure: ``section,item,municipality,count,yen,value``. Sales rows carry the kind
and municipality code with their count and yen; the period rows carry their value as text.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from kiosk.journal.day_close import DayClose

HEADER = ("section", "item", "municipality", "count", "yen", "value")
FOLDER = "day-close"  # under the data directory


def csv_text(report: DayClose) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(_rows(report))
    return out.getvalue()


def write_csv(report: DayClose, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text(csv_text(report), encoding="utf-8")
    partial.replace(path)  # never a half-written file under the final name
    return path


def default_path(data_dir: Path, report: DayClose) -> Path:
    """Where the operator page saves it: one file per close, named by business day and time taken."""
    return data_dir / FOLDER / f"{report.business_day.isoformat()}_{report.taken_at:%H%M%S}.csv"


def _rows(r: DayClose) -> list[tuple[str | int, ...]]:
    rows: list[tuple[str | int, ...]] = [
        ("period", "kiosk_id", "", "", "", r.kiosk_id),
        ("period", "business_day", "", "", "", r.business_day.isoformat()),
        ("period", "whole_day", "", "", "", "yes" if r.whole_day else "no"),
        ("period", "since", "", "", "", r.since.isoformat() if r.since else ""),
        ("period", "taken_at", "", "", "", r.taken_at.isoformat()),
        ("period", "last_row", "", "", "", r.last_seq),
    ]
    rows += [("sales", s.kind, s.municipality, s.count, s.amount, "") for s in r.sales]
    rows.append(("sales", "total", "", r.sales_count, r.sales_total, ""))
    rows += [("cash", item, "", "", yen, "") for item, yen in (
        ("credited", r.credited), ("stacked", r.stacked), ("returned", r.returned), ("change_paid", r.change_paid),
        ("charged", r.charged), ("collected", r.collected), ("topped_up", r.topped_up),
    )]
    rows += [("refunds", item, "", "", yen, "") for item, yen in (
        ("owed", r.refunds_owed), ("paid", r.refunds_paid), ("withdrawn", r.refunds_withdrawn),
    )]
    rows.append(("refunds", "outstanding", "", r.outstanding_count, r.outstanding, ""))
    rows.append(("refunds", "unfinished_sessions", "", "", r.unfinished, ""))
    if r.counters is not None:
        c = r.counters
        rows += [("counters", item, "", "", yen, "") for item, yen in (
            ("credited", c.credited), ("stacked", c.stacked), ("returned", c.returned), ("paid_out", c.paid_out),
            ("retained", c.retained), ("escrow", c.escrow), ("collected", c.collected), ("topped_up", c.topped_up),
        )]
    if r.float_counts is not None:
        rows += [("float", str(d), "", n, d * n, "") for d, n in sorted(r.float_counts.items())]
    return rows
