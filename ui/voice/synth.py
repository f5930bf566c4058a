"""Offline speech synthesis: Open JTalk for Japanese, espeak-ng for the other languages.

Each synthesizer says whether it can run here (``availability()``), which voice it has for a
language (``voice_for``), and writes one WAV per call within a deadline: a call that raises,
answers late or writes no audio raises ``SynthesisError`` (named by type, never with the text).
Both run outside the kiosk's process, so a deadline can always be enforced by killing it:

- ``OpenJTalk``: pyopenjtalk-plus (the dictionary and the HTS voice Mei come with it) in one
  long-lived helper process, ``python -m ui.voice.jtalk_server``, started at the first request
  (about 0.2 s) and killed and started again if an answer is late.
- ``Espeak``: the ``espeak-ng`` program (Debian package ``espeak-ng``), one run per text.

They block: the voice guide calls them on its worker thread, never on the GUI thread.
"""
from __future__ import annotations

import importlib.util
import json
import os
import select
import shutil
import subprocess
import sys
import threading
import time
from abc import ABC, abstractmethod
from pathlib import Path

from kiosk.config import PROJECT_ROOT
from kiosk.health import Availability


class SynthesisError(Exception):
    """A synthesis that failed, was late, or wrote no audio. The message never holds the text."""


class Synthesizer(ABC):
    engine: str  # part of the cache key: another engine, another file

    @classmethod
    @abstractmethod
    def availability(cls) -> Availability: ...

    @abstractmethod
    def voice_for(self, language: str) -> str | None:
        """The voice that speaks ``language`` (a code like "ja", "ja-x-easy", "zh-Hans"), or None."""

    @abstractmethod
    def synthesize(self, text: str, voice: str, out: Path, timeout: float) -> None:
        """Write ``text`` spoken by ``voice`` to ``out`` (a WAV) within ``timeout`` seconds."""

    def warm(self) -> None:
        """Get ready for a first sentence (start a helper process); blocks, on the worker."""

    def close(self) -> None:
        """Let go of any helper process; a synthesis in flight on another thread fails at once."""


def _subtags(language: str) -> list[str]:
    """"zh-Hans-CN" → ["zh-hans-cn", "zh-hans", "zh"]: the most precise match first."""
    parts = language.lower().replace("_", "-").split("-")
    return ["-".join(parts[:n]) for n in range(len(parts), 0, -1)]


class OpenJTalk(Synthesizer):
    """Japanese (and やさしい日本語, ``ja-x-easy``) with Open JTalk and the HTS voice Mei."""

    engine = "openjtalk-plus/1"
    VOICE = "mei_normal"
    SPEED = 0.95  # a little slower than the voice's own pace, as guidance for everyone should be

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._pending = b""
        self._closed = False

    @classmethod
    def availability(cls) -> Availability:
        if importlib.util.find_spec("pyopenjtalk") is None:
            return Availability(False, "pyopenjtalk-plus is not installed (pip install -e .)")
        return Availability(True)

    def voice_for(self, language: str) -> str | None:
        return self.VOICE if _subtags(language)[-1] == "ja" else None

    def synthesize(self, text: str, voice: str, out: Path, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        request = json.dumps({"text": text, "out": str(out), "speed": self.SPEED}, ensure_ascii=False) + "\n"
        with self._lock:
            try:
                process = self._started()
                assert process.stdin is not None
                process.stdin.write(request.encode("utf-8"))
                process.stdin.flush()
                answer = json.loads(self._answer(process, deadline))
            except (OSError, ValueError, TimeoutError, EOFError) as exc:
                self._stop()  # late or gone: the next request gets a fresh process
                raise SynthesisError(f"openjtalk: {type(exc).__name__}") from None
        if not answer.get("ok"):
            raise SynthesisError(f"openjtalk: {answer.get('error', 'failed')}")

    def warm(self) -> None:
        with self._lock:
            self._started()

    def close(self) -> None:
        self._closed = True
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()  # an answer being waited for on another thread ends now (end of file)
        with self._lock:
            self._stop()

    # --- the helper process ------------------------------------------------------------------------
    def _started(self) -> subprocess.Popen[bytes]:
        if self._closed:
            raise EOFError("closed")
        if self._process is None or self._process.poll() is not None:
            self._pending = b""
            self._process = subprocess.Popen(
                [sys.executable, "-m", "ui.voice.jtalk_server"], cwd=PROJECT_ROOT,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return self._process

    def _answer(self, process: subprocess.Popen[bytes], deadline: float) -> str:
        assert process.stdout is not None
        fd = process.stdout.fileno()
        while b"\n" not in self._pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise TimeoutError
            chunk = os.read(fd, 65536)
            if not chunk:
                raise EOFError
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        return line.decode("utf-8")

    def _stop(self) -> None:
        process, self._process = self._process, None
        self._pending = b""
        if process is None:
            return
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        if process.poll() is None:
            process.kill()
        process.wait()


class Espeak(Synthesizer):
    """English, Chinese, Korean, Portuguese, Spanish, Vietnamese... with the espeak-ng program."""

    engine = "espeak-ng/1"
    PROGRAM = "espeak-ng"
    WORDS_PER_MINUTE = 150  # espeak-ng's default is 175: guidance is read a little slower
    # the kiosk's language codes → espeak-ng voices; residents of Japan speak Brazilian Portuguese
    # and Latin American Spanish more than the European kinds
    VOICES = {"en": "en-us", "zh-hans": "cmn", "zh": "cmn", "ko": "ko", "pt": "pt-br", "es": "es-419", "vi": "vi",
              "tl": "tl", "fil": "tl", "id": "id", "ne": "ne", "th": "th", "fr": "fr", "de": "de", "ru": "ru"}

    @classmethod
    def availability(cls) -> Availability:
        if shutil.which(cls.PROGRAM) is None:
            return Availability(False, "espeak-ng is not installed (apt-get install espeak-ng)")
        return Availability(True)

    def voice_for(self, language: str) -> str | None:
        for tag in _subtags(language):
            if tag in self.VOICES:
                return self.VOICES[tag]
        return None

    def synthesize(self, text: str, voice: str, out: Path, timeout: float) -> None:
        program = shutil.which(self.PROGRAM)
        if program is None:
            raise SynthesisError("espeak-ng: not installed")
        try:
            subprocess.run([program, "-v", voice, "-s", str(self.WORDS_PER_MINUTE), "-b", "1", "--stdin", "-w", str(out)],
                           input=text.encode("utf-8"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=timeout, check=True)
        except (OSError, subprocess.SubprocessError) as exc:
            raise SynthesisError(f"espeak-ng: {type(exc).__name__}") from None


SYNTHESIZERS: tuple[type[Synthesizer], ...] = (OpenJTalk, Espeak)  # asked in this order for a language


class Voices:
    """The synthesizers that can run here, and which one speaks a language."""

    def __init__(self, synthesizers: list[Synthesizer] | None = None) -> None:
        if synthesizers is None:
            synthesizers = [kind() for kind in SYNTHESIZERS if kind.availability().usable]
        self.synthesizers = synthesizers

    def for_language(self, language: str) -> tuple[Synthesizer, str] | None:
        for synthesizer in self.synthesizers:
            voice = synthesizer.voice_for(language)
            if voice is not None:
                return synthesizer, voice
        return None

    def close(self) -> None:
        for synthesizer in self.synthesizers:
            synthesizer.close()
