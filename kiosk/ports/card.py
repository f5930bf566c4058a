"""CardReader port: what the kiosk needs from a My Number card reader."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum
from typing import Callable, Union

from kiosk.health import Availability, DeviceHealth
from kiosk.pin import Pin


class TokenKind(Enum):
    """What the JPKI token label (EF 0006) says the thing on the reader is."""

    MY_NUMBER_CARD = "my_number_card"  # JPKIAPICCTOKEN2
    JUKI_CARD = "juki_card"  # JPKIAPICCTOKEN: the old 住基カード, not accepted
    PHONE_ANDROID = "phone_android"  # JPKIAPGPSETOKEN
    PHONE_IPHONE = "phone_iphone"  # JPKIAPIOSTOKEN
    NOT_JPKI = "not_jpki"  # no JPKI application: a point card, a bank card...


class PinState(Enum):
    USABLE = "usable"
    BLOCKED = "blocked"  # 3 wrong tries: only the municipal office (or the reset service) unlocks it
    NOT_SET = "not_set"  # 顔認証マイナンバーカード: no PIN exists, コンビニ交付 is impossible


@dataclass(frozen=True)
class PinTriesLeft:
    value: int

    @property
    def blocked(self) -> bool:
        return self.value <= 0


@dataclass(frozen=True)
class CardProbe:
    """Everything read from the card without the PIN."""

    token: TokenKind
    pin_state: PinState | None = None
    tries_left: PinTriesLeft | None = None
    certificate_der: bytes | None = None


@dataclass(frozen=True)
class Signed:
    signature: bytes
    # Phones (スマホ用電子証明書) release the auth certificate only after VERIFY: then the
    # adapter reads it inside the same transaction and returns it here; cards leave it None.
    certificate_der: bytes | None = None


@dataclass(frozen=True)
class WrongPin:
    tries_left: PinTriesLeft


@dataclass(frozen=True)
class PinBlocked:
    pass


@dataclass(frozen=True)
class CardGone:
    """The card left the reader (or the reader vanished) during the exchange."""


@dataclass(frozen=True)
class CardFault:
    """The card answered something the protocol does not allow. ``detail`` has no personal data."""

    detail: str


SignOutcome = Union[Signed, WrongPin, PinBlocked, CardGone, CardFault]


@dataclass(frozen=True)
class CardInserted:
    reader: str


@dataclass(frozen=True)
class CardRemoved:
    reader: str


@dataclass(frozen=True)
class ReaderHealthChanged:
    health: DeviceHealth


CardEvent = Union[CardInserted, CardRemoved, ReaderHealthChanged]


class CardReader(ABC):
    """One reader with at most one card.

    Calls may block on device I/O: the caller runs them off the GUI thread. Events are
    delivered to the listener from the adapter's own thread; the caller marshals them.
    """

    @classmethod
    @abstractmethod
    def availability(cls) -> Availability: ...

    @abstractmethod
    def set_listener(self, listener: Callable[[CardEvent], None]) -> None: ...

    @abstractmethod
    def start(self) -> None:
        """Begin watching; a card already present is reported as inserted."""

    @abstractmethod
    def stop(self) -> None: ...

    @abstractmethod
    def card_present(self) -> bool: ...

    @abstractmethod
    def probe(self) -> CardProbe | CardGone | CardFault:
        """Token kind, PIN state and tries left, and the auth certificate: no PIN spent."""

    @abstractmethod
    def verify_and_sign(self, pin: Pin, challenge: bytes) -> SignOutcome:
        """VERIFY the auth PIN, then sign SHA-256 DigestInfo(challenge) with the auth key.

        One exclusive transaction from VERIFY to the end of the signature. Refuses locally,
        without any APDU, when the card is known to be blocked. Wipes ``pin`` before returning.
        """

    @abstractmethod
    def health(self) -> DeviceHealth: ...
