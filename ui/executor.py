"""Device I/O off the GUI thread: one worker thread per device family, results back as Qt signals.

The flow runs only on the GUI thread. An effect's blocking call runs on its family's worker
("card", "cash", "printer", "center"), one at a time in the order submitted, so a device never
sees two calls at once; operator and demo actions on a device go through the same worker.
Whatever a worker produces (an effect's result event, a device listener event raised while it
ran) is handed to the GUI thread through a queued signal, never called from the worker.

A call that raises is always answered: the EffectRunner turns a device fault into
``RequestFailed``; an exception that escapes it anyway (a bug) is logged by type and place only
(its message may carry personal data), counted in ``escaped``, and still answered with
``RequestFailed`` when the effect has a request, so the flow settles it at once.

The demo can make a family slow: its results reach the GUI thread ``set_delay`` seconds late,
held back by a QTimer (the GUI thread never sleeps) and still in the order they came.
"""
from __future__ import annotations

import logging
import os
import traceback
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from kiosk import events as ev
from kiosk.effects import Effect

log = logging.getLogger(__name__)

Post = Callable[[ev.Event], None]
OnError = Callable[[BaseException], object]


class QtEffectExecutor(QObject):
    _deliver = Signal(object)  # (family, callback or None, value, escaped): always queued to the GUI thread
    _forward = Signal(object)  # (post, event) from a device listener on any thread
    settled = Signal()  # no job is running or waiting on any worker, and no late result is held back

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._workers: dict[str, ThreadPoolExecutor] = {}
        self._outstanding = 0  # touched on the GUI thread only, like everything below
        self._delays: dict[str, float] = {}
        self._late: dict[str, deque] = {}  # family -> (done, result) waiting out the delay, oldest first
        self._closed = False
        self.escaped = 0  # jobs that raised past their own error handling
        self._deliver.connect(self._on_deliver, Qt.ConnectionType.QueuedConnection)
        self._forward.connect(self._on_forward, Qt.ConnectionType.QueuedConnection)

    # --- the EffectExecutor protocol of kiosk.runtime -------------------------------------------
    def submit(self, effect: Effect, run: Callable[[], ev.Event | None], done: Post) -> None:
        self.run_on(effect.family, run, done, on_error=lambda exc: _failed(effect, exc), what=type(effect).__name__)

    # --- anything else that touches a device -----------------------------------------------------
    def run_on(self, family: str, job: Callable[[], object], done: Callable[[object], None] | None = None,
               on_error: OnError | None = None, what: str = "job") -> None:
        """Run ``job`` on ``family``'s worker; ``done(result)`` later on the GUI thread (unless None).

        If ``job`` raises, ``done`` gets ``on_error(exc)`` instead (nothing when that is None).
        """
        worker = self._workers.get(family)
        if worker is None:
            worker = self._workers[family] = ThreadPoolExecutor(1, thread_name_prefix=f"kiosk-{family}")
        self._outstanding += 1
        worker.submit(self._work, family, job, done, on_error, what)

    def marshal(self, post: Post) -> Post:
        """Wrap the runtime's ``post`` for device listeners: the event reaches it on the GUI thread."""
        return lambda event: self._forward.emit((post, event))

    def set_delay(self, family: str, seconds: float) -> None:
        """Demo: hold ``family``'s results back this long (0: at once), as a slow device would.

        Lifting the delay hands over what is held back at once, in order (their timers then find nothing).
        """
        self._delays[family] = max(0.0, float(seconds))
        late = self._late.get(family)
        while not self._delays[family] and late:
            self._finish(*late.popleft())

    def delay(self, family: str) -> float:
        return self._delays.get(family, 0.0)

    @property
    def idle(self) -> bool:
        return self._outstanding == 0

    def shutdown(self) -> None:
        self._closed = True  # results still queued or held back are dropped: the kiosk is closing
        for worker in self._workers.values():
            worker.shutdown(wait=True, cancel_futures=True)
        self._workers.clear()
        self._late.clear()

    # --- inside -----------------------------------------------------------------------------------
    def _work(self, family: str, job: Callable[[], object], done, on_error: OnError | None, what: str) -> None:
        result, escaped = None, False
        try:
            result = job()
        except Exception as exc:  # never kills the worker, never goes unanswered
            escaped = True
            _log_escape(family, what, exc)
            result = on_error(exc) if on_error is not None else None
        finally:  # even a BaseException is delivered, so the count of jobs out stays right
            self._deliver.emit((family, done, result, escaped))

    def _on_deliver(self, item: tuple) -> None:
        family, done, result, escaped = item
        if self._closed:
            return
        self.escaped += escaped
        delay = self._delays.get(family, 0.0)
        late = self._late.get(family)
        if delay <= 0 and not late:
            self._finish(done, result)
            return
        # queued even with no delay left, so an earlier late result is never overtaken
        self._late.setdefault(family, deque()).append((done, result))
        QTimer.singleShot(int(delay * 1000), self, lambda: self._release(family))

    def _release(self, family: str) -> None:
        late = self._late.get(family)
        if self._closed or not late:
            return
        self._finish(*late.popleft())

    def _finish(self, done, result) -> None:
        self._outstanding -= 1
        try:
            if done is not None and result is not None:
                done(result)
        finally:  # a flow that raised on this result must not leave ``settled`` unsent
            if self._outstanding == 0:
                self.settled.emit()

    def _on_forward(self, item: tuple) -> None:
        if self._closed:
            return
        post, event = item
        post(event)


def _failed(effect: Effect, exc: BaseException) -> ev.Event | None:
    """The answer to an effect whose call raised past the EffectRunner: its request failed."""
    request_id = getattr(effect, "request_id", None)
    if request_id is None:
        return None
    return ev.RequestFailed(effect.session_id, request_id, type(exc).__name__)


def _log_escape(family: str, what: str, exc: BaseException) -> None:
    """Type and place only: an exception's message or locals may hold personal data."""
    frames = traceback.extract_tb(exc.__traceback__)
    place = f"{os.path.basename(frames[-1].filename)}:{frames[-1].lineno} in {frames[-1].name}" if frames else "?"
    log.error("%s worker: %s raised %s at %s", family, what, type(exc).__name__, place)
