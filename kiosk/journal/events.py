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
    CASH_RETURNED = "cash_returned"
    FEE_CHARGED = "fee_charged"  # escrow stacked for the order's fee
    PRINT_SUBMITTED = "print_submitted"  # amount = the fee this job stands for (0 for a receipt)
    PRINT_COMPLETED = "print_completed"
    PRINT_FAILED = "print_failed"
    CHANGE_DISPENSED = "change_dispensed"
    REFUND_OWED = "refund_owed"  # staff pay it out by hand
    SESSION_CLOSED = "session_closed"


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
    EventType.CASH_RETURNED: AmountRule.ZERO_OR_MORE,
    EventType.FEE_CHARGED: AmountRule.ZERO_OR_MORE,
    EventType.PRINT_SUBMITTED: AmountRule.ZERO_OR_MORE,
    EventType.PRINT_COMPLETED: AmountRule.OPTIONAL,
    EventType.PRINT_FAILED: AmountRule.OPTIONAL,
    EventType.CHANGE_DISPENSED: AmountRule.ZERO_OR_MORE,
    EventType.REFUND_OWED: AmountRule.POSITIVE,
    EventType.SESSION_CLOSED: AmountRule.NONE,
}

IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,47}")  # kiosk ids, job ids, resident refs
_SAFE_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_.:/=-]{0,47}|\d{1,3}")
_LONG_DIGIT_RUN = re.compile(r"(?<![-_.\d])\d{4,}")  # a whole run, not its tail
REDACTED = "[redacted]"
MAX_DETAIL_TOKENS = 8
_JOB_TYPES = frozenset({EventType.PRINT_SUBMITTED, EventType.PRINT_COMPLETED, EventType.PRINT_FAILED})


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
