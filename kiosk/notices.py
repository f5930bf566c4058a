"""What the kiosk tells the resident when a session cannot go on the normal way.

The core names the situation; the UI words it (in every language) and says what the resident
can do. Amounts are yen; ``refusal`` carries the eligibility reason when there is one.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from kiosk.eligibility import Refusal
from kiosk.kinds import CertificateKind


class NoticeCode(Enum):
    CARD_PULLED = "card_pulled"  # the card left the reader before the kiosk asked for it
    NOT_A_MY_NUMBER_CARD = "not_a_my_number_card"
    JUKI_CARD = "juki_card"  # 住基カード: no longer accepted
    FACE_AUTH_CARD = "face_auth_card"  # 顔認証マイナンバーカード: no PIN, not usable here
    PIN_BLOCKED = "pin_blocked"  # unlock at the municipal office
    CARD_ERROR = "card_error"  # could not read the card: set it again
    CERTIFICATE_EXPIRED = "certificate_expired"
    CERTIFICATE_NOT_YET_VALID = "certificate_not_yet_valid"
    CERTIFICATE_REVOKED = "certificate_revoked"  # reported lost or suspended
    CERTIFICATE_INVALID = "certificate_invalid"  # unknown issuer, bad signature, not linked
    CENTER_UNAVAILABLE = "center_unavailable"
    PRINTER_UNAVAILABLE = "printer_unavailable"  # said before any money is taken
    ISSUE_REFUSED = "issue_refused"  # with ``refusal``
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    CASH_RETURNED = "cash_returned"  # cancel or timeout during payment: ``amount`` given back
    CHANGE_SHORT = "change_short"  # the unit could not pay all change: ``amount`` owed, staff pays
    PRINT_FAILED = "print_failed"  # paid but not printed: ``amount`` owed, staff refunds
    CASH_FAULT = "cash_fault"


@dataclass(frozen=True)
class Notice:
    code: NoticeCode
    refusal: Refusal | None = None
    amount: int | None = None
    kinds: tuple[CertificateKind, ...] = ()  # PRINT_FAILED: the certificates that did not print
