"""Coins through the ccTalk acceptor: credited once each, by its event counter, across restarts.

The acceptor's buffer (header 229) repeats its last five events on every poll; only the event
counter says which are new (ashaduri/qt-cctalk). The counter the unit has credited up to is kept
in the unit's book, in the same transaction as the credit, so:

- a kiosk restarted while the acceptor was still taking coins credits, on its first poll, what
  came in while it was down, and nothing it had already credited;
- an acceptor reset (counter back to 0) restarts the count from 0, and its inhibits (cleared by
  the reset) are set again;
- more than five events between two polls cannot be read back: they are logged and the unit
  reports a fault, so the staff count the coins (the credit is then settled by hand).

Coins are only accepted while the unit takes money: the acceptor's master inhibit is set at
every start and whenever the unit stops accepting (nothing due, disabled, a device fault).
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from hardware.cash.cctalk_coin_acceptor import CoinAcceptor
from hardware.cash.cctalk_protocol import new_events
from hardware.cash.device_health import HealthCell
from hardware.cash.note_intake import NoteGate
from hardware.cash.unit_book import UnitBook
from kiosk.ports.cash import CashEvent, CashRejected

log = logging.getLogger(__name__)

COUNTER = "coin_counter"
COIN_REJECTED = "coin_rejected"
# Error events (A = 0) after which the coin may have gone in without a credit (ashaduri/qt-cctalk
# sorts its codes into rejected, accepted and "possibly accepted"): 2nd close coin, credit
# sequence error, C.O.S., credit sensor reached too early, swallowed coin, incorrectly sorted.
# These put the acceptor out of service for the staff to count; every other error event means
# the coin went back (or never went in) and the resident is told it was refused.
POSSIBLY_TAKEN = frozenset({8, 16, 20, 23, 36, 39})


class CoinIntake:
    def __init__(self, acceptor: CoinAcceptor, book: UnitBook, gate: NoteGate, health: HealthCell,
                 emit: Callable[[CashEvent], None], denominations: tuple[int, ...]) -> None:
        self._acceptor = acceptor
        self._book = book
        self._gate = gate
        self._health = health
        self._emit = emit
        self._denominations = denominations
        self._values: dict[int, int] = {}  # coin position -> yen, as the acceptor names its coins
        self._master: bool | None = None
        self._gate_lock = threading.Lock()

    def restart(self) -> None:
        self._master = None
        self._acceptor.simple_poll()
        self._values = self._acceptor.coin_table()
        self._read()  # what came in while the kiosk was down, before any inhibit changes
        self._set_inhibits()
        self.apply_gate()
        self._health.ok()

    def round(self) -> None:
        self._read()
        self.apply_gate()

    def apply_gate(self) -> None:
        with self._gate_lock:  # the poll thread and the unit's callers both open and close it
            accepting = self._gate.accepting()
            if accepting != self._master:
                self._acceptor.set_master(accepting)
                self._master = accepting

    def _set_inhibits(self) -> None:
        self._acceptor.set_coin_inhibits({p for p, yen in self._values.items() if yen in self._denominations})

    def _read(self) -> None:
        reply = self._acceptor.read_buffered()
        saved = self._book.optional(COUNTER)
        fresh = new_events(saved, reply)
        if fresh.device_reset:
            log.warning("coin acceptor was reset: its count starts again from 0")
            self._set_inhibits()  # a reset clears them
            self._master = None
        if fresh.lost:
            log.error("coin acceptor: %d events between two polls could not be read", fresh.lost)
            self._health.fault(f"{fresh.lost} coin events lost: count the coins")
        for (position, code), at in zip(fresh.events, _counters(reply.counter, len(fresh.events))):
            if position:
                self._credited(position, at)
            elif code in POSSIBLY_TAKEN:
                log.error("coin acceptor: error event %d, a coin may have gone in uncounted", code)
                self._health.fault(f"a coin may have gone in uncounted (event {code}): count the coins")
            else:
                self._emit(CashRejected(COIN_REJECTED))
        # a round with no new event (nearly every round) wrote nothing: the book still holds ``saved``
        booked = self._book.optional(COUNTER) if fresh.events else saved
        if reply.counter != booked:
            self._book.change(put={COUNTER: reply.counter})

    def _credited(self, position: int, at: int) -> None:
        """The acceptor took the coin: it is credited, whether or not it was meant to be taken."""
        yen = self._values.get(position)
        if yen is None:
            log.error("coin acceptor took a coin at position %d, whose value it does not name", position)
            self._health.fault("a coin of unknown value was taken: count the coins")
            self._book.change(put={COUNTER: at})
            return
        self._gate.credit(yen, note=False, put={COUNTER: at})


def _counters(newest: int, n: int) -> list[int]:
    """The counter value each of the ``n`` newest events (oldest first) brought the acceptor to;
    the counter runs 1..255 and wraps to 1 (0 only after a reset)."""
    return [(newest - 1 - k) % 255 + 1 for k in range(n - 1, -1, -1)]
