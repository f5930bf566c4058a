"""What every screen shares: access to the shell, and the one method the window calls."""
from __future__ import annotations

import math
from datetime import datetime

from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.session_view import SessionView


class Page(QWidget):
    """One screen. It shows a SessionView and turns touches into flow events; it decides nothing."""

    def __init__(self, shell) -> None:
        super().__init__()
        self.shell = shell
        self.tr = shell.tr
        self.theme = shell.theme
        self.box = QVBoxLayout(self)
        m = self.theme.px(40)
        self.box.setContentsMargins(m, m // 2, m, m // 2)
        self.box.setSpacing(self.theme.px(24))

    def post(self, event) -> None:
        self.shell.post(event)

    def entered(self) -> None:
        """The window just switched to this page (reset what a page keeps between views)."""

    def left(self) -> None:
        """The window switched away from this page."""

    def show_view(self, view: SessionView) -> None:
        raise NotImplementedError

    def seconds_until(self, deadline: datetime | None) -> int:
        if deadline is None:
            return 0
        return max(0, math.ceil((deadline - self.shell.clock.now()).total_seconds()))
