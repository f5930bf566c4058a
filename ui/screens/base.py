"""What every screen shares: access to the shell, the footer actions, and the one method the window calls."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from kiosk.session_view import SessionView


@dataclass(frozen=True)
class Action:
    """A footer button: 戻る on the left or the step's own 次へ / confirm on the right."""

    name: str  # the button's object name: what tests, the autopilot and the voice refer to
    label: str
    run: Callable[[], None]
    enabled: bool = True


class Page(QWidget):
    """One screen. It shows a SessionView and turns touches into flow events; it decides nothing."""

    def __init__(self, shell) -> None:
        super().__init__()
        self.shell = shell
        self.tr = shell.tr
        self.theme = shell.theme
        # the page's content scrolls only when it cannot fit (大きな文字 on a small panel): never cut
        content = QWidget()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.box = QVBoxLayout(content)
        m = self.theme.px(24)
        self.box.setContentsMargins(m, m // 2, m, m // 2)
        self.box.setSpacing(self.theme.px(20))

    def post(self, event) -> None:
        self.shell.post(event)

    def entered(self) -> None:
        """The window just switched to this page (reset what a page keeps between views)."""

    def left(self) -> None:
        """The window switched away from this page."""

    def show_view(self, view: SessionView) -> None:
        raise NotImplementedError

    def back(self, view: SessionView) -> Action | None:
        """The way back from this step, if it has one (the footer's left button)."""
        return None

    def forward(self, view: SessionView) -> Action | None:
        """The step's own 次へ / confirm (the footer's right button)."""
        return None

    def seconds_until(self, deadline: datetime | None) -> int:
        if deadline is None:
            return 0
        return max(0, math.ceil((deadline - self.shell.clock.now()).total_seconds()))
