"""Device I/O off the GUI thread: one worker thread per device family, results back as Qt signals.

The flow runs only on the GUI thread. An effect's blocking call runs on its family's worker
("card", "cash", "printer", "center"), one at a time in the order submitted, so a device never
sees two calls at once; operator and demo actions on a device go through the same worker.
Whatever a worker produces (an effect's result event, a device listener event raised while it
ran) is handed to the GUI thread through a queued signal, never called from the worker.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from PySide6.QtCore import QObject, Qt, Signal

from kiosk import events as ev
from kiosk.effects import Effect

log = logging.getLogger(__name__)

Post = Callable[[ev.Event], None]


class QtEffectExecutor(QObject):
    _deliver = Signal(object)  # (callback or None, value): always queued to the GUI thread
    _forward = Signal(object)  # (post, event) from a device listener on any thread
    settled = Signal()  # no job is running or waiting on any worker

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._workers: dict[str, ThreadPoolExecutor] = {}
        self._outstanding = 0  # touched on the GUI thread only
        self._deliver.connect(self._on_deliver, Qt.ConnectionType.QueuedConnection)
        self._forward.connect(self._on_forward, Qt.ConnectionType.QueuedConnection)

    # --- the EffectExecutor protocol of kiosk.runtime -------------------------------------------
    def submit(self, effect: Effect, run: Callable[[], ev.Event | None], done: Post) -> None:
        self.run_on(effect.family, run, done)

    # --- anything else that touches a device -----------------------------------------------------
    def run_on(self, family: str, job: Callable[[], object], done: Callable[[object], None] | None = None) -> None:
        """Run ``job`` on ``family``'s worker; ``done(result)`` later on the GUI thread (unless None)."""
        worker = self._workers.get(family)
        if worker is None:
            worker = self._workers[family] = ThreadPoolExecutor(1, thread_name_prefix=f"kiosk-{family}")
        self._outstanding += 1
        worker.submit(self._work, family, job, done)

    def marshal(self, post: Post) -> Post:
        """Wrap the runtime's ``post`` for device listeners: the event reaches it on the GUI thread."""
        return lambda event: self._forward.emit((post, event))

    @property
    def idle(self) -> bool:
        return self._outstanding == 0

    def shutdown(self) -> None:
        for worker in self._workers.values():
            worker.shutdown(wait=True, cancel_futures=True)
        self._workers.clear()

    # --- inside -----------------------------------------------------------------------------------
    def _work(self, family: str, job: Callable[[], object], done) -> None:
        try:
            result = job()
        except Exception as exc:  # a bug in a device call must not kill the worker; the flow's deadline copes
            log.error("%s worker: %s", family, type(exc).__name__)
            result = None
        self._deliver.emit((done, result))

    def _on_deliver(self, item: tuple) -> None:
        done, result = item
        self._outstanding -= 1
        if done is not None and result is not None:
            done(result)
        if self._outstanding == 0:
            self.settled.emit()

    def _on_forward(self, item: tuple) -> None:
        post, event = item
        post(event)
