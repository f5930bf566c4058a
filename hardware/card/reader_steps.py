"""What every CardReader adapter does with a ``JpkiSession``: the probe and VERIFY-then-sign.

Shared by the simulated and the PC/SC readers so both make the same decisions:

- ``read_probe`` reads the certificate only from a My Number card whose PIN is usable: a
  blocked or PIN-less card cannot authenticate and the old 住基カード is refused. A phone wants
  the PIN before its certificate (jpki/myna issue #6), so ``verify_then_sign`` reads it between VERIFY
  and the signature and returns it in ``Signed.certificate_der``.
- ``refusal_before_verify`` answers without any APDU when the last probe found the PIN
  blocked, found no usable PIN (a face-auth card, a non-JPKI card), or when there was no probe
  since the card went in: the port has no outcome for the latter and the flow learns them from
  ``probe`` first.
"""
from __future__ import annotations

from dataclasses import replace

from hardware.card.apdu import CardAbsent
from hardware.card.jpki import JpkiSession, PinNotSet, PinVerified, ProtocolError, VerifyRefused
from kiosk.pin import Pin
from kiosk.ports.card import (
    CardFault,
    CardGone,
    CardProbe,
    PinBlocked,
    PinState,
    Signed,
    SignOutcome,
    TokenKind,
    WrongPin,
)

PHONES = (TokenKind.PHONE_ANDROID, TokenKind.PHONE_IPHONE)
_CAN_SIGN_AFTER_PROBE = (TokenKind.MY_NUMBER_CARD, *PHONES)


def read_probe(session: JpkiSession) -> CardProbe:
    """Token, PIN state and tries left, and a card's auth certificate. Raises ``CardAbsent`` or
    ``ProtocolError``."""
    token = session.token_kind()
    if token not in _CAN_SIGN_AFTER_PROBE:
        return CardProbe(token)
    pin = session.pin_status()
    certificate = None
    if token is TokenKind.MY_NUMBER_CARD and pin.state is PinState.USABLE:
        certificate = session.read_auth_certificate()
    return CardProbe(token, pin.state, pin.tries_left, certificate)


def refusal_before_verify(probe: CardProbe | None) -> SignOutcome | None:
    """The outcome to give without touching the card, or None when VERIFY may be sent."""
    if probe is None:
        return CardFault("card not probed since it was inserted")
    if probe.pin_state is PinState.BLOCKED:
        return PinBlocked()
    if probe.pin_state is not PinState.USABLE or probe.token not in _CAN_SIGN_AFTER_PROBE:
        return CardFault("card has no usable PIN")
    return None


def verify_then_sign(session: JpkiSession, token: TokenKind, pin: Pin, challenge: bytes) -> SignOutcome:
    """VERIFY, then (a phone's certificate and) the signature. Does not wipe ``pin``."""
    try:
        match session.verify(pin):
            case PinVerified():
                certificate = session.read_auth_certificate() if token in PHONES else None
                return Signed(session.sign(challenge), certificate)
            case WrongPin() | PinBlocked() as refused:
                return refused
            case PinNotSet():
                return CardFault("card has no PIN")
            case VerifyRefused(reason=reason):
                return CardFault(reason)
    except CardAbsent:
        return CardGone()
    except ProtocolError as error:
        return CardFault(str(error))


def with_last_pin_status(probe: CardProbe, session: JpkiSession) -> CardProbe:
    """The probe kept in step with the card, so a later call refuses locally once blocked."""
    status = session.last_pin_status
    if status is None:
        return probe
    return replace(probe, pin_state=status.state, tries_left=status.tries_left)
