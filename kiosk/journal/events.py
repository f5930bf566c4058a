"""What the money journal records, and what a row's short detail text may contain.

Detail text is a few space-separated ASCII tokens, positional per event type:
print_submitted ``<job id> <kind>``, print_completed ``<job id>``, print_failed ``<job id>
<reason>``, session_opened/kiosk_started ``<kiosk id>``, refund_owed ``<reason>``,
session_closed ``<outcome>``. Every token that could carry a PIN or personal data is replaced
by ``[redacted]`` before the row is written: a token must start with an ASCII letter (or be a
number below 1000) and may hold no run of four or more digits unless that run follows ``-``,
``_`` or ``.`` as in ``folder-000001``. So a bare PIN, a 個人番号, ``pin1234``, a name or an
address never reach the journal, while job ids do. We scrub instead of refusing so that a bad
detail can never cost the money fact itself; amounts, types and refs are checked strictly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class EventType(Enum):
    KIOSK_STARTED = "kiosk_started"
    SESSION_OPENED = "session_opened"
    CASH_CREDITED = "cash_credited"  # amount = the denomination now in escrow
    STACK_STARTED = "stack_started"  # intent: amount = escrow about to be stacked
    CASH_STACKED = "cash_stacked"  # outcome: amount = what the unit says it stacked
    FEE_CHARGED = "fee_charged"  # the stacked escrow now pays the order's fee
    RETURN_STARTED = "return_started"  # intent: amount = escrow about to be given back
    CASH_RETURNED = "cash_returned"
    CHANGE_STARTED = "change_started"  # intent: amount = change about to be paid out
    CHANGE_DISPENSED = "change_dispensed"
    PRINT_STARTED = "print_started"  # intent: amount = the fee of the document about to be sent
    PRINT_SUBMITTED = "print_submitted"  # amount = the fee this job stands for (0 for a receipt)
    PRINT_COMPLETED = "print_completed"
    PRINT_FAILED = "print_failed"
    PRINT_CANCELLED = "print_cancelled"  # given up on and cancelled: it will never print
    REFUND_OWED = "refund_owed"  # staff pay it out by hand; its reference is ``ref-<seq>``
    REFUND_WITHDRAWN = "refund_withdrawn"  # a late device answer showed it was delivered after all
    REFUND_PAID = "refund_paid"  # staff paid a refund: detail ``ref-<seq> <operator>``
    SESSION_CLOSED = "session_closed"
    CASH_COLLECTED = "cash_collected"  # operator emptied the cash box (no session)
    FLOAT_TOPPED_UP = "float_topped_up"  # operator added change coins (no session)
    DAY_CLOSED = "day_closed"  # the daily close (日計) was taken (no session)


# Events that belong to no session: the kiosk's own and the operator's.
KIOSK_EVENTS = frozenset({
    EventType.KIOSK_STARTED, EventType.CASH_COLLECTED, EventType.FLOAT_TOPPED_UP, EventType.DAY_CLOSED,
})
# What may still be written after a session closed: answers that arrived late, and settlement.
LATE_EVENTS = frozenset({
    EventType.RETURN_STARTED, EventType.CASH_STACKED, EventType.CASH_RETURNED, EventType.CHANGE_DISPENSED, EventType.PRINT_SUBMITTED,
    EventType.PRINT_COMPLETED, EventType.PRINT_FAILED, EventType.PRINT_CANCELLED, EventType.REFUND_OWED,
    EventType.REFUND_WITHDRAWN, EventType.REFUND_PAID,
})


class JournalEntryError(ValueError):
    """A caller bug: the entry does not fit its event type. Never quotes the offending value."""


class AmountRule(Enum):
    NONE = "none"
    OPTIONAL = "optional"  # informative only, e.g. the fee a completed job stood for
    ZERO_OR_MORE = "zero_or_more"
    POSITIVE = "positive"


AMOUNT_RULES: dict[EventType, AmountRule] = {
    EventType.KIOSK_STARTED: AmountRule.NONE,
    EventType.SESSION_OPENED: AmountRule.NONE,
    EventType.CASH_CREDITED: AmountRule.POSITIVE,
    EventType.STACK_STARTED: AmountRule.ZERO_OR_MORE,
    EventType.CASH_STACKED: AmountRule.ZERO_OR_MORE,
    EventType.RETURN_STARTED: AmountRule.ZERO_OR_MORE,
    EventType.CASH_RETURNED: AmountRule.ZERO_OR_MORE,
    EventType.FEE_CHARGED: AmountRule.ZERO_OR_MORE,
    EventType.CHANGE_STARTED: AmountRule.POSITIVE,
    EventType.CHANGE_DISPENSED: AmountRule.ZERO_OR_MORE,
    EventType.PRINT_STARTED: AmountRule.ZERO_OR_MORE,
    EventType.PRINT_SUBMITTED: AmountRule.ZERO_OR_MORE,
    EventType.PRINT_COMPLETED: AmountRule.OPTIONAL,
    EventType.PRINT_FAILED: AmountRule.OPTIONAL,
    EventType.PRINT_CANCELLED: AmountRule.OPTIONAL,
    EventType.REFUND_OWED: AmountRule.POSITIVE,
    EventType.REFUND_WITHDRAWN: AmountRule.POSITIVE,
    EventType.REFUND_PAID: AmountRule.POSITIVE,
    EventType.SESSION_CLOSED: AmountRule.NONE,
    EventType.CASH_COLLECTED: AmountRule.ZERO_OR_MORE,
    EventType.FLOAT_TOPPED_UP: AmountRule.ZERO_OR_MORE,
    EventType.DAY_CLOSED: AmountRule.NONE,
}

IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,47}")  # kiosk ids, job ids, resident refs
_SAFE_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_.:/=-]{0,47}|\d{1,3}")
_LONG_DIGIT_RUN = re.compile(r"(?<![-_.\d])\d{4,}")  # a whole run, not its tail
REDACTED = "[redacted]"
MAX_DETAIL_TOKENS = 8
_JOB_TYPES = frozenset({
    EventType.PRINT_SUBMITTED, EventType.PRINT_COMPLETED, EventType.PRINT_FAILED, EventType.PRINT_CANCELLED,
})


def scrub_detail(text: str) -> str:
    """The detail as it will be stored: unsafe tokens redacted, at most a few tokens kept."""
    tokens = text.split()[:MAX_DETAIL_TOKENS]
    return " ".join(token if _safe(token) else REDACTED for token in tokens)


def _safe(token: str) -> bool:
    return bool(_SAFE_TOKEN.fullmatch(token)) and not _LONG_DIGIT_RUN.search(token)


def check_entry(event_type: EventType, amount: int | None, resident_ref: str | None) -> None:
    rule = AMOUNT_RULES[event_type]
    if amount is None:
        if rule in (AmountRule.ZERO_OR_MORE, AmountRule.POSITIVE):
            raise JournalEntryError(f"{event_type.value} needs an amount in yen")
    elif rule is AmountRule.NONE:
        raise JournalEntryError(f"{event_type.value} carries no amount")
    elif not isinstance(amount, int) or isinstance(amount, bool):
        raise JournalEntryError(f"{event_type.value}: the amount must be whole yen")
    elif amount < (1 if rule is AmountRule.POSITIVE else 0):
        raise JournalEntryError(f"{event_type.value}: amount out of range")
    if resident_ref is not None and not IDENTIFIER.fullmatch(resident_ref):
        raise JournalEntryError("resident_ref must be an opaque identifier")


@dataclass(frozen=True)
class JournalEvent:
    seq: int
    session_id: str | None  # None only for kiosk_started
    at: datetime
    type: EventType
    amount: int | None
    detail: str
    resident_ref: str | None

    @property
    def job_id(self) -> str | None:
        """The print job a print_* row is about (its first detail token), if it names one."""
        first = self.detail.split(" ", 1)[0]
        return first if self.type in _JOB_TYPES and IDENTIFIER.fullmatch(first) else None

    def describe(self) -> str:
        """One line for the operator: no personal data, as none is stored."""
        parts = [f"#{self.seq}", self.at.isoformat(), (self.session_id or "-")[:8], self.type.value]
        if self.amount is not None:
            parts.append(f"{self.amount} yen")
        if self.detail:
            parts.append(self.detail)
        if self.resident_ref:
            parts.append(f"[{self.resident_ref}]")
        return " ".join(parts)
