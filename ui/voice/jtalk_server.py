"""Open JTalk in a process of its own, so that every synthesis has a deadline the kiosk can enforce.

    python -m ui.voice.jtalk_server

One request per line on stdin, JSON: ``{"text": "...", "out": "/path.wav", "speed": 1.0}``; one
answer per line on stdout: ``{"ok": true, "seconds": 1.9}`` or ``{"ok": false, "error": "TypeName"}``.
The kiosk kills the process when an answer is late and starts another for the next request
(``ui/voice/synth.py``). Errors are named by type only: the text never reaches a log.
pyopenjtalk-plus bundles the dictionary and the HTS voice Mei (CC BY 3.0, see ui/voice/README.md).
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

MIN_RATE = 22_050  # the voice's 48 kHz is halved to 24 kHz: plenty for speech, half the disk


def main() -> int:
    # The answers go through a copy of stdout; anything a library prints (pyopenjtalk prints a
    # notice about ONNX Runtime on import) goes to stderr and cannot break the protocol.
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    import pyopenjtalk

    from ui.voice.wav import halve_rate, write_pcm16

    pyopenjtalk.g2p("準備")  # loads the dictionary now, not at the first sentence
    for raw in sys.stdin:
        try:
            request = json.loads(raw)
            samples, rate = pyopenjtalk.tts(str(request["text"]), speed=float(request.get("speed", 1.0)))
            if rate >= 2 * MIN_RATE and rate % 2 == 0:
                samples, rate = halve_rate(samples), rate // 2
            write_pcm16(Path(request["out"]), samples, rate)
            answer = {"ok": True, "seconds": len(samples) / rate}
        except Exception as exc:  # one bad request never ends the server
            answer = {"ok": False, "error": type(exc).__name__}
        answers.write(json.dumps(answer) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
