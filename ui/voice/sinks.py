"""Where the voice goes: the speaker (QtMultimedia), a record of what was said, or nowhere.

A sink takes one spoken clip at a time (``speak``) and tells the guide when it is over
(``finished(token)``), and plays short tones beside it (``sound``) on a channel of their own.
``halt`` cuts the clip being spoken. ``level`` is the guide's volume step (0..VOLUME_LEVELS).

- ``SpeakerSink`` plays WAVs with QMediaPlayer + QAudioOutput. Without an audio output (CI, a
  container) it is not ``audible`` and the guide does not synthesize for it; if it plays anyway,
  a watchdog of the clip's length ends every clip, so nothing waits on a device that never answers.
- ``RecordSink`` keeps, in order, each sentence (language, message id, text) and each tone, with the
  level it was played at, and can log them: for a kiosk without speakers, and for the tests.
  Only fixed guidance and amounts are ever said, so the record and the log hold nothing personal.
- ``SilentSink``: ``[voice] output = "off"``.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, QUrl, Signal

from kiosk.config import VOLUME_LEVELS

log = logging.getLogger("ui.voice")


@dataclass(frozen=True)
class Clip:
    """One sentence, ready to play."""

    language: str
    key: str
    text: str
    path: Path
    seconds: float


@dataclass(frozen=True)
class Record:
    kind: str  # "say" or "sound"
    key: str  # the message id ("voice.payment"), or the tone's name ("key", "error")
    level: int
    language: str = ""
    text: str = ""
    at: float = 0.0  # time.perf_counter() when it was handed to the sink (the bench reads it)


def gain(level: int) -> float:
    """A volume step as a linear gain: 6 dB a step down from full at the top step, silence at 0."""
    if level <= 0:
        return 0.0
    return 10 ** (-6 * (VOLUME_LEVELS - min(level, VOLUME_LEVELS)) / 20)


class Sink(QObject):
    finished = Signal(int)  # the token of the clip that ended (played out, cut or failed)

    @property
    def audible(self) -> bool:
        """Whether anything played here can be heard (or recorded): if not, the guide does not synthesize."""
        return True

    def speak(self, clip: Clip, level: int, token: int) -> None:
        raise NotImplementedError

    def sound(self, name: str, path: Path, level: int) -> None:
        raise NotImplementedError

    def halt(self) -> None:
        """Cut the clip being spoken (its ``finished`` may still come, with its old token)."""

    def set_level(self, level: int) -> None:
        """The volume changed while a clip may be playing."""

    def close(self) -> None:
        pass


class SilentSink(Sink):
    @property
    def audible(self) -> bool:
        return False

    def speak(self, clip: Clip, level: int, token: int) -> None:
        QTimer.singleShot(0, self, lambda: self.finished.emit(token))

    def sound(self, name: str, path: Path, level: int) -> None:
        pass


class RecordSink(Sink):
    def __init__(self, log_lines: bool = True, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.records: list[Record] = []
        self._log = log_lines

    def speak(self, clip: Clip, level: int, token: int) -> None:
        self.records.append(Record("say", clip.key, level, clip.language, clip.text, time.perf_counter()))
        if self._log:
            log.info("voice said [%s %s level %d] %s", clip.language, clip.key, level, clip.text)
        QTimer.singleShot(0, self, lambda: self.finished.emit(token))  # "played" at once, but never inside speak()

    def sound(self, name: str, path: Path, level: int) -> None:
        self.records.append(Record("sound", name, level, at=time.perf_counter()))
        if self._log:
            log.info("voice sound [%s level %d]", name, level)

    # --- for tests and logs ------------------------------------------------------------------------
    def said(self) -> list[str]:
        """The message ids said, in order."""
        return [r.key for r in self.records if r.kind == "say"]

    def sounds(self) -> list[str]:
        return [r.key for r in self.records if r.kind == "sound"]


class SpeakerSink(Sink):
    WATCHDOG_MARGIN_MS = 2_000  # a clip is over at the latest this long after its own length

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer

        self._MediaPlayer = QMediaPlayer
        self._devices = QMediaDevices(self)
        self._devices.audioOutputsChanged.connect(self._outputs_changed)
        self._voice, self._voice_out = QMediaPlayer(self), QAudioOutput(self)
        self._voice.setAudioOutput(self._voice_out)
        self._voice.mediaStatusChanged.connect(self._status)
        self._voice.errorOccurred.connect(lambda *_: self._end())
        self._tone, self._tone_out = QMediaPlayer(self), QAudioOutput(self)
        self._tone.setAudioOutput(self._tone_out)
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.timeout.connect(self._end)
        self._token: int | None = None
        self._audible = bool(QMediaDevices.audioOutputs())
        if not self._audible:
            log.warning("voice: no audio output device: guidance is silent until one appears")

    @property
    def audible(self) -> bool:
        return self._audible

    def speak(self, clip: Clip, level: int, token: int) -> None:
        self._token = token
        self._voice_out.setVolume(gain(level))
        self._voice.setSource(QUrl.fromLocalFile(str(clip.path)))
        self._voice.play()
        self._watchdog.start(int(clip.seconds * 1000) + self.WATCHDOG_MARGIN_MS)

    def sound(self, name: str, path: Path, level: int) -> None:
        self._tone_out.setVolume(gain(level))
        url = QUrl.fromLocalFile(str(path))
        if self._tone.source() != url:
            self._tone.setSource(url)
        else:
            self._tone.setPosition(0)
        self._tone.play()

    def halt(self) -> None:
        self._watchdog.stop()
        self._voice.stop()
        self._end()

    def set_level(self, level: int) -> None:
        self._voice_out.setVolume(gain(level))

    def close(self) -> None:
        self._watchdog.stop()
        self._token = None
        self._voice.stop()
        self._tone.stop()

    # --- inside ------------------------------------------------------------------------------------
    def _status(self, status) -> None:
        if status in (self._MediaPlayer.MediaStatus.EndOfMedia, self._MediaPlayer.MediaStatus.InvalidMedia):
            self._end()

    def _end(self) -> None:
        token, self._token = self._token, None
        self._watchdog.stop()
        if token is not None:
            self.finished.emit(token)

    def _outputs_changed(self) -> None:
        from PySide6.QtMultimedia import QMediaDevices

        self._audible = bool(QMediaDevices.audioOutputs())
        default = QMediaDevices.defaultAudioOutput()
        self._voice_out.setDevice(default)
        self._tone_out.setDevice(default)
        log.info("voice: audio outputs changed; %s", "audible" if self._audible else "no output: silent")
