"""The daily close (日計): what one business day took in, paid out, sold and owes, from the journal.

The period is either a calendar day in Japan (``day``), or everything since the last close
(the default: a close taken late, or a day without one, leaves nothing out). A close records
the last row it covered (``to-<seq>``), and the next "since" close starts after the row the
last "since" close covered; a calendar day's close (e.g. reprinting a past day) is a report
only and moves nothing, so no row is ever left out of, or counted twice by, the "since" chain.

Sales are documents whose print job completed in the period. The rows tie together: print_started
(amount = fee, detail ``<index> <kind> m-<municipality>``) is the intent, print_submitted
(``<job id> op-<seq of print_started>``) names the job, print_completed (``<job id>``) says it
printed. A job counts once, at its first completion. Nothing personal is read or reported.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Mapping

from kiosk.catalog.hours import local
from kiosk.journal.events import EventType, JournalEvent
from kiosk.journal.unusable import KioskJournal
from kiosk.ports.cash import CashCounters

UNKNOWN = "?"


@dataclass(frozen=True)
class SalesLine:
    kind: str  # CertificateKind value, or "?" when the rows do not say
    municipality: str  # municipality code, or "?"
    count: int  # documents printed
    amount: int  # their fees, in yen


@dataclass(frozen=True)
class DayClose:
    kiosk_id: str
    taken_at: datetime
    business_day: date
    since: datetime | None  # "since the last close": when that close was taken (None: the journal's start)
    whole_day: bool  # True: the calendar day ``business_day``; False: since the last close
    last_seq: int  # the last journal row this close covers
    after_seq: int  # "since the last close": the last row the previous close covered (0: none)
    sales: tuple[SalesLine, ...]
    credited: int  # cash put in
    stacked: int  # cash kept by the unit
    returned: int  # cash given back from escrow
    change_paid: int
    charged: int  # fees the stacked cash paid
    collected: int  # taken out of the cash box by staff
    topped_up: int  # added to the change float by staff
    refunds_owed: int  # refunds that arose in the period
    refunds_paid: int  # settled by staff in the period
    refunds_withdrawn: int  # proved unnecessary in the period
    outstanding: int  # every refund still owed now, whatever day it arose
    outstanding_count: int
    unfinished: int  # what start-up recovery will owe for sessions left open
    counters: CashCounters | None = None  # the cash unit's own totals at the close
    float_counts: Mapping[int, int] | None = None  # change float per denomination, if the unit can tell
    municipality_names: Mapping[str, str] = field(default_factory=dict)

    @property
    def sales_count(self) -> int:
        return sum(line.count for line in self.sales)

    @property
    def sales_total(self) -> int:
        return sum(line.amount for line in self.sales)

    def period_token(self) -> str:
        """How the day_closed row names its period (a detail token that survives scrubbing)."""
        return f"day-{self.business_day.isoformat()}" if self.whole_day else f"since-{self.after_seq:06d}"


def close_day(journal: KioskJournal, *, kiosk_id: str, now: datetime, day: date | None = None,
              counters: CashCounters | None = None, float_counts: Mapping[int, int] | None = None,
              municipality_names: Mapping[str, str] | None = None) -> DayClose:
    """The figures of ``day`` (a JST date), or of everything since the last close when ``day`` is None."""
    events = journal.events()
    if day is not None:
        period = [e for e in events if local(e.at).date() == day]
        since, boundary = None, 0
        last_seq = period[-1].seq if period else 0
    else:
        previous = _last_since_close(events)
        boundary = _covered_up_to(previous) if previous else 0
        period = [e for e in events if e.seq > boundary]
        since = previous.at if previous else None
        last_seq = events[-1].seq if events else 0
    totals = {t: 0 for t in EventType}
    for e in period:
        totals[e.type] += e.amount or 0
    owed = journal.refunds_owed()
    return DayClose(
        kiosk_id=kiosk_id, taken_at=now, business_day=day or local(now).date(), since=since,
        whole_day=day is not None, last_seq=last_seq, after_seq=boundary, sales=_sales(events, {e.seq for e in period}),
        credited=totals[EventType.CASH_CREDITED], stacked=totals[EventType.CASH_STACKED],
        returned=totals[EventType.CASH_RETURNED], change_paid=totals[EventType.CHANGE_DISPENSED],
        charged=totals[EventType.FEE_CHARGED], collected=totals[EventType.CASH_COLLECTED],
        topped_up=totals[EventType.FLOAT_TOPPED_UP], refunds_owed=totals[EventType.REFUND_OWED],
        refunds_paid=totals[EventType.REFUND_PAID], refunds_withdrawn=totals[EventType.REFUND_WITHDRAWN],
        outstanding=sum(r.amount for r in owed), outstanding_count=len(owed),
        unfinished=sum(amount for _, amount in journal.unfinished_owed()),
        counters=counters, float_counts=dict(float_counts) if float_counts is not None else None,
        municipality_names=dict(municipality_names or {}),
    )


def record_close(journal: KioskJournal, report: DayClose) -> JournalEvent:
    """Journal that the close was taken: its period, the last row it covers, and its sales."""
    detail = f"{report.period_token()} to-{report.last_seq:06d} docs-{report.sales_count} sales-{report.sales_total}"
    return journal.kiosk_event(EventType.DAY_CLOSED, None, detail)


def summary_lines(report: DayClose) -> list[str]:
    """A short text summary for the command line (no personal data: none is in the report)."""
    period = (report.business_day.isoformat() if report.whole_day
              else f"since {report.since.isoformat() if report.since else 'the start of the journal'}")
    lines = [f"day close {report.kiosk_id} {period} (to row {report.last_seq})"]
    for s in report.sales:
        lines.append(f"  {s.kind} {s.municipality}: {s.count} documents, {s.amount} yen")
    lines += [
        f"sales: {report.sales_count} documents, {report.sales_total} yen (fees charged {report.charged} yen)",
        f"cash: in {report.credited} yen, stacked {report.stacked}, returned {report.returned}, "
        f"change paid {report.change_paid}, collected {report.collected}, topped up {report.topped_up}",
        f"refunds: owed {report.refunds_owed} yen, paid {report.refunds_paid}, withdrawn {report.refunds_withdrawn}; "
        f"outstanding {report.outstanding} yen ({report.outstanding_count})"
        + (f", unfinished sessions {report.unfinished} yen" if report.unfinished else ""),
    ]
    if report.counters is not None:
        c = report.counters
        lines.append(f"cash unit: credited {c.credited}, stacked {c.stacked}, returned {c.returned}, "
                     f"paid out {c.paid_out}, retained {c.retained}, escrow {c.escrow}")
    return lines


def _last_since_close(events: list[JournalEvent]) -> JournalEvent | None:
    """The last close of the "since" kind: a calendar day's close (a reprint, say) does not move the start."""
    return next((e for e in reversed(events) if e.type is EventType.DAY_CLOSED and e.detail.startswith("since-")), None)


def _covered_up_to(close: JournalEvent) -> int:
    """The last row a close covered (``to-<seq>``); its own row if it does not say."""
    for token in close.detail.split():
        number = token.removeprefix("to-")
        if number != token and number.isdigit():
            return int(number)
    return close.seq


def _sales(events: list[JournalEvent], in_period: set[int]) -> tuple[SalesLine, ...]:
    started: dict[int, JournalEvent] = {}  # print_started rows by seq
    job_intent: dict[str, int] = {}  # job id -> seq of its print_started
    job_fee: dict[str, int] = {}
    counted: set[str] = set()
    lines: dict[tuple[str, str], list[int]] = {}
    for e in events:
        if e.type is EventType.PRINT_STARTED:
            started[e.seq] = e
        elif e.type is EventType.PRINT_SUBMITTED and e.job_id:
            words = e.detail.split()
            op = words[1] if len(words) > 1 else ""
            if op.startswith("op-") and op[3:].isdigit() and int(op[3:]) in started:
                job_intent[e.job_id] = int(op[3:])
                job_fee[e.job_id] = e.amount or 0
        elif e.type is EventType.PRINT_COMPLETED and e.job_id in job_intent and e.job_id not in counted:
            counted.add(e.job_id)  # a second completion row for the same job is not a second sale
            if e.seq not in in_period:
                continue
            kind, municipality = _what_was_printed(started[job_intent[e.job_id]])
            line = lines.setdefault((kind, municipality), [0, 0])
            line[0] += 1
            line[1] += job_fee[e.job_id]
    return tuple(SalesLine(kind, municipality, n, yen) for (kind, municipality), (n, yen) in sorted(lines.items()))


def _what_was_printed(started: JournalEvent) -> tuple[str, str]:
    words = started.detail.split()
    kind = words[1] if len(words) > 1 else UNKNOWN
    municipality = next((w[2:] for w in words[2:] if w.startswith("m-")), UNKNOWN)
    return kind, municipality
