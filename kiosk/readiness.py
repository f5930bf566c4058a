"""Health before money: can the kiosk deliver what a paid session needs, right now?

Asked before a session's payment is accepted and, while idle, every ``health_interval`` seconds.
Each problem is one short line for the operator page; any problem keeps new sessions from
starting, so no money is taken for what the kiosk cannot deliver.
"""
from __future__ import annotations

from typing import Iterable

from kiosk.journal.unusable import KioskJournal
from kiosk.ports.cash import CashUnit
from kiosk.ports.center import IssuanceCenter
from kiosk.ports.printer import Printer
from kiosk.ports.renderer import Renderer


CENTER_PROBLEM = "center:"  # how a center that does not answer is named among the problems


class Readiness:
    def __init__(self, *, printer: Printer, renderer: Renderer, cash: CashUnit, journal: KioskJournal,
                 center: IssuanceCenter, municipality_codes: Iterable[str], min_free_bytes: int) -> None:
        self._printer, self._renderer, self._cash, self._journal = printer, renderer, cash, journal
        self._center = center
        self._codes = tuple(municipality_codes)
        self._min_free = min_free_bytes

    def __call__(self) -> tuple[str, ...]:
        checks = (self._center_ok(), self._printer_ok(), self._renderer_ok(), self._journal_ok(), self._cash_ok())
        return tuple(p for p in checks if p)

    def _center_ok(self) -> str | None:
        try:  # the cheapest call there is, within the adapter's own deadline
            self._center.catalog()
        except Exception as exc:  # unreachable, slow or refusing: no session starts until it answers
            return f"{CENTER_PROBLEM} {type(exc).__name__}"
        return None

    def _printer_ok(self) -> str | None:
        health = self._printer.health()
        return None if health.ok else f"printer: {health.state.value} {health.detail}".strip()

    def _renderer_ok(self) -> str | None:
        try:
            self._renderer.self_test(self._codes)
        except Exception as exc:  # an unreadable seal key, a missing font: nothing could be certified
            return f"renderer: {type(exc).__name__}"
        return None

    def _journal_ok(self) -> str | None:
        why = self._journal.writable()
        if why:
            return f"journal: {why}"
        free = self._journal.free_bytes()
        if free < self._min_free:
            return f"journal: {free // (1 << 20)} MiB free, below the floor of {self._min_free // (1 << 20)} MiB"
        return None

    def _cash_ok(self) -> str | None:
        health = self._cash.health()
        if not health.ok:
            return f"cash: {health.detail or health.state.value}"
        held = self._cash.held()  # asked only with no payment under way: anything there is someone's
        return f"cash: {held} yen left in escrow" if held else None
