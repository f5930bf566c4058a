"""Operator mode, inside the kiosk window: sign in with the operator code, then the dashboard.

Shown only while no resident's session runs. Device health is asked on each device's worker;
the journal is read on the GUI thread (a local SQLite file, no device).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from kiosk.session_view import Screen
from ui.operator.credential import verify
from ui.operator.journal_summary import summarize
from ui.widgets import Keypad, PinDots, card_frame, text, touch

CODE_LENGTH = 6
MAX_FAILURES = 3
LOCKOUT_SECONDS = 60


class OperatorPages(QWidget):
    def __init__(self, shell) -> None:
        super().__init__()
        self.shell = shell
        self.tr = shell.tr
        t = shell.theme
        self._active = False
        self._signed_in = False
        self._code = bytearray()
        self._failures = 0
        self._locked_until: datetime | None = None
        self._health: dict[str, tuple[str, str]] = {}  # family -> (state value, detail)
        self.stack = QStackedWidget()
        QVBoxLayout(self).addWidget(self.stack)

        # sign-in
        sign_in = QWidget()
        column = QVBoxLayout(sign_in)
        self.prompt = text("title")
        self.dots = PinDots(t.px(48), CODE_LENGTH)
        self.message = text("warning")
        self.keypad = Keypad(max(t.touch, t.px(110)))
        self.keypad.digit.connect(self._digit)
        self.keypad.back.connect(self._back)
        self.keypad.clear.connect(self._clear)
        self.keypad.ok.connect(self._try_code)
        self.leave = touch("", "operator_leave")
        self.leave.clicked.connect(self.sign_out)
        for widget in (self.prompt, self.dots, self.message):
            column.addWidget(widget)
        column.addWidget(self.keypad, alignment=Qt.AlignmentFlag.AlignLeft)
        column.addStretch(1)
        column.addWidget(self.leave)
        self.stack.addWidget(sign_in)

        # dashboard
        board = QWidget()
        grid = QGridLayout(board)
        self.devices = self._section(grid, 0, 0)
        self.sales = self._section(grid, 0, 1)
        self.refunds = self._section(grid, 1, 0)
        self.queue = self._section(grid, 1, 1)
        buttons = QHBoxLayout()
        self.resume = touch("", "operator_resume")
        self.resume.clicked.connect(self._resume_printer)
        self.service = touch("", "operator_service")
        self.service.clicked.connect(self._toggle_service)
        self.update_button = touch("", "operator_update")
        self.update_button.clicked.connect(self._ask_health)
        self.sign_out_button = touch("primary", "operator_sign_out")
        self.sign_out_button.clicked.connect(self.sign_out)
        for button in (self.resume, self.service, self.update_button, self.sign_out_button):
            buttons.addWidget(button)
        grid.addLayout(buttons, 2, 0, 1, 2)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(1, 1)
        self.stack.addWidget(board)

    def _section(self, grid: QGridLayout, row: int, col: int):
        frame = card_frame()
        column = QVBoxLayout(frame)
        label = text("")
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        column.addWidget(label)
        grid.addWidget(frame, row, col)
        return label

    # --- the window's side --------------------------------------------------------------------------
    def wants(self, view) -> bool:
        return self._active and view.screen in (Screen.ATTRACT, Screen.OUT_OF_SERVICE)

    def sign_in(self) -> None:
        self._active = True
        self._signed_in = False
        self._forget_code()
        self.message.setText("")

    def sign_out(self) -> None:
        self._active = self._signed_in = False
        self._forget_code()
        self.shell.window.refresh()

    @property
    def signed_in(self) -> bool:
        return self._signed_in

    def entered(self) -> None:
        pass

    def left(self) -> None:
        self._forget_code()

    def show_view(self, view) -> None:
        tr = self.tr
        if not self._signed_in:
            self.stack.setCurrentIndex(0)
            self.prompt.setText(tr("operator.sign_in"))
            self.keypad.clear_button.setText(tr("pin.clear"))
            self.keypad.back_button.setText(tr("pin.back"))
            self.keypad.ok_button.setText(tr("pin.ok"))
            self.leave.setText(tr("operator.leave"))
            self.dots.set_filled(min(len(self._code), CODE_LENGTH))
            self.message.setVisible(bool(self.message.text()))
            self.keypad.ok_button.setEnabled(len(self._code) == CODE_LENGTH and not self._locked())
            return
        self.stack.setCurrentIndex(1)
        self._show_board(view)

    # --- sign-in ------------------------------------------------------------------------------------
    def _digit(self, digit: str) -> None:
        if len(self._code) < CODE_LENGTH:
            self._code.append(ord(digit))
        self.shell.window.refresh()

    def _back(self) -> None:
        if self._code:
            self._code[-1] = 0
            del self._code[-1]
        self.shell.window.refresh()

    def _clear(self) -> None:
        self._forget_code()
        self.shell.window.refresh()

    def _forget_code(self) -> None:
        for i in range(len(self._code)):
            self._code[i] = 0
        self._code = bytearray()

    def _locked(self) -> bool:
        return self._locked_until is not None and self.shell.clock.now() < self._locked_until

    def _try_code(self) -> None:
        code = self._code.decode("ascii")
        self._forget_code()
        if self._locked():
            self.message.setText(self.tr("operator.locked"))
        elif verify(code, self.shell.config.operator_pin_hash):
            self._signed_in, self._failures = True, 0
            self.message.setText("")
            self._ask_health()
        else:
            self._failures += 1
            self.message.setText(self.tr("operator.wrong"))
            if self._failures >= MAX_FAILURES:
                self._failures = 0
                self._locked_until = self.shell.clock.now() + timedelta(seconds=LOCKOUT_SECONDS)
                self.message.setText(self.tr("operator.locked"))
        self.shell.window.refresh()

    # --- dashboard ----------------------------------------------------------------------------------
    def _ask_health(self) -> None:
        k = self.shell.kiosk
        for family, device in (("card", k.card), ("cash", k.cash), ("printer", k.printer)):
            self.shell.device(family, device.health, lambda health, f=family: self._got_health(f, health))

    def _got_health(self, family: str, health) -> None:
        self._health[family] = (health.state.value, health.detail)
        self.shell.window.refresh()

    def _state(self, family: str) -> str:
        """A device's state in words; the adapter's detail (e.g. which fault) follows as given."""
        if family not in self._health:
            return "…"
        state, detail = self._health[family]
        words = self.tr(f"operator.state.{state}")
        return f"{words}（{detail}）" if detail and detail != state else words

    def _show_board(self, view) -> None:
        tr = self.tr
        k = self.shell.kiosk
        now = self.shell.clock.now()
        events = k.journal.events()
        day = summarize(events, now.date())
        self.devices.setText("\n".join(
            [tr("operator.devices")]
            + [f"{tr(f'operator.device.{f}')}: {self._state(f)}" for f in ("card", "cash", "printer")]
            + [tr("operator.service_state", state=tr("operator.in_service" if view.screen is Screen.ATTRACT
                                                    else "operator.out_of_service"))]
        ))
        kinds = [f"  {tr(f'kind.{kind}')}: {count}" for kind, count in sorted(day.printed_by_kind.items())]
        self.sales.setText("\n".join(
            [tr("operator.sales", date=f"{now:%Y-%m-%d}"),
             tr("operator.sales_total", amount=tr.yen(day.sales), sessions=day.sessions)] + kinds
        ))
        owed = k.journal.refunds_owed()
        self.refunds.setText("\n".join(
            [tr("operator.refunds", amount=tr.yen(sum(r.amount for r in owed)))]
            + [f"  {r.at:%m-%d %H:%M} {r.session_id[:8]} {tr.yen(r.amount)} {r.reason}" for r in owed[-8:]]
        ))
        self.queue.setText("\n".join(
            [tr("operator.queue", state=self._state("printer")),
             tr("operator.queue_jobs", count=len(day.unsettled_jobs))] + [f"  {j}" for j in day.unsettled_jobs[:6]]
        ))
        self.resume.setText(tr("operator.resume"))
        out = view.screen is Screen.OUT_OF_SERVICE
        self.service.setText(tr("operator.back_in_service" if out else "operator.take_out"))
        self.update_button.setText(tr("operator.update"))
        self.sign_out_button.setText(tr("operator.sign_out"))

    def _resume_printer(self) -> None:
        self.shell.device("printer", self.shell.kiosk.printer.resume, None)
        self._ask_health()

    def _toggle_service(self) -> None:
        self.shell.set_in_service(self.shell.kiosk.flow.screen is Screen.OUT_OF_SERVICE)

