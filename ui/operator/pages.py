"""Operator mode, inside the kiosk window: sign in with the operator code, then the dashboard.

Shown only while no resident's session runs. Device health is asked on each device's worker;
the journal is read on the GUI thread (a local SQLite file, no device). From the dashboard staff
settle refunds, empty the cash box, top up the change and take the daily close (staff_work.py).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QScrollArea, QStackedWidget, QVBoxLayout, QWidget

from kiosk.session_view import Screen
from ui.operator.credential import verify
from ui.operator.journal_summary import summarize
from ui.operator.refund_page import RefundPage
from ui.operator.staff_work import Outcome, StaffWork
from ui.operator.top_up_page import TopUpPage
from ui.widgets import Keypad, PinDots, card_frame, text, touch

CODE_LENGTH = 6
MAX_FAILURES = 3
LOCKOUT_SECONDS = 60
SIGN_IN, BOARD, REFUNDS, TOP_UP = range(4)  # the pages of the stack
LISTED_REFUNDS = 4  # on the dashboard; the refunds page lists more


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
        self._cash_devices: dict[str, tuple[str, str]] | None = None  # the cash unit's devices, if it names them
        self._page = BOARD  # once signed in
        self._outcome: Outcome | None = None  # the last staff action's result, shown until the next
        self.work = StaffWork(shell, self._done)
        self.stack = QStackedWidget()
        self.outcome = text("note")  # below whichever page is shown
        page = QVBoxLayout(self)
        page.addWidget(self.stack, 1)
        page.addWidget(self.outcome)

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
        self.resume = self._button("", "operator_resume", self._resume_printer)
        self.service = self._button("", "operator_service", self._toggle_service)
        self.update_button = self._button("", "operator_update", self._ask_health)
        self.sign_out_button = self._button("primary", "operator_sign_out", self.sign_out)
        self.refunds_button = self._button("", "operator_refunds", lambda: self._open(REFUNDS))
        self.collect_button = self._button("", "operator_collect", self.work.collect)
        self.top_up_button = self._button("", "operator_top_up", self._open_top_up)
        self.day_close_button = self._button("", "operator_day_close", self.work.day_close)
        for row, buttons in ((2, (self.refunds_button, self.collect_button, self.top_up_button, self.day_close_button)),
                             (3, (self.resume, self.service, self.update_button)),
                             (4, (self.sign_out_button,))):  # its own row: four long labels do not fit one
            line = QHBoxLayout()
            for button in buttons:
                line.addWidget(button)
            grid.addLayout(line, row, 0, 1, 2)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.stack.addWidget(board)

        self.refund_page = RefundPage(shell)
        self.refund_page.pay.connect(self._pay)
        self.refund_page.back.connect(lambda: self._open(BOARD))
        self.stack.addWidget(self.refund_page)
        self.top_up_page = TopUpPage(shell, tuple(d for d in shell.denominations if d < 1000))
        self.top_up_page.top_up.connect(self._top_up)
        self.top_up_page.back.connect(lambda: self._open(BOARD))
        self.stack.addWidget(self.top_up_page)

    def _button(self, role: str, name: str, action):
        button = touch(role, name)
        button.clicked.connect(action)
        return button

    def _section(self, grid: QGridLayout, row: int, col: int):
        """A quarter of the dashboard; it scrolls only when its lines cannot fit (a cash unit whose
        devices all failed, many refunds), so no section pushes another off the page or is cut."""
        frame = card_frame()
        column = QVBoxLayout(frame)
        label = text("")
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        area.setStyleSheet("QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }")
        area.setWidget(label)
        column.addWidget(area)
        grid.addWidget(frame, row, col)
        return label

    # --- the window's side --------------------------------------------------------------------------
    def wants(self, view) -> bool:
        return self._active and view.screen in (Screen.ATTRACT, Screen.OUT_OF_SERVICE)

    def sign_in(self) -> None:
        self._active = True
        self._signed_in = False
        self._page, self._outcome = BOARD, None
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
        self._show_outcome()
        if not self._signed_in:
            self.stack.setCurrentIndex(SIGN_IN)
            self.prompt.setText(tr("operator.sign_in"))
            self.keypad.clear_button.setText(tr("pin.clear"))
            self.keypad.back_button.setText(tr("pin.back"))
            self.keypad.ok_button.setText(tr("pin.ok"))
            self.leave.setText(tr("operator.leave"))
            self.dots.set_filled(min(len(self._code), CODE_LENGTH))
            self.message.setVisible(bool(self.message.text()))
            self.keypad.ok_button.setEnabled(len(self._code) == CODE_LENGTH and not self._locked())
            return
        self.stack.setCurrentIndex(self._page)
        if self._page == REFUNDS:
            self.refund_page.show_refunds(self.shell.kiosk.journal.refunds_owed())
        elif self._page == TOP_UP:
            self.top_up_page.refresh()
        else:
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
        per_device = getattr(k.cash, "device_health", None)  # a unit of several devices says which one failed
        if callable(per_device):
            self.shell.device("cash", per_device, self._got_cash_devices)

    def _got_health(self, family: str, health) -> None:
        self._health[family] = (health.state.value, health.detail)
        self.shell.window.refresh()

    def _got_cash_devices(self, healths: dict) -> None:
        self._cash_devices = {name: (h.state.value, h.detail) for name, h in healths.items()}
        self.shell.window.refresh()

    def _state(self, family: str) -> str:
        """A device's state in words; the adapter's detail (e.g. which fault) follows as given."""
        if family not in self._health:
            return "…"
        state, detail = self._health[family]
        words = self.tr(f"operator.state.{state}")
        if family == "cash" and self._cash_faults():
            return words  # each device's own reason follows on its line
        return f"{words}（{detail}）" if detail and detail != state else words

    def _cash_faults(self) -> list[str]:
        """A line for each device of the cash unit that is not OK: its name in words, its reason as given."""
        lines = []
        for name, (state, detail) in (self._cash_devices or {}).items():
            if state == "ok":
                continue
            key = f"operator.cash_device.{name.replace(' ', '_')}"
            words = self.tr(key) if self.tr.has(key) else name
            detail = detail.removeprefix(f"{name}: ")
            reason = f"（{_wrappable(detail)}）" if detail and detail != state else ""
            lines.append(f"  {words}: {self.tr(f'operator.state.{state}')}{reason}")
        return lines

    def _show_board(self, view) -> None:
        tr = self.tr
        k = self.shell.kiosk
        now = self.shell.clock.now()
        events = k.journal.events()
        day = summarize(events, now.date())
        out = view.screen is Screen.OUT_OF_SERVICE
        reasons = [f"  {self._reason(r)}" for r in view.out_of_service_reasons]
        self.devices.setText("\n".join(
            [tr("operator.devices")]
            + [line for f in ("card", "cash", "printer")
               for line in [f"{tr(f'operator.device.{f}')}: {self._state(f)}", *(self._cash_faults() if f == "cash" else [])]]
            + [tr("operator.service_state", state=tr("operator.out_of_service" if out else "operator.in_service"))]
            + ([tr("operator.reasons")] + reasons if reasons else [])
        ))
        kinds = [f"  {tr(f'kind.{kind}')}: {count}" for kind, count in sorted(day.printed_by_kind.items())]
        self.sales.setText("\n".join(
            [tr("operator.sales", date=f"{now:%Y-%m-%d}"),
             tr("operator.sales_total", amount=tr.yen(day.sales), sessions=day.sessions)] + kinds
        ))
        owed = k.journal.refunds_owed()
        unfinished = k.journal.unfinished_owed() if not k.flow.session_open else []
        rows = [f"  {tr('operator.refund_reference', reference=r.reference)}　{tr.yen(r.amount)}　{r.at:%m-%d %H:%M}"
                for r in owed[:LISTED_REFUNDS]]
        if len(owed) > LISTED_REFUNDS:
            rows.append(f"  {tr('operator.refunds_more', count=len(owed) - LISTED_REFUNDS)}")
        rows += [f"  {tr('operator.unfinished', session=s[:8], amount=tr.yen(a))}" for s, a in unfinished]
        self.refunds.setText("\n".join(
            [tr("operator.refunds", amount=tr.yen(sum(r.amount for r in owed) + sum(a for _, a in unfinished)))] + rows
        ))
        self.queue.setText("\n".join(
            [tr("operator.queue", state=self._state("printer")),
             tr("operator.queue_jobs", count=len(day.unsettled_jobs))] + [f"  {j}" for j in day.unsettled_jobs[:6]]
        ))
        self.resume.setText(tr("operator.resume"))
        self.service.setText(tr("operator.back_in_service" if out else "operator.take_out"))
        self.update_button.setText(tr("operator.update"))
        self.sign_out_button.setText(tr("operator.sign_out"))
        self.refunds_button.setText(tr("operator.refunds_open"))
        self.refunds_button.setEnabled(bool(owed))
        self.collect_button.setText(tr("operator.collect"))
        self.top_up_button.setText(tr("operator.top_up"))
        self.day_close_button.setText(tr("operator.day_close"))

    def _show_outcome(self) -> None:
        outcome = self._outcome if self._signed_in else None
        self.outcome.setVisible(outcome is not None)
        if outcome is None:
            return
        self.outcome.setText(self.tr(outcome.key, **self._values(outcome)))
        role = "note" if outcome.ok else "warning"
        if self.outcome.property("role") != role:
            self.outcome.setProperty("role", role)
            self.outcome.style().polish(self.outcome)

    def _reason(self, reason: str) -> str:
        """Why the kiosk is out of service: the operator's own switch in words, the rest as found."""
        if reason == "operator":
            return self.tr("operator.reason.operator")
        if reason.startswith("cash: ") and self._cash_faults():
            return self.tr("operator.device.cash")  # which of its devices, and why: on their own lines above
        return _wrappable(reason)

    def _values(self, outcome: Outcome) -> dict:
        return {key: self.tr.yen(value) if key == "amount" else value for key, value in outcome.values.items()}

    # --- staff work ---------------------------------------------------------------------------------
    def _open(self, page: int) -> None:
        self._page = page
        self.shell.window.refresh()

    def _open_top_up(self) -> None:
        self.top_up_page.reset()
        self._open(TOP_UP)

    def _pay(self, reference: str) -> None:
        self.work.pay(reference)

    def _top_up(self, counts: dict) -> None:
        self.work.top_up(counts)
        self._open(BOARD)

    def _done(self, outcome: Outcome) -> None:
        self._outcome = outcome
        if outcome.ok and self._page == REFUNDS and not self.shell.kiosk.journal.refunds_owed():
            self._page = BOARD  # nothing left to settle
        self.shell.window.refresh()

    def _resume_printer(self) -> None:
        self.shell.device("printer", self.shell.kiosk.printer.resume, None)
        self._ask_health()

    def _toggle_service(self) -> None:
        self.shell.set_in_service(self.shell.kiosk.flow.screen is Screen.OUT_OF_SERVICE)


def _wrappable(words: str) -> str:
    """A long file path may wrap after each '/'."""
    return words.replace("/", "/\u200b")
