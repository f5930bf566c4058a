"""Notes through the JCM ID-003 validator: credited only once stacked, never twice.

The sequence (Kopachris/py-id003, lamassu-machine's id003 driver): ESCROW(code) → the host sends
STACK or RETURN → STACKING → VEND VALID, repeated until the host ACKs → STACKED → idle.

- At ESCROW the unit decides (accepting? a denomination it takes? still something due?). To
  stack, it first writes down the note it is stacking (``pending_note``), then sends STACK.
- At VEND VALID, the note is in the box: the credit and the end of ``pending_note`` are one
  transaction of the unit's book, then the ACK, then the flow is told. A VEND VALID repeated
  because the ACK was lost finds nothing pending and is only ACKed again (lamassu-machine PR 149
  is the opposite bug: a returned note still credited).
- Power-up states after a kiosk or validator restart settle a pending note from the device's
  own memory: 42 (note in the stacker) credits it, 40/41 (none, or a note in the head that the
  reset gives back) forget it. VEND VALID or STACKED seen on restart with a note pending credit it.
- The JPY escrow codes are read from the device (8A CURRENCY ASSIGN), never assumed.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Protocol

from hardware.cash.device_health import HealthCell
from hardware.cash.id003_link import Id003Link
from hardware.cash.id003_protocol import Status, denomination_inhibit_mask
from hardware.cash.poller import RestartDevice
from hardware.cash.unit_book import UnitBook
from kiosk.crashpoints import crashpoint
from kiosk.ports.cash import CashEvent, CashRejected

log = logging.getLogger(__name__)

PENDING = "pending_note"
NOTE_REJECTED = "note_rejected"
INIT_WAIT = 10.0  # seconds a validator may stay in INITIALIZE after RESET

_FAULTS: dict[int, str] = {
    Status.STACKER_FULL: "stacker full",
    Status.STACKER_OPEN: "stacker open",
    Status.ACCEPTOR_JAM: "note jammed in the acceptor",
    Status.STACKER_JAM: "note jammed in the stacker",
    Status.CHEATED: "cheating detected",
    Status.FAILURE: "failure",
    Status.PAUSE: "a second note was pushed in",
}
_POWER_UP = {Status.POWER_UP, Status.POWER_UP_BILL_IN_ACCEPTOR, Status.POWER_UP_BILL_IN_STACKER}


class NoteGate(Protocol):
    """What the unit decides and keeps for its intakes."""

    def refusal(self, yen: int | None) -> str:
        """"" to take a piece of ``yen`` now (None: not money the unit knows), else the reason."""

    def accepting(self) -> bool: ...

    def credit(self, yen: int, *, note: bool, put: dict[str, int | None]) -> None:
        """Book the credit (with ``put`` in the same transaction), then tell the flow."""


class NoteIntake:
    def __init__(self, link: Id003Link, book: UnitBook, gate: NoteGate, health: HealthCell,
                 emit: Callable[[CashEvent], None], denominations: tuple[int, ...]) -> None:
        self._link = link
        self._book = book
        self._gate = gate
        self._health = health
        self._emit = emit
        self._denominations = denominations
        self._codes: dict[int, int] = {}  # escrow code -> yen, as the validator says
        self._last: int | None = None
        self._inhibited: bool | None = None
        self._gate_lock = threading.Lock()

    # --- the poll thread ----------------------------------------------------------------------
    def restart(self) -> None:
        """(Re)start the validator: settle a pending note from its power-up state, then reset,
        read its currency table and inhibit what the unit does not take."""
        self._last, self._inhibited = None, None
        status = self._link.status()
        if status.code in _POWER_UP:
            self._settle_power_up(status.code)
            self._link.reset()
            deadline = time.monotonic() + INIT_WAIT
            while self._link.status().code in (Status.INITIALIZE, *_POWER_UP):
                if time.monotonic() > deadline:
                    raise TimeoutError("the bill validator stays in initialisation")
                time.sleep(0.05)
        elif status.code in (Status.VEND_VALID, Status.STACKED):
            self._handle(status.code, status.data)  # a note stacked while the kiosk was down
        self._codes = self._link.currency_assign()
        enabled = {code for code, yen in self._codes.items() if yen in self._denominations}
        self._link.set_denomination_inhibits(denomination_inhibit_mask(enabled))
        self.apply_gate()

    def round(self) -> None:
        status = self._link.status()
        changed = status.code != self._last
        self._last = status.code
        if status.code in _POWER_UP:
            raise RestartDevice("the bill validator powered up")
        if changed or status.code in (Status.ESCROW, Status.VEND_VALID):
            self._handle(status.code, status.data)
        self.apply_gate()

    def apply_gate(self) -> None:
        """Inhibit the validator whenever the unit is not taking money (C3), on its port's thread."""
        with self._gate_lock:  # the poll thread and the unit's callers both open and close it
            inhibit = not self._gate.accepting()
            if inhibit != self._inhibited:
                self._link.set_inhibit(inhibit)
                self._inhibited = inhibit

    # --- the state machine -----------------------------------------------------------------------
    def _handle(self, code: int, data: bytes) -> None:
        if code == Status.ESCROW:
            self._escrow(data[0] if data else None)
        elif code in (Status.VEND_VALID, Status.STACKED):
            pending = self._book.optional(PENDING)
            if pending is not None:
                self._gate.credit(pending, note=True, put={PENDING: None})
            if code == Status.VEND_VALID:
                self._link.ack()
        elif code == Status.REJECTING:
            self._emit(CashRejected(NOTE_REJECTED))
        elif code in _FAULTS:
            self._health.fault(_FAULTS[code] + (f" ({data.hex()})" if data else ""))
            return
        if code not in _FAULTS:
            self._health.ok()

    def _escrow(self, escrow_code: int | None) -> None:
        yen = self._codes.get(escrow_code) if escrow_code is not None else None
        reason = self._gate.refusal(yen)
        if reason:
            if self._book.optional(PENDING) is not None:
                self._book.change(put={PENDING: None})  # a stack the last run meant and never sent
            self._link.return_bill()
            self._emit(CashRejected(reason))
            return
        assert yen is not None
        self._book.change(put={PENDING: yen})  # written down before the note moves
        crashpoint("cash:note_pending")
        self._link.stack()
        crashpoint("cash:note_stacking")

    def _settle_power_up(self, code: int) -> None:
        pending = self._book.optional(PENDING)
        if pending is None:
            return
        if code == Status.POWER_UP_BILL_IN_STACKER:
            log.warning("bill validator powered up with the note being stacked: credited")
            self._gate.credit(pending, note=True, put={PENDING: None})
        else:
            log.warning("bill validator powered up without the note being stacked: not credited")
            self._book.change(put={PENDING: None})
