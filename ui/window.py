"""The kiosk window: a header (language, cancel), one page per screen, the idle question.

Everything shown is drawn from ``flow.view()`` after each event the flow handled; the window
keeps no state of the session. Nothing here is modal: the idle question, the language list
and the operator pages are parts of this one window.
"""
from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from kiosk import events as ev
from kiosk.screen_facts import facts
from kiosk.session_view import Screen, SessionView
from ui.screens.attract import AttractPage
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
from ui.widgets import text, touch

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

        header = QHBoxLayout()
        header.setContentsMargins(t.px(24), t.px(12), t.px(24), t.px(12))
        self.demo = text("demo", wrap=False)
        self.demo.setVisible(demo)
        self.service = text("", wrap=False)
        self.language = touch("", "language")
        self.language.clicked.connect(self._toggle_languages)
        self.cancel = touch("", "cancel")
        self.cancel.clicked.connect(lambda: shell.post(ev.CancelTouched()))
        header.addWidget(self.demo)
        header.addWidget(self.service, 1)
        header.addWidget(self.language)
        header.addWidget(self.cancel)

        self.languages = QFrame()
        self.languages.setProperty("role", "overlay")
        row = QHBoxLayout(self.languages)
        self._language_buttons = {}
        for code in shell.tr.languages:
            button = touch("", f"language_{code}")
            button.setText(shell.tr.name_of(code))
            button.clicked.connect(lambda _=False, c=code: self._choose_language(c))
            row.addWidget(button)
            self._language_buttons[code] = button
        self.languages.hide()

        self.stack = QStackedWidget()
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

        self.idle = QFrame()
        self.idle.setProperty("role", "overlay")
        idle_row = QHBoxLayout(self.idle)
        self.idle_text = text("title")
        self.still_here = touch("primary", "still_here")
        self.still_here.clicked.connect(lambda: shell.post(ev.StillHereTouched()))
        idle_row.addWidget(self.idle_text, 1)
        idle_row.addWidget(self.still_here)
        self.idle.hide()

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addLayout(header)
        column.addWidget(self.languages)
        column.addWidget(self.stack, 1)
        column.addWidget(self.idle)
        self.operator = None  # the operator pages, when signed in or signing in
        self._page = None
        self._last_screen = None

    # --- what the shell calls ------------------------------------------------------------------
    @property
    def current_page(self):
        return self.stack.currentWidget()

    def refresh(self) -> None:
        """Repaint from the flow's view (after every handled event and every tick)."""
        self.show_view(self.shell.kiosk.flow.view())

    def show_view(self, view: SessionView) -> None:
        if view.screen is Screen.ATTRACT and self._last_screen not in (None, Screen.ATTRACT):
            self.shell.reset_language()  # the next resident starts in Japanese
        self._last_screen = view.screen
        if self.operator is not None and self.operator.wants(view):
            self.operator.show_view(view)
            self._show(self.operator)
            self._header(view, operator=True)
            return
        page = self.pages[view.screen]
        page.show_view(view)
        self._show(page)
        self._header(view)
        self._idle(view)

    def open_operator(self) -> None:
        from ui.operator.pages import OperatorPages

        if self.operator is None:
            self.operator = OperatorPages(self.shell)
            self.stack.addWidget(self.operator)
        self.operator.sign_in()
        self.refresh()

    # --- inside -----------------------------------------------------------------------------------
    def _show(self, page) -> None:
        if page is self._page:
            return
        if self._page is not None:
            self._page.left()
        self._page = page
        page.entered()
        self.stack.setCurrentWidget(page)

    def _header(self, view: SessionView, operator: bool = False) -> None:
        tr = self.tr
        self.demo.setText(tr("header.demo"))
        self.service.setText(tr("operator.title") if operator else tr("header.service"))
        self.language.setText(tr("header.language"))
        self.language.setVisible(not operator)
        self.cancel.setText(tr("header.cancel"))
        self.cancel.setVisible(not operator and facts(view.screen).cancellable)
        for code, button in self._language_buttons.items():
            button.setEnabled(code != tr.language)

    def _idle(self, view: SessionView) -> None:
        now = self.shell.clock.now()
        warn = view.idle_warning_at is not None and now >= view.idle_warning_at and facts(view.screen).asks_still_here
        self.idle.setVisible(warn)
        if warn:
            self.idle_text.setText(self.tr("idle.question", seconds=self._page.seconds_until(view.idle_deadline)))
            self.still_here.setText(self.tr("idle.continue"))

    def _toggle_languages(self) -> None:
        self.languages.setVisible(not self.languages.isVisible())
        self.shell.post_presence()

    def _choose_language(self, code: str) -> None:
        self.languages.hide()
        self.shell.set_language(code)
