"""The Qt kiosk under test: built by the real composition root over the simulated devices,
a ManualClock moved by the test, and a driver that touches buttons the way a resident does."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import datetime  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QPushButton  # noqa: E402

from kiosk.screen_facts import WAITS_ON_DEVICE
from kiosk.clock import JST, ManualClock  # noqa: E402
from kiosk.session_view import Screen  # noqa: E402
from ui.phrases import plain  # noqa: E402

WEDNESDAY_10AM = datetime(2026, 11, 25, 10, 0, tzinfo=JST)
_DEVICE_SCREENS = WAITS_ON_DEVICE  # the screen table says which screens only wait on a device
WAIT_MS = 10_000


class Driver:
    """Touches count only what the resident does on screen; cards and coins are devices."""

    def __init__(self, shell, clock: ManualClock, qtbot) -> None:
        self.shell, self.clock, self.qtbot = shell, clock, qtbot
        self.k = shell.kiosk
        self.touches = 0

    # --- the resident ----------------------------------------------------------------------------
    def button(self, name: str) -> QPushButton:
        """The named button once it is on screen (new widgets show at the next turn of the event loop)."""
        def visible() -> list[QPushButton]:
            return [b for b in self.shell.window.findChildren(QPushButton, name) if b.isVisible()]
        self.qtbot.waitUntil(lambda: bool(visible()), timeout=WAIT_MS)
        return visible()[0]

    def touch(self, name: str) -> None:
        button = self.button(name)
        assert button.isEnabled(), f"button {name!r} is disabled on {self.screen}"
        assert min(button.width(), button.height()) >= 80, f"{name!r} is {button.width()}×{button.height()} px"
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        self.touches += 1

    def enter_pin(self, pin: str) -> None:
        for digit in pin:
            self.touch(f"pin_key_{digit}")
        self.touch("pin_ok")

    # --- devices (on their workers, like real ones) ------------------------------------------------
    def set_card(self, name: str) -> None:
        self.shell.device("card", lambda: self.k.card.insert(name))

    def pull_card(self) -> None:
        self.shell.device("card", self.k.card.remove)

    def insert(self, *denominations: int) -> None:
        for d in denominations:
            self.shell.device("cash", lambda d=d: self.k.cash.insert(d))

    def on_device(self, family: str, action) -> None:
        self.shell.device(family, action)

    # --- waiting ---------------------------------------------------------------------------------------
    @property
    def screen(self) -> Screen:
        return self.k.flow.screen

    @property
    def view(self):
        return self.k.flow.view()

    def settle(self) -> None:
        """Until no device call is out and the kiosk is not waiting on a device (moving the clock for print polls)."""
        def settled() -> bool:
            if not self.shell.executor.idle:
                return False
            if self.screen in _DEVICE_SCREENS:
                self.advance(0.5)
                return False
            return True
        self.qtbot.waitUntil(settled, timeout=WAIT_MS)

    def wait_for(self, screen: Screen) -> None:
        self.settle()
        self.qtbot.waitUntil(lambda: self.screen is screen and self.page_shows(screen), timeout=WAIT_MS)

    def page_shows(self, screen: Screen) -> bool:
        return self.shell.window.current_page is self.shell.window.pages[screen]

    def advance(self, seconds: float) -> None:
        steps = max(1, int(seconds * 2))
        for _ in range(steps):
            self.clock.advance(seconds / steps)
            self.shell.tick()

    def text(self) -> str:
        """Every visible label's text on the window, to check what the resident reads."""
        from PySide6.QtWidgets import QApplication, QLabel

        QApplication.processEvents()  # parts rebuilt by the last touch show at the next turn of the loop
        labels = self.shell.window.findChildren(QLabel)
        buttons = self.shell.window.findChildren(QPushButton)
        return plain("\n".join(w.text() for w in (*labels, *buttons) if w.isVisible()))

    # --- common paths -----------------------------------------------------------------------------------
    def sign_in(self, card: str = "sato-ichiro", pin: str = "4721") -> None:
        self.set_card(card)
        self.wait_for(Screen.PIN)
        self.enter_pin(pin)
        self.wait_for(Screen.REMOVE_CARD)
        self.pull_card()
        self.settle()

    def to_order(self, kind: str = "juminhyo") -> None:
        """Signed in, one certificate of ``kind`` chosen: on 申請内容の確認."""
        self.sign_in()
        self.wait_for(Screen.KIND)
        self.touch(f"kind_{kind}")
        self.wait_for(Screen.ORDER)

    def to_payment(self, kind: str = "juminhyo") -> None:
        """Signed in, one certificate of ``kind`` ordered as offered: on the payment screen."""
        self.to_order(kind)
        self.touch("confirm")
        self.wait_for(Screen.PAYMENT)


@pytest.fixture
def make_kiosk(qtbot, kiosk_config):
    from ui.shell import KioskShell

    shells = []

    def make(start: datetime = WEDNESDAY_10AM, size=(1280, 1024), config=kiosk_config) -> Driver:
        clock = ManualClock(start)
        shell = KioskShell(config, clock, size=size, tick=False)
        qtbot.addWidget(shell.window)
        shell.window.show()
        shell.start()
        shells.append(shell)
        driver = Driver(shell, clock, qtbot)
        driver.settle()
        return driver

    yield make
    for shell in shells:
        shell.close()


@pytest.fixture
def kiosk(make_kiosk) -> Driver:
    return make_kiosk()
