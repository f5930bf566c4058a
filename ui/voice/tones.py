"""The key click and the error sound: a few milliseconds of sine with a fade, made with ``wave`` at first use.

No sound file is kept in git: each tone is computed from the table below into the voice cache
(``<data_dir>/voice/tones``) the first time it is wanted, and read from there after that.
"""
from __future__ import annotations

import array
import math
import os
import threading
import wave
from pathlib import Path

RATE = 48_000
AMPLITUDE = 0.5  # of full scale; the volume setting scales it further at playback

# name → the notes: (frequency Hz, milliseconds; 0 Hz is a pause). Version the name to change a tone.
TONES: dict[str, tuple[tuple[float, float], ...]] = {
    "key": ((2_000.0, 25.0),),  # a short high click: the key was taken
    "error": ((440.0, 90.0), (0.0, 50.0), (440.0, 90.0)),  # two low beeps: not taken, or something went wrong
}
FADE_MS = 4.0  # in and out of every note, so it starts and ends without a crack


class Tones:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, name: str) -> Path:
        """The tone's WAV, made now if it is not in the cache yet (a few ms)."""
        path = self.root / f"{name}-v1.wav"
        if not path.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            try:
                write_tone(temporary, TONES[name])
                os.replace(temporary, path)
            finally:
                temporary.unlink(missing_ok=True)
        return path


def write_tone(path: Path, notes: tuple[tuple[float, float], ...]) -> None:
    samples = array.array("h")
    fade = int(RATE * FADE_MS / 1000)
    for frequency, ms in notes:
        count = int(RATE * ms / 1000)
        for i in range(count):
            if frequency <= 0:
                samples.append(0)
                continue
            envelope = min(1.0, i / fade, (count - 1 - i) / fade)
            samples.append(round(32767 * AMPLITUDE * envelope * math.sin(2 * math.pi * frequency * i / RATE)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(samples.tobytes())
