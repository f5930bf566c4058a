"""Real offline synthesis: Open JTalk for Japanese, espeak-ng for English, the cache, deadlines, the tones, the build."""
from __future__ import annotations

import wave
from pathlib import Path

import pytest

from ui.voice import wav
from ui.voice.build import build
from ui.voice.cache import VoiceCache
from ui.voice.synth import Espeak, OpenJTalk, SynthesisError, Synthesizer, Voices
from ui.voice.tones import TONES, Tones
from ui.voice.words import Line, Words

JA = "お支払い金額は、300円です。お金を入れてください。"
EN = "The amount due is 300 yen. Please insert the money."

needs_jtalk = pytest.mark.skipif(not OpenJTalk.availability().usable, reason=OpenJTalk.availability().reason)
needs_espeak = pytest.mark.skipif(not Espeak.availability().usable, reason=Espeak.availability().reason)


class Counting(Synthesizer):
    """A real synthesizer, counted."""

    def __init__(self, inner: Synthesizer) -> None:
        self.inner, self.engine, self.calls = inner, inner.engine, 0

    @classmethod
    def availability(cls):  # pragma: no cover - not asked
        raise NotImplementedError

    def voice_for(self, language: str) -> str | None:
        return self.inner.voice_for(language)

    def synthesize(self, text: str, voice: str, out: Path, timeout: float) -> None:
        self.calls += 1
        self.inner.synthesize(text, voice, out, timeout)

    def close(self) -> None:
        self.inner.close()


def _audible_speech(path: Path, text: str) -> None:
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        assert w.getframerate() >= 16_000
    seconds = wav.seconds(path)
    # plausible speech: somewhere between 2 and 25 characters a second (kana and kanji count one each)
    assert len(text) / 25 <= seconds <= len(text) / 2 + 1, seconds
    assert wav.rms(path) > 500, "silent"


@pytest.mark.parametrize("kind, language, text", [
    pytest.param(OpenJTalk, "ja", JA, marks=needs_jtalk, id="ja-openjtalk"),
    pytest.param(Espeak, "en", EN, marks=needs_espeak, id="en-espeak"),
])
def test_a_sentence_is_synthesized_once_then_read_from_the_cache(tmp_path, kind, language, text):
    synthesizer = Counting(kind())
    try:
        voice = synthesizer.voice_for(language)
        assert voice is not None
        cache = VoiceCache(tmp_path / "voice")
        assert cache.lookup(synthesizer, voice, text) is None
        first = cache.get(synthesizer, voice, text, timeout=30)
        _audible_speech(first, text)
        before = first.read_bytes()
        second = cache.get(synthesizer, voice, text, timeout=30)
        assert second == first and second.read_bytes() == before
        assert synthesizer.calls == 1 and cache.made == 1
        assert cache.lookup(synthesizer, voice, text) == first
        assert not list(first.parent.glob(".*tmp*"))  # written whole, nothing left behind
        assert cache.path(synthesizer.engine, voice, text + "。") != first  # another text, another file
    finally:
        synthesizer.close()


def test_languages_go_to_the_engine_that_speaks_them():
    voices = Voices([OpenJTalk(), Espeak()])
    assert voices.for_language("ja")[0].engine.startswith("openjtalk")
    assert voices.for_language("ja-x-easy")[0].engine.startswith("openjtalk")
    for language, voice in (("en", "en-us"), ("zh-Hans", "cmn"), ("ko", "ko"), ("pt", "pt-br"), ("es", "es-419"),
                            ("vi", "vi")):
        synthesizer, chosen = voices.for_language(language)
        assert synthesizer.engine.startswith("espeak") and chosen == voice
    assert voices.for_language("xx") is None


@needs_jtalk
def test_a_late_synthesis_is_given_up_and_the_next_one_works(tmp_path):
    jtalk = OpenJTalk()
    try:
        with pytest.raises(SynthesisError) as late:
            jtalk.synthesize(JA, jtalk.VOICE, tmp_path / "late.wav", timeout=0.001)
        assert JA not in str(late.value) and "300" not in str(late.value)  # named by type, never the text
        jtalk.synthesize(JA, jtalk.VOICE, tmp_path / "next.wav", timeout=30)
        _audible_speech(tmp_path / "next.wav", JA)
    finally:
        jtalk.close()


class Garbage(Synthesizer):
    engine = "garbage/1"

    @classmethod
    def availability(cls):  # pragma: no cover - not asked
        raise NotImplementedError

    def voice_for(self, language: str) -> str | None:
        return "x"

    def synthesize(self, text: str, voice: str, out: Path, timeout: float) -> None:
        out.write_bytes(b"not a wav")


@needs_espeak
def test_a_failed_or_late_synthesis_is_an_error_without_the_text_and_leaves_no_file(tmp_path):
    cache = VoiceCache(tmp_path)
    with pytest.raises(SynthesisError) as late:
        cache.get(Espeak(), "en-us", EN * 50, timeout=0.0001)
    with pytest.raises(SynthesisError) as garbage:
        cache.get(Garbage(), "x", EN, timeout=10)
    for error in (late, garbage):
        assert "300" not in str(error.value) and "amount" not in str(error.value)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_the_tones_are_made_at_first_use_short_and_not_silent(tmp_path):
    tones = Tones(tmp_path / "tones")
    assert not (tmp_path / "tones").exists()
    for name, notes in TONES.items():
        path = tones.path(name)
        assert abs(wav.seconds(path) - sum(ms for _, ms in notes) / 1000) < 0.002
        assert wav.rms(path) > 1000
        assert tones.path(name) == path
    assert wav.seconds(tones.path("key")) < 0.05


@needs_jtalk
@needs_espeak
def test_the_build_makes_every_fixed_sentence_once(tmp_path):
    catalogs = {
        "ja": {"voice.a": "カードを、お取りください。", "voice.b": "お支払い金額は、{amount}円です。", "other": "画面"},
        "en": {"voice.a": "Please take your card.", "voice.b": "The amount due is {amount} yen.", "other": "screen"},
        "xx": {"voice.a": "?"},
    }
    words = Words(catalogs)
    assert sorted(k for _, k, _ in words.fixed()) == ["voice.a", "voice.a", "voice.a"]
    voices = Voices([OpenJTalk(), Espeak()])
    try:
        cache = VoiceCache(tmp_path)
        assert build(cache, voices, words, timeout=30) == (2, 0, 0, {"xx"})
        assert build(cache, voices, words, timeout=30) == (0, 2, 0, {"xx"})
    finally:
        voices.close()


def test_a_missing_translation_is_spoken_in_japanese_by_the_japanese_voice():
    words = Words({"ja": {"voice.x": "{count}通です。"}, "en": {"other": "x"}})
    assert words.say("en", Line.of("voice.x", count=2)) == ("ja", "2通です。")
    plural = Words({"ja": {"voice.x": "{count}通"}, "en": {"voice.x": {"plural": "count", "one": "one copy",
                                                                        "other": "{count} copies"}}})
    assert plural.say("en", Line.of("voice.x", count=1)) == ("en", "one copy")
    assert plural.say("en", Line.of("voice.x", count=3)) == ("en", "3 copies")
