"""The Qt shell around the core: builds the kiosk with a threaded executor, ticks the clock, owns the window.

The shell is what screens talk to: ``post`` a touch, read the clock, the language, the theme.
Device actions from the operator and the demo panel go through ``device`` so they run on the
device's own worker, never on the GUI thread.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk import events as ev
from app.bootstrap import build_kiosk
from kiosk.clock import Clock
from kiosk.config import KioskConfig
from ui.executor import QtEffectExecutor
from ui.i18n import FIRST, Translator
from ui.theme import Theme, load_font
from ui.voice import build_voice

TICK_MS = 250  # countdowns show whole seconds; a quarter second keeps them on time


class KioskShell(QObject):
    changed = Signal()  # the window was repainted from a new view

    def __init__(self, config: KioskConfig, clock: Clock, *, size: tuple[int, int] = (1280, 1024),
                 demo: bool = False, tick: bool = True) -> None:
        super().__init__()
        from ui.window import KioskWindow

        self.config = config
        self.clock = clock
        self.tr = Translator()
        self.theme = Theme(size[0], size[1], load_font())
        self.executor = QtEffectExecutor(self)
        self.kiosk = build_kiosk(config, clock, self.executor, post_from_devices=self.executor.marshal)
        self.catalog = self.kiosk.catalog
        self.denominations = self.kiosk.cash.denominations
        self.voice = build_voice(config, clock, language=lambda: self.tr.language, parent=self)  # before the window: it wires the voice buttons
        self.window = KioskWindow(self, demo=demo)
        self.voice.watch(self.window)  # key click / error sound on the window's buttons
        self.kiosk.runtime.on_change(self._changed)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        if tick:
            self.timer.start()
        self.window.refresh()
        self.voice.show(self.kiosk.flow.view())

    def start(self) -> None:
        """Watch the card reader (a card already on it starts a session), on the card worker."""
        self.device("card", self.kiosk.start)

    def close(self) -> None:
        self.timer.stop()
        self.voice.close()
        self.executor.shutdown()
        self.kiosk.close()

    # --- what screens use ------------------------------------------------------------------------
    def post(self, event: ev.Event) -> None:
        self.kiosk.runtime.post(event)

    def post_presence(self) -> None:
        """A touch the flow has no event for (details, language): it still shows someone is there."""
        self.post(ev.StillHereTouched())

    def tick(self) -> None:
        self.post(ev.Tick(self.clock.now()))

    def device(self, family: str, action, done=None) -> None:
        self.executor.run_on(family, action, done)

    def service_status(self, now):
        return self.catalog.service_status(now)

    def set_language(self, code: str) -> None:
        self.tr.set_language(code)
        self._restyle()
        self.post_presence()

    def reset_language(self) -> None:
        self.tr.set_language(FIRST)
        self._restyle()
        if self.theme.large:  # the next resident starts with the usual text size too
            self.toggle_large_text()

    def toggle_large_text(self) -> None:
        self.theme = self.theme.with_large_text(not self.theme.large)
        self.window.restyle()
        self.post_presence()

    def _restyle(self) -> None:
        """Chinese, Korean and Vietnamese read in their own face: the style sheet follows the language."""
        theme = self.theme.for_language(self.tr.language)
        if theme != self.theme:
            self.theme = theme
            self.window.restyle()

    def set_in_service(self, in_service: bool) -> None:
        self.kiosk.flow.set_in_service(in_service)
        self.window.refresh()

    # --- inside ------------------------------------------------------------------------------------
    def _changed(self) -> None:
        self.window.refresh()
        self.voice.show(self.kiosk.flow.view())  # a new screen speaks; reminders run on the clock
        self.changed.emit()
