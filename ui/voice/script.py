"""What the kiosk says on each screen, and what it reminds the resident of: plain functions of the view.

Guidance follows the spirit of JIS S 0015 (voice guidance of consumer products): short polite
sentences, one instruction per sentence, the words the screen uses. Only fixed sentences and the
numbers of the transaction (amount due, change, certificates, tries left) are ever spoken: nothing
personal is in a ``SessionView`` that is read here, and nothing from it but numbers and codes.
"""
from __future__ import annotations

from kiosk.notices import NoticeCode
from kiosk.session_view import Screen, SessionView
from ui.voice.words import Line

TRIES_LOW = 3  # fewer tries than this left: say how many (the PIN page warns from the same number)

# On these screens the resident must take things away; reminders repeat until the card is taken or the screen ends.
REMINDING = frozenset({Screen.DONE, Screen.NOTICE, Screen.REMOVE_CARD})


def guidance(view: SessionView) -> list[Line]:
    """What is said when ``view.screen`` opens (and again on 繰り返し or a change of language)."""
    screen = view.screen
    if screen is Screen.ATTRACT:
        return [Line.of("voice.attract.closed" if view.closed_reason else "voice.attract")]
    if screen is Screen.PIN:
        lines = [Line.of("voice.pin.wrong" if view.wrong_pin else "voice.pin")]
        if view.tries_left is not None and view.tries_left < TRIES_LOW:
            lines.append(Line.of("voice.pin.tries_left", tries=view.tries_left))
        return lines
    if screen is Screen.PAYMENT:
        return [Line.of("voice.payment", amount=view.due)]
    code = view.notice.code if view.notice is not None else None
    if screen is Screen.DONE:  # what to take follows at once (the reminders); a failure first says so
        if code is not None:
            return [Line.of(f"voice.notice.{code.value}")] + _refund(view)
        return [Line.of("voice.done")]
    if screen is Screen.NOTICE:
        lines = [] if code is None else [Line.of(f"voice.notice.{code.value}")]
        return lines + _refund(view) + [Line.of("voice.notice")]
    return [Line.of(f"voice.{screen.value}")]


def reminders(view: SessionView) -> list[Line]:
    """One round of reminders, for what is still to take now (empty: nothing to remind of)."""
    if view.screen not in REMINDING:
        return []
    lines = [Line.of("voice.remind.card")] if view.card_present else []
    if view.screen is Screen.DONE:
        count = printed_copies(view)
        if count:
            lines.append(Line.of("voice.remind.certificates", count=count))
    if view.screen is Screen.NOTICE and view.notice is not None and view.notice.code is NoticeCode.CASH_RETURNED:
        lines.append(Line.of("voice.remind.returned"))
    if view.screen in (Screen.DONE, Screen.NOTICE) and view.change > 0:
        lines.append(Line.of("voice.remind.change", change=view.change))
    return lines


def reminds_at_once(screen: Screen) -> bool:
    """Whether the first round follows the guidance at once (the remove-card guidance is itself the reminder)."""
    return screen in (Screen.DONE, Screen.NOTICE)


def payment_rejected() -> Line:
    return Line.of("voice.payment.rejected")


def every_key() -> set[str]:
    """Every message id this module may say (the tests check each is in every language)."""
    keys = {f"voice.{s.value}" for s in Screen} | {f"voice.notice.{c.value}" for c in NoticeCode}
    keys |= {"voice.attract.closed", "voice.pin.wrong", "voice.pin.tries_left", "voice.payment.rejected",
             "voice.refund", "voice.remind.card", "voice.remind.certificates", "voice.remind.returned",
             "voice.remind.change", "voice.idle"}
    return keys


def printed_copies(view: SessionView) -> int:
    """Certificates to take on the done screen: every copy ordered, less those a print failure names."""
    notice = view.notice
    if notice is None:
        return sum(line.copies for line in view.order.lines)
    failed = set(getattr(notice, "kinds", ()))
    if notice.code is not NoticeCode.PRINT_FAILED or not failed:
        return 0  # what did print is not known here: the screen says it
    return sum(line.copies for line in view.order.lines if line.kind not in failed)


def _refund(view: SessionView) -> list[Line]:
    return [Line.of("voice.refund", amount=view.refund_owed)] if view.refund_owed > 0 else []
