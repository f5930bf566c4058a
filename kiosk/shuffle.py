"""An executor that makes device and center results come late and out of order (tests, ``--shuffle``).

Calls of one device family run in the order submitted, as on the kiosk's one worker per family,
but each only when a step picks it, and its result arrives a random number of steps after that.
Results of one family keep their order; results of different families interleave at random. The
same seed gives the same run. Without a seed every step runs every call and delivers every
result, in order. A family can be held (its calls wait, as a device that does not answer) and
released again: scenarios use that to put a result exactly where they want it.
"""
from __future__ import annotations

import random
from collections import deque
from typing import Callable

from kiosk import events as ev
from kiosk.effects import Effect

Post = Callable[[ev.Event], None]
Run = Callable[[], ev.Event | None]


class ShufflingExecutor:
    def __init__(self, seed: int | None, max_delay: int = 6) -> None:
        self._rng = random.Random(seed) if seed is not None else None
        self._max_delay = max_delay
        self._held: set[str] = set()
        self._calls: dict[str, deque[tuple[Run, Post]]] = {}  # family -> (run, done) not yet run
        self._results: dict[str, deque[tuple[int, Post, ev.Event | None]]] = {}  # family -> (due step, done, result) in order
        self._step = 0

    def submit(self, effect: Effect, run: Run, done: Post) -> None:
        self._calls.setdefault(effect.family, deque()).append((run, done))

    @property
    def idle(self) -> bool:
        """Nothing left to run or deliver, apart from the calls of held families."""
        waiting = any(q for f, q in self._calls.items() if f not in self._held)
        return not waiting and not any(self._results.values())

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def hold(self, family: str) -> None:
        self._held.add(family)

    def release(self, family: str) -> None:
        self._held.discard(family)

    def step(self) -> None:
        """One unit of time: some families run their next call, some results arrive."""
        self._step += 1
        rng = self._rng
        families = [f for f, q in self._calls.items() if q and f not in self._held]
        if rng is not None:
            rng.shuffle(families)
        for family in families:
            calls = self._calls[family]
            while calls and (rng is None or rng.random() < 0.5):
                run, done = calls.popleft()
                due = self._step + (rng.randint(0, self._max_delay) if rng else 0)
                self._results.setdefault(family, deque()).append((due, done, run()))
                if rng is not None:
                    break
        ready = [f for f, q in self._results.items() if q]
        if rng is not None:
            rng.shuffle(ready)
        for family in ready:
            results = self._results[family]
            while results and results[0][0] <= self._step:
                _, done, result = results.popleft()
                if result is not None:
                    done(result)

    def drain(self, limit: int = 10_000) -> None:
        for _ in range(limit):
            if self.idle:
                return
            self.step()
        raise RuntimeError("the shuffling executor did not drain")
