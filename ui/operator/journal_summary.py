"""What the operator page shows from the money journal: today's sales, counts by kind, jobs not settled."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from kiosk.catalog.hours import local
from kiosk.journal.events import EventType, JournalEvent


@dataclass(frozen=True)
class DaySummary:
    sales: int = 0  # fees charged today, less what was owed back for failed prints
    charged: int = 0
    sessions: int = 0
    printed_by_kind: dict[str, int] = field(default_factory=dict)  # CertificateKind value → documents printed
    unsettled_jobs: tuple[str, ...] = ()  # submitted and neither completed nor failed (any day)


def summarize(events: list[JournalEvent], day: date) -> DaySummary:
    today = [e for e in events if local(e.at).date() == day]
    charged = sum(e.amount or 0 for e in today if e.type is EventType.FEE_CHARGED)
    failed = sum(e.amount or 0 for e in today if e.type is EventType.PRINT_FAILED and e.amount)
    kind_of_job: dict[str, str] = {}
    open_jobs: dict[str, None] = {}
    for e in events:
        job = e.job_id
        if job is None:
            continue
        if e.type is EventType.PRINT_SUBMITTED:
            parts = e.detail.split()
            kind_of_job[job] = parts[1] if len(parts) > 1 else "?"
            open_jobs[job] = None
        elif e.type in (EventType.PRINT_COMPLETED, EventType.PRINT_FAILED):
            open_jobs.pop(job, None)
    printed = Counter(kind_of_job.get(e.job_id, "?") for e in today
                      if e.type is EventType.PRINT_COMPLETED and e.job_id and (e.amount or 0) > 0)
    return DaySummary(
        sales=charged - failed,
        charged=charged,
        sessions=sum(1 for e in today if e.type is EventType.SESSION_OPENED),
        printed_by_kind=dict(printed),
        unsettled_jobs=tuple(open_jobs),
    )
