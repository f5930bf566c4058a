"""Voice guidance, offline: each screen's guidance spoken, reminders, key and error sounds.

    guide = build_voice(config, clock, language=lambda: tr.language)   # the shell, once
    guide.watch(window)                                                # key click / error sound on buttons
    guide.show(view)                                                   # after every repaint
    guide.stop() / louder() / softer() / repeat() / volume / muted     # the window's voice buttons

Japanese (and ``ja-x-easy``) is spoken by Open JTalk (pyopenjtalk-plus, HTS voice Mei), other
languages by espeak-ng; sentences are cached as WAVs under ``<data_dir>/voice`` and the fixed
ones are made ahead with ``python -m ui.voice.build``. ``[voice] output`` chooses the speaker, a
record of what was said (tests, a kiosk without speakers), or off. See README.md here for the
voices' licences. Importing this package loads no Qt: ``build`` and the synthesizers run without it.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.clock import Clock
from kiosk.config import KioskConfig

if TYPE_CHECKING:
    from PySide6.QtCore import QObject

    from ui.voice.guide import VoiceGuide


def build_voice(config: KioskConfig, clock: Clock, language: Callable[[], str],
                parent: QObject | None = None) -> VoiceGuide:
    """The one place the voice's sink is chosen from ``[voice] output``."""
    from ui.voice.cache import VoiceCache
    from ui.voice.guide import VoiceGuide
    from ui.voice.sinks import RecordSink, SilentSink, Sink, SpeakerSink
    from ui.voice.tones import Tones

    settings = config.voice
    sink: Sink
    if settings.output == "speaker":
        sink = SpeakerSink()
    elif settings.output == "record":
        sink = RecordSink()
    else:
        sink = SilentSink()
    root = config.data_dir / "voice"
    return VoiceGuide(sink, clock=clock, language=language, cache=VoiceCache(root), tones=Tones(root / "tones"),
                      settings=settings, parent=parent)
