"""Voice guidance on the real kiosk (offscreen) with the record sink: what is said, in order, and the sounds.

Sentences are really synthesized (Open JTalk, espeak-ng for English) into the test's own voice
cache; the record sink keeps each one as it is handed over for playing. The test waits for each
screen's guidance before it acts, as a resident listens before touching; a sentence whose screen
is already gone when it is ready is dropped, so a screen that only waits on a device (reading the
card, printing) may or may not be heard and is left out of the comparisons.
"""
from __future__ import annotations

import dataclasses
import logging
import threading

import pytest
from PySide6.QtCore import Qt

from kiosk.clock import ManualClock
from kiosk.config import VOLUME_LEVELS, VoiceSettings
from kiosk.screen_facts import WAITS_ON_DEVICE
from kiosk.session_view import Screen, SessionView
from tests.ui.conftest import WEDNESDAY_10AM
from ui.i18n import load_catalogs
from ui.voice import build_voice, script
from ui.voice.cache import VoiceCache
from ui.voice.guide import VoiceGuide
from ui.voice.sinks import Clip, RecordSink, SilentSink, SpeakerSink
from ui.voice.synth import Espeak, OpenJTalk, SynthesisError, Synthesizer, Voices
from ui.voice.tones import Tones, write_tone

SYNTH_MS = 30_000  # a cold cache: the Japanese engine starts, then each sentence is made
DEVICE_WAITS = {f"voice.{s.value}" for s in WAITS_ON_DEVICE}
REMIND = ("voice.remind.card", "voice.remind.certificates", "voice.remind.change", "voice.remind.returned")

pytestmark = pytest.mark.skipif(not OpenJTalk.availability().usable, reason=OpenJTalk.availability().reason)


@pytest.fixture
def voiced(make_kiosk, kiosk_config):
    def make(**settings):
        voice = VoiceSettings(**{"output": "record", **settings})
        return make_kiosk(config=dataclasses.replace(kiosk_config, voice=voice))
    return make


class Ear:
    """Listens to the record sink: waits for sentences and tells what was said since the last look."""

    def __init__(self, kiosk) -> None:
        self.kiosk, self.voice = kiosk, kiosk.shell.voice
        self.sink: RecordSink = self.voice.sink
        assert isinstance(self.sink, RecordSink)
        self.seen = 0

    def hear(self, *keys: str) -> list:
        """Wait until ``keys`` have been said (in this order) since the last call; the records said since."""
        def heard() -> bool:
            said = [r.key for r in self.sink.records[self.seen:] if r.kind == "say"]
            it = iter(said)
            return all(key in it for key in keys)
        self.kiosk.qtbot.waitUntil(heard, timeout=SYNTH_MS)
        self.quiet()
        new, self.seen = self.sink.records[self.seen:], len(self.sink.records)
        return new

    def quiet(self) -> None:
        self.kiosk.qtbot.waitUntil(lambda: not self.voice.speaking, timeout=SYNTH_MS)

    def nothing_new(self) -> bool:
        self.quiet()
        return len(self.sink.records) == self.seen


def _cancel(k) -> int:
    """中止, confirmed if the window asks; the number of buttons touched."""
    from PySide6.QtWidgets import QApplication, QPushButton

    k.touch("cancel")
    QApplication.processEvents()
    if any(b.isVisible() for b in k.shell.window.findChildren(QPushButton, "cancel_yes")):
        k.touch("cancel_yes")
        return 2
    return 1


def _said(records) -> list[str]:
    return [r.key for r in records if r.kind == "say" and r.key not in DEVICE_WAITS]


def _sounds(records) -> list[str]:
    return [r.key for r in records if r.kind == "sound"]


def test_a_juminhyo_session_is_spoken_screen_by_screen(voiced):
    k = voiced(reminder_interval=10)
    ear = Ear(k)
    assert _said(ear.hear("voice.attract")) == ["voice.attract"]

    k.set_card("sato-ichiro")
    k.wait_for(Screen.PIN)
    assert _said(ear.hear("voice.pin")) == ["voice.pin"]  # three tries left: no warning
    k.enter_pin("4721")
    k.wait_for(Screen.REMOVE_CARD)
    records = ear.hear("voice.remove_card")
    assert _sounds(records) == ["key"] * 5  # four digits and 確定
    assert _said(records) == ["voice.remove_card"]

    k.pull_card()
    k.wait_for(Screen.KIND)
    assert _said(ear.hear("voice.kind")) == ["voice.kind"]
    k.touch("kind_juminhyo")
    k.wait_for(Screen.ORDER)
    assert _said(ear.hear("voice.order")) == ["voice.order"]
    k.touch("confirm")
    k.wait_for(Screen.PAYMENT)
    records = ear.hear("voice.payment")
    assert _said(records) == ["voice.payment"]
    assert "300円" in records[-1].text and records[-1].language == "ja"

    k.insert(500)
    k.wait_for(Screen.DONE)
    records = ear.hear("voice.done", "voice.remind.change")
    assert _said(records) == ["voice.done", "voice.remind.certificates", "voice.remind.change"]
    texts = {r.key: r.text for r in records}
    assert "1通" in texts["voice.remind.certificates"] and "200円" in texts["voice.remind.change"]
    assert "voice.remind.card" not in texts  # the card was taken long ago

    # the reminders come again when the kiosk's clock has moved on by the interval, not before
    k.advance(9)
    assert ear.nothing_new()
    k.advance(1.5)
    assert _said(ear.hear("voice.remind.change")) == ["voice.remind.certificates", "voice.remind.change"]

    # 音声停止: no more reminders on this screen
    k.shell.voice.stop()
    k.advance(8)
    assert ear.nothing_new()
    assert k.screen is Screen.DONE

    k.advance(10)  # the done screen times out: back to the start, which speaks again
    k.wait_for(Screen.ATTRACT)
    assert _said(ear.hear("voice.attract")) == ["voice.attract"]
    everything = " ".join(r.text for r in ear.sink.records)
    assert "佐藤" not in everything and "一郎" not in everything  # never a name


def test_the_idle_question_is_spoken_and_more_time_keeps_the_session(voiced):
    k = voiced()
    ear = Ear(k)
    k.sign_in()
    k.wait_for(Screen.KIND)
    ear.hear("voice.kind")
    warning = k.view.idle_warning_at
    k.advance((warning - k.clock.now()).total_seconds() + 0.5)
    assert _said(ear.hear("voice.idle")) == ["voice.idle"]
    k.touch("still_here")  # 時間を延長する
    assert k.screen is Screen.KIND and k.view.idle_warning_at > k.clock.now()
    ear.quiet()
    assert _said(ear.sink.records[ear.seen:]) == []  # a key sound, and no question any more


def test_card_reminders_repeat_until_the_card_is_taken(voiced):
    k = voiced(reminder_interval=10)
    ear = Ear(k)
    ear.hear("voice.attract")
    k.set_card("sato-ichiro")
    k.wait_for(Screen.PIN)
    ear.hear("voice.pin")
    touched = _cancel(k)  # 中止 with the card still on the reader
    k.wait_for(Screen.NOTICE)
    records = ear.hear("voice.remind.card")
    assert _said(records) == ["voice.notice.cancelled", "voice.notice", "voice.remind.card"]
    assert _sounds(records) == ["key"] * touched

    k.advance(10.5)
    assert _said(ear.hear("voice.remind.card")) == ["voice.remind.card"]
    k.advance(10.5)
    assert _said(ear.hear("voice.remind.card")) == ["voice.remind.card"]

    k.pull_card()
    k.settle()
    k.advance(3)
    assert ear.nothing_new()


def test_the_remove_card_screen_reminds_after_an_interval_until_the_card_is_taken(voiced):
    k = voiced(reminder_interval=10)
    ear = Ear(k)
    k.set_card("sato-ichiro")
    k.wait_for(Screen.PIN)
    ear.hear("voice.pin")
    k.enter_pin("4721")
    k.wait_for(Screen.REMOVE_CARD)
    ear.hear("voice.remove_card")
    k.advance(9.5)
    assert ear.nothing_new()  # the guidance itself said it: the first reminder comes an interval later
    k.advance(1)
    assert _said(ear.hear("voice.remind.card")) == ["voice.remind.card"]
    k.pull_card()
    k.wait_for(Screen.KIND)
    assert _said(ear.hear("voice.kind")) == ["voice.kind"]


def test_wrong_pin_sounds_the_error_and_says_the_tries_left(voiced):
    k = voiced()
    ear = Ear(k)
    k.set_card("sato-ichiro")
    k.wait_for(Screen.PIN)
    ear.hear("voice.pin")

    # 確定 is disabled with no digit typed: pressing it sounds the error
    k.qtbot.mouseClick(k.button("pin_ok"), Qt.MouseButton.LeftButton)
    assert _sounds(ear.sink.records[ear.seen:]) == ["error"]

    k.enter_pin("0000")
    k.wait_for(Screen.PIN)
    records = ear.hear("voice.pin.tries_left")
    assert _sounds(records) == ["error", "key", "key", "key", "key", "key", "error"]
    assert _said(records) == ["voice.pin.wrong", "voice.pin.tries_left"]
    assert "2回" in records[-1].text


def test_rejected_money_sounds_the_error_and_says_what_to_do(voiced):
    k = voiced()
    ear = Ear(k)
    k.to_payment("juminhyo")
    ear.hear("voice.payment")
    k.insert(5000)  # not accepted by this kiosk
    records = ear.hear("voice.payment.rejected")
    assert _sounds(records) == ["error"]
    assert _said(records) == ["voice.payment.rejected"]


def test_stop_cuts_what_is_said_and_what_waits(voiced):
    k = voiced()
    ear = Ear(k)
    k.to_payment("juminhyo")
    ear.hear("voice.payment")
    k.insert(500)
    k.wait_for(Screen.DONE)
    ear.hear("voice.remind.change")  # every sentence of the screen is in the cache now
    voice = k.shell.voice
    voice.repeat()  # the first sentence is handed over at once, the others wait their turn
    assert voice.speaking
    voice.stop()
    assert not voice.speaking
    assert _said(ear.sink.records[ear.seen:]) == ["voice.done"]
    ear.seen = len(ear.sink.records)
    k.advance(12)
    assert ear.nothing_new()  # and the reminders of this screen are off

    voice.repeat()  # 繰り返し: the guidance and the reminders again
    assert _said(ear.hear("voice.remind.change")) == ["voice.done", "voice.remind.certificates", "voice.remind.change"]


def test_volume_steps_mute_and_a_new_resident_starts_at_the_usual_level(voiced):
    k = voiced(volume=3)
    ear = Ear(k)
    voice = k.shell.voice
    changes = []
    voice.changed.connect(lambda: changes.append(voice.volume))
    ear.hear("voice.attract")
    assert voice.volume == 3 and voice.max_volume == VOLUME_LEVELS

    voice.louder()
    voice.repeat()
    assert [r.level for r in ear.hear("voice.attract")] == [4]
    for _ in range(5):
        voice.louder()
    assert voice.volume == VOLUME_LEVELS
    voice.softer()
    voice.repeat()
    assert [r.level for r in ear.hear("voice.attract")] == [VOLUME_LEVELS - 1]
    assert {4, VOLUME_LEVELS} <= set(changes)  # the window was told of each step

    for _ in range(10):
        voice.softer()
    assert voice.volume == 0
    voice.repeat()
    voice.key_sound()
    assert ear.nothing_new()  # silent: nothing said, no click

    voice.set_volume(2)
    voice.set_muted(True)
    assert voice.muted
    voice.repeat()
    assert ear.nothing_new()
    voice.set_muted(False)

    k.set_card("sato-ichiro")  # a session, then back to the start: the usual level again
    k.wait_for(Screen.PIN)
    ear.hear("voice.pin")
    _cancel(k)
    k.wait_for(Screen.NOTICE)
    k.pull_card()
    k.settle()
    k.touch("finish")
    k.wait_for(Screen.ATTRACT)
    records = ear.hear("voice.attract")
    assert records[-1].level == 3 and voice.volume == 3


@pytest.mark.skipif(not Espeak.availability().usable, reason=Espeak.availability().reason)
def test_english_is_spoken_in_english(voiced):
    k = voiced()
    ear = Ear(k)
    ear.hear("voice.attract")
    k.shell.set_language("en")
    records = ear.hear("voice.attract")
    assert records[-1].language == "en" and "My Number Card" in records[-1].text
    k.to_payment("juminhyo")
    records = ear.hear("voice.payment")
    assert records[-1].language == "en" and "300 yen" in records[-1].text


def test_every_spoken_message_is_in_japanese_and_english():
    catalogs = load_catalogs()
    keys = script.every_key()
    for language in ("ja", "en"):
        assert not keys - set(catalogs[language]), language
    written = {key for key in catalogs["ja"] if key.startswith("voice.")}
    assert written == keys, {"not said by ui/voice/script.py": written - keys}


def test_output_off_says_nothing_and_makes_nothing(make_kiosk, kiosk_config):
    k = make_kiosk(config=dataclasses.replace(kiosk_config, voice=VoiceSettings(output="off")))
    voice = k.shell.voice
    assert isinstance(voice.sink, SilentSink) and not voice.enabled
    k.set_card("sato-ichiro")
    k.wait_for(Screen.PIN)
    voice.repeat()
    assert not voice.speaking
    assert not (kiosk_config.data_dir / "voice").exists() or not any((kiosk_config.data_dir / "voice").rglob("*.wav"))


def test_the_speaker_never_hangs_with_or_without_an_audio_device(qtbot, tmp_path):
    """Offscreen CI has no audio output: a clip still ends (played out, or by the watchdog)."""
    from ui.voice.tones import Tones

    sink = SpeakerSink()
    path = Tones(tmp_path).path("key")
    ended = []
    sink.finished.connect(ended.append)
    sink.speak(Clip("ja", "voice.test", "", path, 0.025), 3, 7)
    sink.sound("error", Tones(tmp_path).path("error"), 3)
    qtbot.waitUntil(lambda: ended == [7], timeout=SpeakerSink.WATCHDOG_MARGIN_MS + 3_000)
    sink.speak(Clip("ja", "voice.test", "", path, 0.025), 3, 8)
    sink.halt()
    assert ended[-1] == 8
    sink.close()


def test_build_voice_chooses_the_sink_from_the_config(kiosk_config, qtbot):
    from kiosk.clock import SystemClock

    for output, kind in (("record", RecordSink), ("off", SilentSink), ("speaker", SpeakerSink)):
        config = dataclasses.replace(kiosk_config, voice=VoiceSettings(output=output))
        guide = build_voice(config, SystemClock(), language=lambda: "ja")
        try:
            assert isinstance(guide.sink, kind)
        finally:
            guide.close()


class _Fake(Synthesizer):
    """Writes a short tone for any text; fails for texts holding ``fail``; notes the thread it ran on."""

    engine = "fake/1"

    def __init__(self, fail: str) -> None:
        self.fail, self.threads = fail, []

    @classmethod
    def availability(cls):  # pragma: no cover - not asked
        raise NotImplementedError

    def voice_for(self, language: str) -> str | None:
        return "v"

    def synthesize(self, text: str, voice: str, out, timeout: float) -> None:
        self.threads.append(threading.current_thread())
        if self.fail in text:
            raise SynthesisError("fake: failed")
        write_tone(out, ((440.0, 20.0),))


def test_synthesis_runs_off_the_gui_thread_and_a_failure_is_skipped_and_logged_without_its_text(
        qtbot, tmp_path, caplog):
    fake = _Fake(fail="300")
    sink = RecordSink(log_lines=False)
    guide = VoiceGuide(sink, clock=ManualClock(WEDNESDAY_10AM), language=lambda: "ja", cache=VoiceCache(tmp_path),
                       tones=Tones(tmp_path / "tones"), voices=Voices([fake]))
    try:
        with caplog.at_level(logging.WARNING, logger="ui.voice"):
            guide.show(SessionView(screen=Screen.PAYMENT, due=300))  # "…300円です…": fails
            assert guide.speaking  # waiting for the worker
            qtbot.waitUntil(lambda: not guide.speaking, timeout=SYNTH_MS)
            assert sink.said() == []  # skipped, and the kiosk goes on
            guide.show(SessionView(screen=Screen.KIND))
            qtbot.waitUntil(lambda: sink.said() == ["voice.kind"], timeout=SYNTH_MS)
        assert len(fake.threads) == 2 and threading.main_thread() not in fake.threads
        logged = " ".join(r.getMessage() for r in caplog.records)
        assert "voice.payment" in logged and "fake: failed" in logged
        assert "300" not in logged and "円" not in logged
    finally:
        guide.close()
