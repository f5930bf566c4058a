"""Where a session's money went, summed from its journal events."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from kiosk.journal.events import EventType, JournalEvent

_ESCROW_EMPTIED = frozenset({EventType.CASH_STACKED, EventType.CASH_RETURNED})


@dataclass(frozen=True)
class SessionBalance:
    credited: int  # everything the resident put in
    returned: int  # escrow given back
    charged: int  # the fee the stacked money paid
    change: int  # change actually dispensed
    printed_value: int  # fees of the print jobs that completed
    owed: int  # refunds recorded as owed, less those withdrawn
    stacked: int = 0  # escrow moved into the unit
    escrow: int = 0  # credited after the last stack or return: still in escrow, as the journal knows it

    @property
    def undelivered(self) -> int:
        """Money taken and neither given back, printed for, nor already owed.

        Credit still in escrow counts: after a crash the kiosk cannot know whether it went back.
        The books of a closed session balance when this is 0:
        credited = printed + change paid + returned + owed.
        """
        return self.credited - self.returned - self.change - self.printed_value - self.owed


def yen(event: JournalEvent) -> int:
    """The amount of a row whose type carries one: ``check_entry`` writes none of them without it."""
    assert event.amount is not None, f"#{event.seq} {event.type.value} has no amount"
    return event.amount


def balance_of(events: Iterable[JournalEvent]) -> SessionBalance:
    totals = {t: 0 for t in EventType}
    job_values: dict[str, int] = {}
    completed: set[str] = set()
    escrow = 0
    for event in events:
        totals[event.type] += event.amount or 0
        if event.type is EventType.CASH_CREDITED:
            escrow += yen(event)
        elif event.type in _ESCROW_EMPTIED:
            escrow = 0
        if event.job_id is None:
            continue
        if event.type is EventType.PRINT_SUBMITTED:
            job_values[event.job_id] = yen(event)
        elif event.type is EventType.PRINT_COMPLETED:
            completed.add(event.job_id)
    return SessionBalance(
        credited=totals[EventType.CASH_CREDITED],
        returned=totals[EventType.CASH_RETURNED],
        charged=totals[EventType.FEE_CHARGED],
        change=totals[EventType.CHANGE_DISPENSED],
        # a job is worth what its submission said; a completion matching no submission is worth nothing
        printed_value=sum(value for job, value in job_values.items() if job in completed),
        owed=totals[EventType.REFUND_OWED] - totals[EventType.REFUND_WITHDRAWN],
        stacked=totals[EventType.CASH_STACKED],
        escrow=escrow,
    )
