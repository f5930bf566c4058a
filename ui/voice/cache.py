"""The disk cache of spoken sentences: one WAV per (engine, voice, text), under ``<data_dir>/voice``.

A file's name is a hash of what made it, so a changed sentence, voice or engine makes a new file
and an old one is simply not asked for again. Files are written whole (a temporary name, then a
rename), so a reader never sees half a file. The texts are fixed guidance and amounts: the cache
holds nothing personal. Fixed prompts are made ahead by ``python -m ui.voice.build``; sentences
with amounts are made on demand by the guide's worker.
"""
from __future__ import annotations

import hashlib
import os
import threading
import wave
from pathlib import Path

from ui.voice import wav
from ui.voice.synth import SynthesisError, Synthesizer

FORMAT = "2"  # bump to ignore every file made before (e.g. another sample format)


class VoiceCache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.made = 0  # syntheses run through this cache (the tests and the bench count them)

    def path(self, engine: str, voice: str, text: str) -> Path:
        digest = hashlib.sha256("\0".join((FORMAT, engine, voice, text)).encode("utf-8")).hexdigest()
        return self.root / digest[:2] / f"{digest[:40]}.wav"

    def lookup(self, synthesizer: Synthesizer, voice: str, text: str) -> Path | None:
        """The cached file, if there is one (a quick stat: fine on the GUI thread)."""
        path = self.path(synthesizer.engine, voice, text)
        try:
            return path if path.stat().st_size > 44 else None  # more than a WAV header
        except OSError:
            return None

    def get(self, synthesizer: Synthesizer, voice: str, text: str, timeout: float) -> Path:
        """The cached file, synthesized first if needed. Blocks: call it on a worker thread."""
        found = self.lookup(synthesizer, voice, text)
        if found is not None:
            return found
        path = self.path(synthesizer.engine, voice, text)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp.wav")
        try:
            synthesizer.synthesize(text, voice, temporary, timeout)
            try:
                length = wav.seconds(temporary)
            except (OSError, EOFError, wave.Error):
                raise SynthesisError(f"{synthesizer.engine}: wrote no readable WAV") from None
            if length <= 0:
                raise SynthesisError(f"{synthesizer.engine}: wrote no audio")
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        self.made += 1
        return path
