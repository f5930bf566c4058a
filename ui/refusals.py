"""Refusals on a screen others can see: the way out, and the private reason only when asked.

A tax status, a missing seal registration, a move filed, an age, a support measure (DV victims)
are nobody else's business; the message for those says where to ask, and the resident can show
the reason with one touch.
"""
from __future__ import annotations

from kiosk.eligibility import RefusalReason

PRIVATE = frozenset({
    RefusalReason.TAXED, RefusalReason.NO_TAX_DECLARATION, RefusalReason.NO_SEAL_REGISTERED,
    RefusalReason.MOVING_OUT, RefusalReason.NOT_RESIDENT_ON_JAN1, RefusalReason.UNDER_AGE,
    RefusalReason.DECEASED, RefusalReason.SUPPORT_MEASURE,
})


def refusal_words(tr, reason: RefusalReason, details: bool) -> str:
    """What a refusal says on screen: the way out, and the private reason only on request."""
    if reason in PRIVATE and not details:
        return tr("refusal.private")
    return tr(f"refusal.{reason.value}")
