"""The voice guide: speaks each screen's guidance, the reminders, the key click and the error sound.

The shell calls ``show(view)`` after every repaint; from the views alone the guide sees a screen
open (its guidance is said, cutting whatever was being said), a wrong PIN or a rejected coin newly
shown (the error sound, and what to do), the card taken, and reminders falling due by the kiosk's
clock (``[voice] reminder_interval``). The window gives the resident the buttons: ``stop()``
(音声停止), ``louder()``, ``softer()``, ``repeat()``; ``changed`` tells it to update them.

Sentences are made on one worker thread (``Voices`` + ``VoiceCache``); a cached sentence is found
with one stat on the GUI thread and played at once. Results come back as a queued signal. A
sentence whose synthesis failed or was late is logged by message id and skipped: the next one is
said, and the kiosk goes on. Sentences are said one after another in the order asked; a new
screen, ``stop()`` or a change of language drops what is still waiting.
"""
from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from kiosk.clock import Clock
from kiosk.config import VOLUME_LEVELS, VoiceSettings
from kiosk.screen_facts import facts
from kiosk.session_view import Screen, SessionView
from ui.voice import script, wav
from ui.voice.cache import VoiceCache
from ui.voice.sinks import Clip, Sink
from ui.voice.synth import SynthesisError, Voices
from ui.voice.tones import Tones
from ui.voice.words import Line, Words

log = logging.getLogger("ui.voice")


@dataclass
class _Said:
    """One sentence on its way: resolved to text at once, to a file when the cache or the worker has it."""

    line: Line
    language: str
    text: str
    reminder: bool
    path: Path | None = None
    seconds: float = 0.0
    failed: bool = False
    ready: bool = False
    batch: int = field(default=0)


class VoiceGuide(QObject):
    changed = Signal()  # volume or muted changed (or stop()): the window updates its voice buttons
    _synthesized = Signal(object)  # a _Said made (or failed) on the worker, queued to the GUI thread

    def __init__(self, sink: Sink, *, clock: Clock, language: Callable[[], str], cache: VoiceCache,
                 tones: Tones, voices: Voices | None = None, words: Words | None = None,
                 settings: VoiceSettings = VoiceSettings(), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.sink = sink
        self.settings = settings
        self._clock = clock
        self._language = language
        self._cache = cache
        self._tones = tones
        self._voices = voices if voices is not None else Voices()
        self._words = words if words is not None else Words()
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="kiosk-voice")
        self._synthesized.connect(self._on_synthesized, Qt.ConnectionType.QueuedConnection)
        self.sink.finished.connect(self._on_finished)
        self._volume = settings.volume
        self._muted = False
        self._batch = 0  # bumped whenever what is waiting is dropped; late results of an older batch are ignored
        self._queue: deque[_Said] = deque()
        self._playing: _Said | None = None
        self._token = 0
        self._view: SessionView | None = None
        self._spoken_language: str | None = None
        self._reminding = False  # this screen's reminders are on (off after stop() or once the card is taken)
        self._card_seen = False
        self._idle_said = False  # 「続けますか」 was said for the question on screen now
        self._next_round: datetime | None = None
        self._watched: QWidget | None = None
        self._closed = False
        self._warned_no_voice: set[str] = set()
        if self.sink.audible:
            self._worker.submit(self._warm_up)

    # --- what the window uses ----------------------------------------------------------------------
    @property
    def volume(self) -> int:
        """0 (silent) .. VOLUME_LEVELS."""
        return self._volume

    @property
    def max_volume(self) -> int:
        return VOLUME_LEVELS

    @property
    def muted(self) -> bool:
        return self._muted

    @property
    def speaking(self) -> bool:
        return self._playing is not None or bool(self._queue)

    @property
    def enabled(self) -> bool:
        """Whether the voice can be heard at all here ([voice] output and an audio device): the window
        may hide its voice buttons when not."""
        return self.sink.audible

    def louder(self) -> None:
        self.set_volume(self._volume + 1)

    def softer(self) -> None:
        self.set_volume(self._volume - 1)

    def set_volume(self, level: int) -> None:
        level = max(0, min(VOLUME_LEVELS, level))
        if level == self._volume:
            return
        self._volume = level
        self.sink.set_level(self._level)
        if self._level == 0:
            self._cut()
        self.changed.emit()

    def set_muted(self, muted: bool) -> None:
        if muted == self._muted:
            return
        self._muted = muted
        if muted:
            self._cut()
        self.sink.set_level(self._level)
        self.changed.emit()

    def stop(self) -> None:
        """音声停止: stop what is being said, what waits to be said and this screen's reminders.
        The next screen speaks again."""
        self._reminding = False
        self._next_round = None
        self._cut()
        self.changed.emit()

    def repeat(self) -> None:
        """Say the current screen's guidance again (and start its reminders again)."""
        if self._view is not None:
            self._open(self._view, errors=False)

    def show(self, view: SessionView) -> None:
        """The view just painted. Call after every repaint (ticks too: reminders run on the kiosk's clock)."""
        if self._closed:
            return
        before, self._view = self._view, view
        language = self._language()
        if before is None or view.screen is not before.screen or view.session_id != before.session_id:
            if view.screen is Screen.ATTRACT and before is not None and before.screen is not Screen.ATTRACT:
                self._new_resident()
            self._open(view, errors=True)
            return
        if language != self._spoken_language:
            self._open(view, errors=False)  # the resident chose another language: say it again in that one
            return
        if view.wrong_pin and not before.wrong_pin:
            self.error_sound()
            self._say([Line.of("voice.pin.wrong")], reminder=False)
        asked = self._idle_asked(view)
        if asked and not self._idle_said:
            self._say([Line.of("voice.idle")], reminder=False)  # 「続けますか」 is heard, not only shown
        self._idle_said = asked
        if view.last_cash_rejected is not None and view.last_cash_rejected != before.last_cash_rejected:
            # The view names the last rejection only: a second coin rejected right after the first,
            # with the same reason, looks the same and is not heard again.
            self.error_sound()
            self._say([script.payment_rejected()], reminder=False)
        self._remind(view)

    def watch(self, window: QWidget) -> None:
        """Key sounds for every button inside ``window``: a click when it takes the press, the error
        sound when it is disabled. Watches presses application-wide (buttons come and go with screens)."""
        self._watched = window
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def key_sound(self) -> None:
        self._sound("key")

    def error_sound(self) -> None:
        self._sound("error")

    def close(self) -> None:
        self._closed = True
        app = QApplication.instance()
        if app is not None and self._watched is not None:
            app.removeEventFilter(self)
        self._cut()
        self._voices.close()  # ends a synthesis in flight at once, so the worker stops quickly
        self._worker.shutdown(wait=True, cancel_futures=True)
        self.sink.close()

    # --- key presses ---------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.MouseButtonPress and isinstance(watched, QAbstractButton)
                and self._watched is not None and self._watched.isAncestorOf(watched)):
            if watched.isEnabled():
                self.key_sound()
            else:
                self.error_sound()
        return False

    # --- screens, errors, reminders ------------------------------------------------------------------
    def _idle_asked(self, view: SessionView) -> bool:
        return (view.idle_warning_at is not None and self._clock.now() >= view.idle_warning_at
                and facts(view.screen).asks_still_here)

    @property
    def _level(self) -> int:
        return 0 if self._muted else self._volume

    def _new_resident(self) -> None:
        """Back on the attract screen: the next resident starts at the usual volume, not muted."""
        if self._volume != self.settings.volume or self._muted:
            self._volume, self._muted = self.settings.volume, False
            self.sink.set_level(self._level)
            self.changed.emit()

    def _open(self, view: SessionView, errors: bool) -> None:
        self._cut()
        self._idle_said = False
        self._spoken_language = self._language()
        if errors and view.screen is Screen.PIN and view.wrong_pin:
            self.error_sound()
        self._card_seen = view.card_present
        self._reminding = view.screen in script.REMINDING
        self._next_round = None
        self._say(script.guidance(view), reminder=False)
        if self._reminding and script.reminds_at_once(view.screen):
            self._round(view)
        else:
            self._settle()  # the first reminder round comes an interval after the guidance ends

    def _remind(self, view: SessionView) -> None:
        if not self._reminding:
            return
        if view.card_present:
            self._card_seen = True
        elif self._card_seen:
            # The card was taken: the resident is collecting their things. The sentence being
            # said ends; the reminders waiting are dropped and no round comes again.
            self._reminding = False
            self._next_round = None
            self._queue = deque(said for said in self._queue if not said.reminder)
            return
        if self._next_round is not None and self._clock.now() >= self._next_round and not self.speaking:
            self._round(view)

    def _round(self, view: SessionView) -> None:
        self._next_round = None
        self._say(script.reminders(view), reminder=True)
        self._settle()  # nothing to say now (or muted): the next round still comes an interval later

    def _settle(self) -> None:
        """Nothing is being said or waits: the next reminder round falls due an interval from now."""
        if not self.speaking and self._reminding and self._next_round is None:
            self._next_round = self._clock.now() + self._interval

    @property
    def _interval(self) -> timedelta:
        return timedelta(seconds=self.settings.reminder_interval)

    # --- saying ----------------------------------------------------------------------------------------
    def _say(self, lines: list[Line], reminder: bool) -> None:
        if self._level == 0 or not self.sink.audible or self._closed or not lines:
            return
        language = self._language()
        for line in lines:
            spoken, text = self._words.say(language, line)
            said = _Said(line, spoken, text, reminder, batch=self._batch)
            chosen = self._voices.for_language(spoken)
            if chosen is None:
                self._no_voice(spoken)
                continue
            synthesizer, voice = chosen
            path = self._cache.lookup(synthesizer, voice, text)
            if path is not None:
                self._ready(said, path)
            else:
                self._worker.submit(self._synthesize, said, synthesizer, voice)
            self._queue.append(said)
        self._next()

    def _synthesize(self, said: _Said, synthesizer, voice: str) -> None:
        """On the worker: make the file (or fail, by type only), then hand it to the GUI thread."""
        if said.batch == self._batch:  # a sentence dropped before its turn is not made
            try:
                path = self._cache.get(synthesizer, voice, said.text, self.settings.synth_timeout)
                said.path, said.seconds = path, wav.seconds(path)
            except (SynthesisError, OSError, EOFError) as exc:
                said.failed = True
                log.warning("voice: %s (%s) not synthesized: %s", said.line.key, said.language, _reason(exc))
            except Exception as exc:  # a bug: logged by type, the kiosk goes on without this sentence
                said.failed = True
                log.error("voice: synthesizing %s raised %s", said.line.key, type(exc).__name__)
        else:
            said.failed = True
        self._synthesized.emit(said)

    def _on_synthesized(self, said: _Said) -> None:
        said.ready = True
        if said.batch == self._batch and not self._closed:
            self._next()

    def _ready(self, said: _Said, path: Path) -> None:
        try:
            said.path, said.seconds = path, wav.seconds(path)
        except Exception:  # a damaged cache file (not a WAV): made again next time
            path.unlink(missing_ok=True)
            said.failed = True
            log.warning("voice: a damaged cached sentence for %s was removed", said.line.key)
        said.ready = True

    def _next(self) -> None:
        """Play the sentence at the head of the queue if it is ready and nothing is playing."""
        while self._playing is None and self._queue and self._queue[0].ready:
            said = self._queue.popleft()
            if said.failed or said.path is None:
                continue
            self._playing = said
            self._token += 1
            self.sink.speak(Clip(said.language, said.line.key, said.text, said.path, said.seconds), self._level, self._token)
        if self._playing is None and not self._queue:
            self._settle()

    def _on_finished(self, token: int) -> None:
        if token != self._token or self._playing is None:
            return
        self._playing = None
        self._next()

    def _cut(self) -> None:
        """Drop what waits and cut what plays."""
        self._batch += 1
        self._queue.clear()
        self._cut_playing()

    def _cut_playing(self) -> None:
        if self._playing is not None:
            self._playing = None
            self._token += 1  # the sink's late ``finished`` for it is ignored
            self.sink.halt()

    def _sound(self, name: str) -> None:
        if self._level == 0 or not self.sink.audible or self._closed:
            return
        try:
            path = self._tones.path(name)
        except OSError as exc:
            log.warning("voice: the %s tone could not be made: %s", name, type(exc).__name__)
            return
        self.sink.sound(name, path, self._level)

    def _no_voice(self, language: str) -> None:
        if language not in self._warned_no_voice:
            self._warned_no_voice.add(language)
            log.warning("voice: no synthesizer here speaks %s: its guidance is not spoken", language)

    def _warm_up(self) -> None:
        """On the worker at start: the tones into the cache, the engines' helper processes started."""
        try:
            for name in ("key", "error"):
                self._tones.path(name)
        except OSError:
            pass
        for synthesizer in self._voices.synthesizers:
            try:
                synthesizer.warm()
            except Exception as exc:  # it will be tried again at the first sentence
                log.warning("voice: %s did not start: %s", synthesizer.engine, type(exc).__name__)


def _reason(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, SynthesisError) else type(exc).__name__
