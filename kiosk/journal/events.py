"""What the money journal records, and what a row's short detail text may contain.

Detail text is a few space-separated ASCII tokens, positional per event type:
print_submitted ``<job id> <op-seq> [found|late]``, print_completed ``<job id>``, print_failed
``<job id> <reason>``, session_opened/kiosk_started ``<kiosk id>``, refund_owed ``<reason>``,
session_closed ``<outcome>``. Details come from an allow-list, not a filter: every token must be
one the kiosk itself writes (``scrub_detail``) and anything else is stored as ``[redacted]``. A
filter of patterns has to foresee every way a PIN, a 個人番号 or a name can be spelled, and
missed ``pin-4721``, ``x.770914534160`` and ``SILVA RAFAEL``; the kiosk knows every word it
writes. A new kind of detail needs its words or token shape added here (tests/test_journal.py
checks every detail the flow, recovery and staff work write). We redact instead of refusing so
that a bad detail can never cost the money fact itself; amounts, types and refs are checked
strictly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from kiosk.kinds import CertificateKind
from kiosk.notices import NoticeCode
from kiosk.ports.printer import PrinterState


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
REDACTED = "[redacted]"
MAX_DETAIL_TOKENS = 8
_JOB_TYPES = frozenset({
    EventType.PRINT_SUBMITTED, EventType.PRINT_COMPLETED, EventType.PRINT_FAILED, EventType.PRINT_CANCELLED,
})

# --- the vocabulary of details --------------------------------------------------------------------

# Words the flow (kiosk/session.py), recovery (recovery.py) and refund withdrawals write: reasons,
# notes and outcomes. Notice codes, certificate kinds and printer states are added below.
_WORDS = frozenset({
    "after", "cancelled", "cash", "change", "count_cash_box", "delivered", "emptied-escrow", "failed",
    "fault", "found", "found-in-escrow", "interrupted", "interrupted_session", "journal", "keep-escrow",
    "late", "not-done", "print", "printed", "printed-late", "recovered", "retain-escrow", "return",
    "short", "stack", "stacked", "timeout", "unknown", "unsettled_at_close",
    # what the printer adapters say of a failed job (hardware/printer/): folder and CUPS
    "aborted", "canceled", "job-state", "not-a-pdf", "stopped", "unknown-job",
})
# IPP printer-state-reasons (RFC 8011 §5.4.12, PWG 5100.9, CUPS), each also with -error,
# -warning or -report: the CUPS printer names the device fault that failed a job.
_IPP_REASONS = frozenset({
    "other", "media-needed", "media-jam", "moving-to-paused", "paused", "shutdown", "connecting-to-device",
    "timed-out", "stopping", "stopped-partly", "toner-low", "toner-empty", "spool-area-full", "cover-open",
    "interlock-open", "door-open", "input-tray-missing", "media-low", "media-empty", "output-tray-missing",
    "output-area-almost-full", "output-area-full", "marker-supply-low", "marker-supply-empty",
    "marker-waste-almost-full", "marker-waste-full", "fuser-over-temp", "fuser-under-temp", "opc-near-eol",
    "opc-life-over", "developer-low", "developer-empty", "interpreter-resource-unavailable", "offline",
    "deactivated", "hold-new-jobs", "identify-printer-requested", "printer-restarted", "printer-shutdown",
    "cups-missing-filter", "cups-insecure-filter", "cups-waiting-for-job-completed", "processing-to-stop-point",
})
_IPP_SEVERITY = re.compile(r"-(?:error|warning|report)$")
# Outcomes are notice codes, printed documents are named by kind, folder jobs fail by printer state.
_KNOWN_WORDS = (_WORDS | {c.value for c in NoticeCode} | {k.value for k in CertificateKind}
                | {s.value for s in PrinterState})
# Tokens with a number, by shape: what each number is leaves no room for anything else.
_SHAPES = re.compile(r"""
    op-[1-9][0-9]{0,8}                      # an operation: its intent row's number
  | op-[a-z][a-z_]{0,15}[0-9]{0,3}          # a staff member's operator id (operator_token)
  | ref-[0-9]{6,9}                          # a refund's reference
  | em-(?:[0-9]{1,9}|[a-p]{16})             # an emergency return: the flow's request, or recovery's
  | m-[0-9]{6}                              # a municipality code
  | folder-[0-9]{6,9}                       # a job of the folder printer
  | d-[0-9]{1,5}=[0-9]{1,6}                 # staff cash work: pieces of one denomination
  | day-20[0-9]{2}-[01][0-9]-[0-3][0-9]     # the daily close: its day,
  | (?:since|to)-[0-9]{6,9}                 #   the rows it covers,
  | docs-[0-9]{1,6} | sales-[0-9]{1,9}      #   its sales
  | [0-9]{1,3}                              # a small number: a document's place, an IPP job-state
""", re.VERBOSE)
_CLASS_NAME = re.compile(r"[A-Z][A-Za-z0-9]{2,63}")  # a failed call is journaled by its exception's type
# Names the deployment gives itself, allowed once the composition root or an adapter says so:
# its kiosk id, and its print queue as the start of job ids.
_NAME = re.compile(r"[A-Za-z](?:[A-Za-z_.]|-[0-9]{1,9}|-|[0-9](?![0-9]{3}))*")
_names: set[str] = set()
_job_prefixes: set[str] = set()
_exception_names: frozenset[str] = frozenset()


def allow_name(name: str) -> bool:
    """Let details name this deployment's ``name`` (its kiosk id). False, and nothing allowed,
    for a name that is not one letter then letters, digits, ``_ . -`` (at most 32), or that holds
    a run of four digits or more anywhere but right after ``-`` (it would look like a PIN)."""
    if len(name) > 32 or not _NAME.fullmatch(name):
        return False
    _names.add(name)
    return True


def allow_job_prefix(queue: str) -> bool:
    """Let details name the jobs of print queue ``queue`` (``<queue>-<job number>``); as ``allow_name``."""
    if not allow_name(queue):
        return False
    _job_prefixes.add(queue)
    return True


def scrub_detail(text: str) -> str:
    """The detail as it will be stored: at most a few tokens, each one of the vocabulary or else redacted."""
    tokens = text.split()[:MAX_DETAIL_TOKENS]
    return " ".join(token if allowed_token(token) else REDACTED for token in tokens)


def allowed_token(token: str) -> bool:
    """Whether ``token`` is one the kiosk writes; a word may end in ``:`` or ``,`` as in ``stopped:``."""
    word = token[:-1] if token[-1:] in (":", ",") else token
    if not word or not word.isascii():
        return False
    if word in _KNOWN_WORDS or word in _names or _SHAPES.fullmatch(word):
        return True
    if _IPP_SEVERITY.sub("", word) in _IPP_REASONS:
        return True
    queue, dash, number = word.rpartition("-")
    if dash and queue in _job_prefixes and number.isdigit() and len(number) <= 9:
        return True
    return bool(_CLASS_NAME.fullmatch(word)) and _is_exception_name(word)


def _is_exception_name(word: str) -> bool:
    """The name of an exception class this process has loaded (looked up again when unknown, since
    modules load later). Not a pattern: a personal name is not an exception class."""
    global _exception_names
    if word not in _exception_names:
        names, pending = set(), [BaseException]
        while pending:
            cls = pending.pop()
            names.add(cls.__name__)
            pending.extend(cls.__subclasses__())
        _exception_names = frozenset(names)
    return word in _exception_names


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
