"""How long the kiosk waits on each screen and for each device call before it gives up (seconds).

Each may be set in the config's ``[timings]``; every value must be finite, more than 0 and at
most ``LONGEST`` (one day): a nan or inf deadline never fires, and 1e308 overflows the clock.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

from kiosk.session_view import Screen


LONGEST = 24 * 60 * 60


@dataclass(frozen=True)
class FlowTimings:
    # Not public, so our decision (docs/decisions.md): these follow common kiosk practice and
    # leave a slow reader enough time. The idle warning (「続けますか?」) shows this long before.
    idle_warning: float = 15
    set_card: float = 60
    pin: float = 60
    choose: float = 90  # municipality, kind, order
    payment: float = 120
    device: float = 30  # reading the card, authenticating, issuing
    remove_card: float = 60
    notice: float = 20
    done: float = 20
    print_timeout: float = 300
    print_poll: float = 0.5
    # Deadlines of single device calls: a call still out by then is a failure the flow handles.
    cash_call: float = 30  # stack, return, pay out, ask the unit
    printer_call: float = 60  # render and submit one document, poll, cancel
    health_interval: float = 60  # how often an idle kiosk checks that it can still deliver

    def __post_init__(self) -> None:
        # the config file is checked with a message per key (kiosk/config.py); this guards code paths
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= LONGEST \
                    or not math.isfinite(value):
                raise ValueError(f"timings.{f.name}: expected a number of seconds > 0 and <= {LONGEST}")

    def idle_for(self, screen: Screen) -> float | None:
        from kiosk.screen_facts import facts

        name = facts(screen).timeout
        return getattr(self, name) if name else None
