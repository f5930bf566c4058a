"""PcscCardReader: the CardReader port over a real reader, through pcscd and pyscard.

One I/O thread owns the PC/SC context and makes every PC/SC call. It watches the reader with
``SCardGetStatusChange`` and reports the card set and taken out (one already there at start
too). ``probe`` and ``verify_and_sign`` hand their work to that thread and block until it is
done; a waiting caller interrupts the watch with ``SCardCancel``. The listener is called on the
I/O thread; a listener that calls back into the reader runs its call inline.

Decisions where the port and the public sources are silent:

- The reader is the first one whose name contains the configured text (any reader when empty).
- No PC/SC service, no such reader, or the reader or service lost while watching: DEGRADED; the
  card counts as removed, and the context is released and made again with back-off (0.1 s,
  doubling to 2 s) until the reader is back. pyscard's own monitors die instead (pyscard issues #82, #128).
- The card is connected in shared mode, and every probe and every VERIFY-to-signature runs in
  one exclusive transaction, so no other PC/SC program can come between our APDUs.
- After a VERIFY that may have passed, the transaction ends with a card reset: the verified
  state never outlives the one signature it was for. It costs no APDU.
- A card reset by another program between our transactions loses the selected application:
  we reconnect and select it again before VERIFY (one more APDU, only then).
- A PC/SC failure in the middle of an exchange (card pulled, reader or pcscd gone, exchange
  lost) is ``CardGone``; the watcher then reports what really happened.
- A card taken out and set again between two looks (the reader's event counter moved) is
  reported as removed, then inserted.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Callable

from hardware.card.apdu import ApduLog, ApduTransport, CardAbsent
from hardware.card.jpki import JpkiSession, ProtocolError
from hardware.card.reader_steps import read_probe, refusal_before_verify, verify_then_sign, with_last_pin_status
try:
    from smartcard import scard

    from hardware.card.pcsc_transport import PcscError, PcscTransport, check
except ImportError as error:  # pyscard, or the libpcsclite it links, is missing: availability() says so
    scard = None
    _IMPORT_ERROR = str(error)

from kiosk.health import Availability, DeviceHealth, DeviceState
from kiosk.pin import Pin
from kiosk.ports.card import (
    CardEvent,
    CardFault,
    CardGone,
    CardInserted,
    CardProbe,
    CardReader,
    CardRemoved,
    PinBlocked,
    ReaderHealthChanged,
    SignOutcome,
    TokenKind,
    WrongPin,
)

FIRST_RETRY_SECONDS = 0.1
MAX_RETRY_SECONDS = 2.0
START_WAIT_SECONDS = 3.0  # start() returns once the first look at the reader is done, or after this
_WATCH_MS = 2000  # a bound on each wait; jobs and stop() interrupt it sooner
# A cancel that reaches the I/O thread just before its wait begins is lost, so it is sent again,
# after 1 ms, 2 ms, 4 ms... up to 50 ms: quick when the thread was idle, few when it is busy.
_FIRST_NUDGE_SECONDS = 0.001
_MAX_NUDGE_SECONDS = 0.05
_OUTCOMES_WITHOUT_VERIFIED_STATE = (WrongPin, PinBlocked, CardGone)

log = logging.getLogger(__name__)


class _Lost(Exception):
    """The context, the service or the reader is gone: start again with a new context."""


@dataclass
class _CardInReader:
    handle: int | None  # None: the card is there but would not connect (mute, or busy elsewhere)
    protocol: int
    counter: int  # the reader's event counter when the card was seen: it moves on every insertion
    session: JpkiSession | None = None  # one per probe
    probe: CardProbe | None = None  # the last probe since the card was set
    application_selected: bool = False  # the JPKI AP is the current DF, as far as we know


class _Job:
    def __init__(self, work: Callable[[], object]) -> None:
        self.work = work
        self.picked = threading.Event()
        self.done = threading.Event()
        self.result: object = None
        self.error: BaseException | None = None


class _CurrentCard(ApduTransport):
    """Sends on whatever card is in the reader now."""

    def __init__(self, reader: "PcscCardReader") -> None:
        self._reader = reader

    def transmit(self, command: bytes) -> bytes:
        card = self._reader._card
        if card is None or card.handle is None:
            raise CardAbsent()
        return PcscTransport(card.handle, card.protocol).transmit(command)


class PcscCardReader(CardReader):
    @classmethod
    def from_config(cls, config) -> "PcscCardReader":
        options = dict(config.adapter_options.get("card", {}))
        reader = options.pop("reader", "")
        if not isinstance(reader, str):
            raise ValueError("[options.card] reader must be a string: part of the PC/SC reader name")
        if options:
            raise ValueError(f"[options.card] has unknown keys for the pcsc reader: {', '.join(sorted(options))}")
        return cls(reader)

    def __init__(self, reader_name_contains: str = "") -> None:
        self._wanted = reader_name_contains
        self._listener: Callable[[CardEvent], None] | None = None
        self._health = DeviceHealth(DeviceState.DEGRADED, "not started")
        self._reader: str | None = None
        self._card: _CardInReader | None = None
        self._context: int | None = None
        self._retry_delay = FIRST_RETRY_SECONDS
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._accepting = False
        self._accepting_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._settled = threading.Event()
        self._thread: threading.Thread | None = None
        self._apdus = ApduLog(_CurrentCard(self))

    # --- the CardReader port

    @classmethod
    def availability(cls) -> Availability:
        if scard is None:
            return Availability(False, f"pyscard cannot be loaded ({_IMPORT_ERROR})")
        # No pcscd yet is no refusal: the reader reports DEGRADED until the service comes.
        return Availability(True)

    def set_listener(self, listener: Callable[[CardEvent], None]) -> None:
        self._listener = listener

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._settled.clear()
        with self._accepting_lock:
            self._accepting = True
        self._thread = threading.Thread(target=self._run, name="pcsc-io", daemon=True)
        self._thread.start()
        self._settled.wait(START_WAIT_SECONDS)

    def stop(self) -> None:
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        while thread.is_alive():
            self._nudge()
            thread.join(_MAX_NUDGE_SECONDS)
        self._thread = None

    def card_present(self) -> bool:
        return self._card is not None

    def health(self) -> DeviceHealth:
        return self._health

    def probe(self) -> CardProbe | CardGone | CardFault:
        return self._call(self._probe_now)

    def verify_and_sign(self, pin: Pin, challenge: bytes) -> SignOutcome:
        try:
            return self._call(lambda: self._verify_and_sign_now(pin, challenge))
        finally:
            pin.wipe()

    # --- for tests, benchmarks and the operator

    @property
    def reader_name(self) -> str | None:
        """The PC/SC reader being watched; None while there is none."""
        return self._reader

    @property
    def apdu_log(self) -> ApduLog:
        """Every APDU this reader sent (headers only), for tests and benchmarks."""
        return self._apdus

    # --- jobs, run on the I/O thread

    def _call(self, work: Callable[[], object]):
        if threading.current_thread() is self._thread:
            return work()
        job = _Job(work)
        with self._accepting_lock:
            if not self._accepting:
                return CardGone()
            self._jobs.put(job)
        interval = _FIRST_NUDGE_SECONDS
        self._nudge()
        while not job.picked.wait(interval):
            self._nudge()
            interval = min(interval * 2, _MAX_NUDGE_SECONDS)
        job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result

    def _serve_jobs(self) -> None:
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            job.picked.set()
            try:
                job.result = job.work()
            except BaseException as error:  # a bug in a job belongs to its caller, not to this thread
                job.error = error
            finally:
                job.done.set()

    def _nudge(self) -> None:
        self._wake.set()
        context = self._context
        if context is not None:
            scard.SCardCancel(context)  # only ends a wait in progress; harmless otherwise

    def _probe_now(self) -> CardProbe | CardGone | CardFault:
        card = self._card
        if card is None:
            return CardGone()
        if card.handle is None and not self._connect(card):
            return CardFault("card does not answer")
        card.probe = None  # a failed probe must not leave an older one to act on
        try:
            self._begin(card)
        except CardAbsent:
            return CardGone()
        except PcscError as error:
            return CardFault(str(error))
        try:
            card.session = JpkiSession(self._apdus)
            card.probe = read_probe(card.session)
            card.application_selected = card.probe.token is not TokenKind.NOT_JPKI
            return card.probe
        except CardAbsent:
            return CardGone()
        except (ProtocolError, PcscError) as error:
            return CardFault(str(error))
        finally:
            self._end(card, reset=False)

    def _verify_and_sign_now(self, pin: Pin, challenge: bytes) -> SignOutcome:
        card = self._card
        if card is None:
            return CardGone()
        refusal = refusal_before_verify(card.probe)
        if refusal is not None:
            return refusal
        try:
            self._begin(card)
        except CardAbsent:
            return CardGone()
        except PcscError as error:
            return CardFault(str(error))
        outcome: SignOutcome = CardGone()
        try:
            if not card.application_selected:
                if not card.session.select_application():
                    outcome = CardFault("the JPKI application is gone")
                    return outcome
                card.application_selected = True
            outcome = verify_then_sign(card.session, card.probe.token, pin, challenge)
            card.probe = with_last_pin_status(card.probe, card.session)
            return outcome
        except CardAbsent:
            return outcome
        except (ProtocolError, PcscError) as error:
            outcome = CardFault(str(error))
            return outcome
        finally:
            self._end(card, reset=not isinstance(outcome, _OUTCOMES_WITHOUT_VERIFIED_STATE))

    def _begin(self, card: _CardInReader) -> None:
        code = scard.SCardBeginTransaction(card.handle)
        if code == scard.SCARD_W_RESET_CARD:
            # Another program reset or powered down the card since our last turn: our state on it
            # is gone either way, and a reset is what powers it up again.
            self._reconnect(card, scard.SCARD_RESET_CARD)
            code = scard.SCardBeginTransaction(card.handle)
        check("SCardBeginTransaction", code)

    def _end(self, card: _CardInReader, reset: bool) -> None:
        disposition = scard.SCARD_RESET_CARD if reset else scard.SCARD_LEAVE_CARD
        scard.SCardEndTransaction(card.handle, disposition)  # a failure here means the card left: seen soon
        if reset:
            self._reconnect(card, scard.SCARD_LEAVE_CARD)  # our own handle is told of the reset too

    def _reconnect(self, card: _CardInReader, initialization: int) -> None:
        code, protocol = scard.SCardReconnect(
            card.handle, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
            initialization,
        )
        if code == scard.SCARD_S_SUCCESS:
            card.protocol = protocol
        card.application_selected = False

    # --- the I/O thread: context, reader, card

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                code, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
                if code == scard.SCARD_S_SUCCESS:
                    self._context = context
                    try:
                        self._watch(context)
                    except _Lost as lost:
                        self._lose(str(lost))
                    finally:
                        self._drop_card(report=False)  # stopping; when lost, already reported
                        self._release_context(context)
                else:
                    self._lose("PC/SC service unavailable")
                self._settled.set()
                if self._reader is None:
                    self._back_off(self._retry_delay)
                    self._retry_delay = min(self._retry_delay * 2, MAX_RETRY_SECONDS)
        except Exception:  # a bug: say so loudly rather than watch nothing in silence
            log.exception("the card reader's I/O thread failed")
            self._set_health(DeviceHealth(DeviceState.FAULT, "card reader software failed; see the log"))
        finally:
            with self._accepting_lock:
                self._accepting = False
            self._serve_jobs()  # the ones that came in before the door shut: no card for them
            self._settled.set()

    def _watch(self, context: int) -> None:
        """Watch the reader until stopped; raises _Lost when it or the service goes away."""
        reader = self._find_reader(context)
        self._reader = reader
        self._retry_delay = FIRST_RETRY_SECONDS
        self._set_health(DeviceHealth(DeviceState.OK, reader))
        known = scard.SCARD_STATE_UNAWARE
        while not self._stopping.is_set():
            self._wake.clear()
            self._serve_jobs()
            code, states = scard.SCardGetStatusChange(context, _WATCH_MS, [(reader, known)])
            if code in (scard.SCARD_E_CANCELLED, scard.SCARD_E_TIMEOUT):
                continue
            if code != scard.SCARD_S_SUCCESS:
                raise _Lost(f"PC/SC service or card reader lost ({code & 0xFFFFFFFF:08X})")
            _, event_state, _ = states[0]
            if event_state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE | scard.SCARD_STATE_IGNORE):
                raise _Lost("card reader gone")
            known = event_state & ~scard.SCARD_STATE_CHANGED
            self._follow_card(reader, event_state)
            self._settled.set()

    def _find_reader(self, context: int) -> str:
        code, readers = scard.SCardListReaders(context, [])
        if code not in (scard.SCARD_S_SUCCESS, scard.SCARD_E_NO_READERS_AVAILABLE):
            raise _Lost(f"PC/SC service unavailable ({code & 0xFFFFFFFF:08X})")
        for name in readers if code == scard.SCARD_S_SUCCESS else []:
            if self._wanted in name:
                return name
        raise _Lost(f"no card reader named like {self._wanted!r}" if self._wanted else "no card reader")

    def _follow_card(self, reader: str, event_state: int) -> None:
        present = bool(event_state & scard.SCARD_STATE_PRESENT)
        counter = event_state >> 16 & 0xFFFF
        card = self._card
        if card is not None and (not present or counter != card.counter):
            self._drop_card(report=True)
        if present and self._card is None:
            self._take_card(reader, counter)

    def _take_card(self, reader: str, counter: int) -> None:
        card = _CardInReader(None, 0, counter)
        self._connect(card)
        self._card = card  # even unconnected (mute, or held by another program): probe tries again
        self._emit(CardInserted(reader))

    def _connect(self, card: _CardInReader) -> bool:
        code, handle, protocol = scard.SCardConnect(
            self._context, self._reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
        )
        if code != scard.SCARD_S_SUCCESS:
            log.warning("card set but cannot be connected (PC/SC %08X)", code & 0xFFFFFFFF)
            return False
        card.handle, card.protocol = handle, protocol
        return True

    def _drop_card(self, report: bool) -> None:
        card, self._card = self._card, None
        if card is None:
            return
        if card.handle is not None:
            scard.SCardDisconnect(card.handle, scard.SCARD_LEAVE_CARD)
        if report and self._reader is not None:
            self._emit(CardRemoved(self._reader))

    def _lose(self, why: str) -> None:
        self._drop_card(report=True)
        self._reader = None
        self._set_health(DeviceHealth(DeviceState.DEGRADED, f"{why}; retrying"))

    def _release_context(self, context: int) -> None:
        self._context = None
        scard.SCardReleaseContext(context)

    def _back_off(self, seconds: float) -> None:
        """Wait before trying again, still answering callers (there is no card for them)."""
        deadline = time.monotonic() + seconds
        while not self._stopping.is_set():
            self._serve_jobs()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self._wake.wait(remaining)
            self._wake.clear()

    def _set_health(self, health: DeviceHealth) -> None:
        if health == self._health:
            return
        self._health = health
        self._emit(ReaderHealthChanged(health))

    def _emit(self, event: CardEvent) -> None:
        listener = self._listener
        if listener is None:
            return
        try:
            listener(event)
        except Exception:  # a failing listener must not end the watch
            log.exception("card event listener failed on %s", type(event).__name__)
