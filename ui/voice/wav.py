"""WAV files with the standard library's ``wave``: writing synthesized samples, reading a file's length and loudness."""
from __future__ import annotations

import array
import math
import wave
from collections.abc import Sequence
from pathlib import Path


def write_pcm16(path: Path, samples: Sequence[float], rate: int) -> None:
    """Mono 16-bit PCM from samples in int16 scale (pyopenjtalk's float64 output), clipped."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a dependency; the tones need none of it
        frames = array.array("h", (max(-32768, min(32767, round(s))) for s in samples)).tobytes()
    else:
        frames = np.clip(np.rint(np.asarray(samples, dtype=np.float64)), -32768, 32767).astype("<i2").tobytes()
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)


def halve_rate(samples):  # noqa: ANN001, ANN201 - numpy arrays in and out
    """Samples at half the rate: a windowed-sinc half-band low-pass (61 taps), then every other sample.
    Open JTalk's voice comes at 48 kHz; speech needs far less, and the cache takes half the room."""
    import numpy as np

    n = np.arange(-30, 31)
    taps = np.sinc(n / 2) / 2 * np.hamming(len(n))
    return np.convolve(np.asarray(samples, dtype=np.float64), taps / taps.sum(), mode="same")[::2]


def seconds(path: Path) -> float:
    """The playing time of a WAV file; raises ``wave.Error``/``EOFError``/``OSError`` if it is not one."""
    with wave.open(str(path), "rb") as w:
        rate = w.getframerate()
        return w.getnframes() / rate if rate else 0.0


def rms(path: Path) -> float:
    """Root mean square of a 16-bit WAV's samples, 0..32768 (0: silence)."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2:
            raise wave.Error("not 16-bit PCM")
        data = array.array("h", w.readframes(w.getnframes()))
    return math.sqrt(sum(s * s for s in data) / len(data)) if data else 0.0
