"""The kiosk window: one layout for every screen.

    header   the step indicator (カード → 暗証番号 → … → 印刷)
    body     the page of the current screen, and beside it (landscape) or below it (portrait, within
             reach from a wheelchair) the tools: 言語, 音声停止, 音量, 大きな文字
    bars     「中止しますか」 and 「続けますか」, on the same screen, never a modal dialog
    footer   中止 and 戻る on the left, the step's 次へ / confirm on the right

Everything shown is drawn from ``flow.view()`` after each event the flow handled; the window
keeps no state of the session. 中止 and 言語 sit at opposite corners, and 中止 asks first.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from kiosk import events as ev
from kiosk.screen_facts import facts
from kiosk.session_view import Screen, SessionView
from ui.screens.attract import AttractPage
from ui.screens.base import Action
from ui.screens.done import DonePage
from ui.screens.kind import KindPage
from ui.screens.municipality import MunicipalityPage
from ui.screens.notice import NoticePage
from ui.screens.order import OrderPage
from ui.screens.out_of_service import OutOfServicePage
from ui.screens.payment import PaymentPage
from ui.screens.pin import PinPage
from ui.screens.printing import PrintingPage
from ui.screens.remove_card import RemoveCardPage
from ui.screens.set_card import SetCardPage
from ui.screens.working import WorkingPage
from ui.steps import step_of
from ui.widgets import StepIndicator, bar, text, touch

TOOLS_WIDTH = 300  # the landscape tool strip, in reference pixels
LANGUAGE_COLUMNS = 3  # やさしい にほんご is the widest name


class KioskWindow(QWidget):
    def __init__(self, shell, demo: bool = False) -> None:
        super().__init__()
        self.shell = shell
        self.tr = shell.tr
        t = shell.theme
        self.setObjectName("kiosk")
        self.setFixedSize(t.width, t.height)
        self.setStyleSheet(t.stylesheet())
        self.setFont(t.font())
        edge = t.px(24)

        header = bar()
        row = QHBoxLayout(header)
        row.setContentsMargins(edge, t.px(10), edge, t.px(10))
        self.demo = text("demo", wrap=False)
        self.demo.setVisible(demo)
        self.service = text("title")
        self.steps = StepIndicator(compact=t.portrait)
        self.language = touch("tool", "language")
        self.language.clicked.connect(self._toggle_languages)
        row.addWidget(self.demo)
        row.addWidget(self.service, 1)
        row.addWidget(self.steps, 1)

        # landscape: a strip down the right side, 言語 at its top; portrait: a row above the footer
        tools = QWidget()
        tools.setObjectName("tools")
        if t.portrait:
            tool_box = QGridLayout(tools)
            tool_box.setContentsMargins(edge, t.px(8), edge, t.px(8))
        else:
            tool_box = QVBoxLayout(tools)
            tool_box.setContentsMargins(0, t.px(20), edge, t.px(8))
            tools.setFixedWidth(t.px(TOOLS_WIDTH))  # its words change with the language; the body must not move
        tool_box.setSpacing(t.px(12))
        self.voice_stop = self._tool("voice_stop", lambda: shell.voice.stop())
        self.louder = self._tool("voice_louder", lambda: shell.voice.louder())
        self.volume = text("", wrap=False, align=Qt.AlignmentFlag.AlignCenter)
        self.softer = self._tool("voice_softer", lambda: shell.voice.softer())
        self.large_text = self._tool("large_text", shell.toggle_large_text)
        self.large_text.setCheckable(True)
        if t.portrait:  # two rows across the bottom: the voice, then the text and the language
            for column, part in enumerate((self.voice_stop, self.softer, self.volume, self.louder)):
                tool_box.addWidget(part, 0, column)
            tool_box.addWidget(self.large_text, 1, 0, 1, 2)
            tool_box.addWidget(self.language, 1, 2, 1, 2)
        else:
            for part in (self.language, None, self.voice_stop, self.louder, self.volume, self.softer, self.large_text):
                if part is None:
                    tool_box.addSpacing(t.px(32))
                else:
                    tool_box.addWidget(part)
            tool_box.addStretch(1)

        # the picker takes the body's place while open: nothing else on the screen moves
        self.languages = QWidget()
        grid = QGridLayout(self.languages)
        grid.setContentsMargins(edge, edge, edge, edge)
        grid.setSpacing(t.px(20))
        columns = LANGUAGE_COLUMNS if not t.portrait else 2
        self._language_buttons = {}
        for n, code in enumerate(shell.tr.languages):
            button = touch("", f"language_{code}")
            button.setText(shell.tr.name_of(code))
            button.setStyleSheet(f"font-family: {t.for_language(code).families};")  # each name in its own letters
            button.clicked.connect(lambda _=False, c=code: self._choose_language(c))
            grid.addWidget(button, n // columns, n % columns)
            self._language_buttons[code] = button
        grid.setRowStretch(len(shell.tr.languages) // columns + 1, 1)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.languages)
        working = WorkingPage(shell)
        self.pages = {
            Screen.ATTRACT: AttractPage(shell), Screen.SET_CARD: SetCardPage(shell),
            Screen.READING_CARD: working, Screen.AUTHENTICATING: working, Screen.ISSUING: working,
            Screen.TAKING_PAYMENT: working,
            Screen.PIN: PinPage(shell), Screen.REMOVE_CARD: RemoveCardPage(shell),
            Screen.MUNICIPALITY: MunicipalityPage(shell), Screen.KIND: KindPage(shell),
            Screen.ORDER: OrderPage(shell), Screen.PAYMENT: PaymentPage(shell),
            Screen.PRINTING: PrintingPage(shell), Screen.DONE: DonePage(shell), Screen.NOTICE: NoticePage(shell),
            Screen.OUT_OF_SERVICE: OutOfServicePage(shell),
        }
        for page in dict.fromkeys(self.pages.values()):
            self.stack.addWidget(page)

        self.ask_cancel, self.ask_cancel_text, (self.cancel_yes, self.cancel_no) = self._question(
            ("cancel_yes", "", self._cancel_confirmed), ("cancel_no", "primary", self._cancel_withdrawn))
        self.idle, self.idle_text, (self.still_here,) = self._question(
            ("still_here", "primary", lambda: shell.post(ev.StillHereTouched())),)

        buttons = QWidget()
        foot = QHBoxLayout(buttons)
        foot.setContentsMargins(edge, t.px(8), edge, t.px(12))
        foot.setSpacing(t.px(32))
        self.cancel = touch("", "cancel")
        self.cancel.clicked.connect(self._cancel_touched)
        self.back = touch("", "back")
        self.forward = touch("primary", "forward")
        self._actions: dict[object, Action | None] = {self.back: None, self.forward: None}
        self.back.clicked.connect(lambda: self._run(self.back))
        self.forward.clicked.connect(lambda: self._run(self.forward))
        foot.addWidget(self.cancel)
        foot.addWidget(self.back)
        foot.addStretch(1)
        foot.addWidget(self.forward)
        self.forward.setMinimumWidth(t.px(320))  # the step's way on: the widest target on the screen
        # the questions take the footer's place: the body, and the PIN keypad in it, never move
        self.footer = QStackedWidget()
        self.footer.setObjectName("footer")
        for part in (buttons, self.ask_cancel, self.idle):
            self.footer.addWidget(part)
        self._buttons = buttons

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(header)
        if t.portrait:
            column.addWidget(self.stack, 1)
            column.addWidget(tools)  # in reach from a wheelchair, with the footer
        else:
            middle = QHBoxLayout()
            middle.addWidget(self.stack, 1)
            middle.addWidget(tools)
            column.addLayout(middle, 1)
        column.addWidget(self.footer)
        self.operator = None  # the operator pages, when signed in or signing in
        self._page = None
        self._last_screen = None
        self._asking_cancel = False
        self._picking = False  # the language picker is open
        shell.voice.changed.connect(self.refresh)  # the volume shown follows the voice at once

    # --- what the shell calls ------------------------------------------------------------------
    @property
    def current_page(self):
        return self.stack.currentWidget()

    def refresh(self) -> None:
        """Repaint from the flow's view (after every handled event and every tick)."""
        self.show_view(self.shell.kiosk.flow.view())

    def restyle(self) -> None:
        """The theme changed (大きな文字): the style sheet carries every font size."""
        self.setStyleSheet(self.shell.theme.stylesheet())

    def show_view(self, view: SessionView) -> None:
        new_resident = view.screen is Screen.ATTRACT and self._last_screen not in (None, Screen.ATTRACT)
        if view.screen is not self._last_screen:
            self._asking_cancel = self._picking = False
        self._last_screen = view.screen
        if new_resident:
            self.shell.reset_language()  # the next resident starts in Japanese, at the usual text size
        if self.operator is not None and self.operator.wants(view):
            self.operator.show_view(view)
            self._show(self.operator)
            self._chrome(view, operator=True)
            for button in (self.back, self.forward):
                self._actions[button] = None
                button.hide()
            self.footer.setCurrentWidget(self._buttons)
            return
        page = self.pages[view.screen]
        page.show_view(view)
        self._show(page)
        self.stack.setCurrentWidget(self.languages if self._picking else page)
        self._chrome(view)
        self._footer(view, page)
        self._idle(view)

    def open_operator(self) -> None:
        from ui.operator.pages import OperatorPages

        if self.operator is None:
            self.operator = OperatorPages(self.shell)
            self.stack.addWidget(self.operator)
        self.operator.sign_in()
        self.refresh()

    # --- inside -----------------------------------------------------------------------------------
    def _tool(self, name: str, action) -> object:
        button = touch("tool", name)
        button.clicked.connect(action)
        return button

    def _question(self, *buttons: tuple[str, str, object]):
        frame = QFrame()
        frame.setProperty("role", "overlay")
        row = QHBoxLayout(frame)
        row.setContentsMargins(self.shell.theme.px(24), 4, self.shell.theme.px(24), 4)
        words = text("strong")
        row.addWidget(words, 1)
        made = []
        for name, role, action in buttons:
            button = touch(role, name)
            button.clicked.connect(action)
            row.addWidget(button)
            made.append(button)
        return frame, words, tuple(made)

    def _show(self, page) -> None:
        if page is self._page:
            return
        if self._page is not None:
            self._page.left()
        self._page = page
        page.entered()
        self.stack.setCurrentWidget(page)

    def _chrome(self, view: SessionView, operator: bool = False) -> None:
        tr = self.tr
        self.demo.setText(tr("header.demo"))
        step = None if operator else step_of(view.screen)
        self.steps.show_step(tr, step)
        self.steps.setVisible(step is not None)
        self.service.setVisible(step is None)
        self.service.setText(tr("operator.title") if operator else tr("header.service"))
        self.language.setText(tr("header.language"))
        self.language.setVisible(not operator)
        for code, button in self._language_buttons.items():
            button.setEnabled(code != tr.language)
        voice = self.shell.voice
        self.voice_stop.setText(tr("header.voice_stop"))
        self.softer.setText(tr("header.softer"))
        self.louder.setText(tr("header.louder"))
        self.volume.setText(tr("header.volume", level=voice.volume))
        self.softer.setEnabled(voice.volume > 0)
        self.louder.setEnabled(voice.volume < voice.max_volume)
        self.large_text.setText(tr("header.large_text"))
        self.large_text.setChecked(self.shell.theme.large)
        cancellable = not operator and facts(view.screen).cancellable
        self.cancel.setText(tr("header.cancel"))
        self.cancel.setVisible(cancellable)
        self._asking_cancel = self._asking_cancel and cancellable
        self.ask_cancel_text.setText(tr("cancel.question"))
        self.cancel_yes.setText(tr("cancel.yes"))
        self.cancel_no.setText(tr("cancel.no"))

    def _footer(self, view: SessionView, page) -> None:
        for button, action in ((self.back, page.back(view)), (self.forward, page.forward(view))):
            self._actions[button] = action
            button.setVisible(action is not None)
            if action is not None:
                button.setObjectName(action.name)
                button.setText(action.label)
                button.setEnabled(action.enabled)

    def _run(self, button) -> None:
        action = self._actions.get(button)
        if action is not None and action.enabled:
            action.run()

    def _idle(self, view: SessionView) -> None:
        now = self.shell.clock.now()
        warn = view.idle_warning_at is not None and now >= view.idle_warning_at and facts(view.screen).asks_still_here
        self.footer.setCurrentWidget(self.idle if warn else self.ask_cancel if self._asking_cancel else self._buttons)
        if warn:
            self.idle_text.setText(self.tr("idle.question", seconds=self._page.seconds_until(view.idle_deadline)))
            self.still_here.setText(self.tr("idle.continue"))

    def _cancel_touched(self) -> None:
        self._asking_cancel = True
        self.shell.post_presence()  # repaints, and shows someone is there

    def _cancel_confirmed(self) -> None:
        self._asking_cancel = False
        self.shell.post(ev.CancelTouched())

    def _cancel_withdrawn(self) -> None:
        self._asking_cancel = False
        self.shell.post_presence()

    def _toggle_languages(self) -> None:
        self._picking = not self._picking
        self.shell.post_presence()  # repaints

    def _choose_language(self, code: str) -> None:
        self._picking = False
        self.shell.set_language(code)
