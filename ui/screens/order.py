"""申請内容の確認: each certificate with its copies and amount, the choices of the one being
edited in plain view, the total on the confirm button.

The defaults come from the center (本人, the municipality's item rules). Every choice is a
button labelled by what it does (「本籍・筆頭者を記載する」, ✓ when chosen), 世帯全員 is one tap,
and every line keeps its copy buttons; each change is a LineEdited the flow checks.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from kiosk import events as ev
from kiosk.order import OrderLine
from kiosk.ports.center import KindOffer
from ui import theme
from ui.relationships import relationship
from ui.screens.base import Action, Page
from ui.widgets import ChoiceButton, card_frame, discard, text, touch

_TOGGLE_MESSAGES = {  # option name -> message id; which apply is the core's KindOffer.toggles
    "household_head_and_relationship": "order.item.head",
    "honseki_and_hittousha": "order.item.honseki",
    "my_number": "order.item.my_number",
    "foreign_items": "order.item.foreign",
}
CHECK, BOX = "✓ ", "□ "  # chosen or not, said by a mark as well as by the colour


class OrderPage(Page):
    def __init__(self, shell) -> None:
        super().__init__(shell)
        self.title = text("title")
        inner = QWidget()
        self.lines = QVBoxLayout(inner)
        self.lines.setSpacing(self.theme.px(16))
        self.lines.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # lines wrap, never scroll sideways
        self.scroll.setWidget(inner)
        self.add = touch("", "add_kind")
        self.add.clicked.connect(lambda: self.post(ev.AddAnotherKindTouched()))
        self.box.setSpacing(self.theme.px(12))
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.add)
        self.box.addLayout(head)
        self.box.addWidget(self.scroll, 1)
        self._widgets: list[QWidget] = []
        self._key = None

    def entered(self) -> None:
        self._key = None

    def show_view(self, view) -> None:
        tr = self.tr
        self.title.setText(tr("order.title"))
        self.add.setText(tr("order.add"))
        key = (view.order, view.draft, view.offers, tr.language, self.shell.theme.large)
        if key != self._key:
            self._key = key
            self._rebuild(view)

    def back(self, view) -> Action:
        return Action("back", self.tr("footer.back"), lambda: self.post(ev.AddAnotherKindTouched()))

    def forward(self, view) -> Action:
        total = view.order.total + (view.draft.amount if view.draft else 0)
        return Action("confirm", self.tr("order.confirm", total=self.tr.yen(total)), lambda: self.post(ev.OrderConfirmed()))

    # --- building ---------------------------------------------------------------------------------
    def _rebuild(self, view) -> None:
        discard(self._widgets)
        offers = {o.kind: o for o in view.offers}
        draft = view.draft
        if draft is not None:  # first: its choices are always in view
            self._add(self._line(draft, offers.get(draft.kind), editing=True))
        for line in view.order.lines:
            if draft and (line.kind, line.municipality_code) == (draft.kind, draft.municipality_code):
                continue
            self._add(self._line(line, offers.get(line.kind), editing=False))
        stretch = QWidget()
        self.lines.addWidget(stretch, 1)
        self._widgets.append(stretch)

    def _add(self, widget: QWidget) -> None:
        self.lines.addWidget(widget)
        widget.show()  # at once, not at the next turn of the event loop: the touch's answer paints now
        self._widgets.append(widget)

    def _line(self, line: OrderLine, offer: KindOffer | None, editing: bool) -> QWidget:
        frame = card_frame()
        column = QVBoxLayout(frame)
        column.setSpacing(self.theme.px(8))
        column.setContentsMargins(self.theme.px(12), self.theme.px(8), self.theme.px(12), self.theme.px(12))
        head, title = self._head(line, offer)
        if self.shell.theme.large or self.theme.portrait:
            column.addWidget(title)  # the name on a line of its own: beside the buttons it would not fit
        else:
            head.insertWidget(0, title, 100)
        column.addLayout(head)
        if not editing:
            summary = text("small")
            summary.setText(self._summary(line, offer))
            column.addWidget(summary)
        elif offer is not None:
            self._choices(column, line, offer)
        return frame

    def _head(self, line: OrderLine, offer: KindOffer | None) -> tuple[QHBoxLayout, QWidget]:
        """The row of every line, the editing one and the collapsed ones alike: − copies +, the amount
        and 「やめる」; and the certificate's name, which goes first on that row where it fits."""
        tr = self.tr
        row = QHBoxLayout()
        title = text("strong")
        title.setText(tr(f"kind.{line.kind.value}"))
        fewer, more = touch("", "copies_less"), touch("", "copies_more")
        fewer.setText("−")
        more.setText("+")
        fewer.setEnabled(line.copies > 1)
        more.setEnabled(offer is not None and line.copies < offer.max_copies)
        fewer.clicked.connect(lambda: self._edit(line.with_copies(line.copies - 1)))
        more.clicked.connect(lambda: self._edit(line.with_copies(line.copies + 1)))
        copies = text("", wrap=False, align=Qt.AlignmentFlag.AlignCenter)
        copies.setText(tr("order.copies", copies=line.copies))
        amount = text("strong", wrap=False, align=Qt.AlignmentFlag.AlignRight)
        amount.setText(tr.yen(line.amount))
        row.addWidget(fewer)
        row.addWidget(copies)
        row.addWidget(more)
        row.addWidget(amount)
        row.addStretch(1)
        remove = touch("", f"remove_{line.kind.value}")
        remove.setText(tr("order.remove"))
        remove.clicked.connect(lambda: self.post(ev.LineRemoved(line.kind, line.municipality_code)))
        row.addWidget(remove)
        return row, title

    def _choices(self, column: QVBoxLayout, line: OrderLine, offer: KindOffer) -> None:
        tr = self.tr
        columns = 2 if self.theme.portrait else 3
        if len(offer.household) > 1:
            column.addWidget(self._caption(tr("order.members")))
            grid = QGridLayout()
            chosen = set(line.options.members) or {m.resident_ref for m in offer.household if m.is_self}
            everyone = len(chosen) == len(offer.household)
            grid.addWidget(self._choice("members_all", tr("order.members_all"), everyone,
                                        lambda: self._all_members(line, offer, not everyone)), 0, 0)
            for n, member in enumerate(offer.household, start=1):
                label = tr("order.member_self") if member.is_self else relationship(tr, member.relationship)
                button = self._choice(f"member_{n - 1}", f"{member.display_name}（{label}）", member.resident_ref in chosen,
                                      lambda ref=member.resident_ref: self._toggle_member(line, offer, ref))
                grid.addWidget(button, n // columns, n % columns)
            column.addLayout(grid)
        if offer.toggles:
            column.addWidget(self._caption(tr("order.items")))
            grid = QGridLayout()
            for n, option in enumerate(offer.toggles):
                on = getattr(line.options, option)
                button = self._choice(f"option_{option}", tr(_TOGGLE_MESSAGES[option]), on,
                                      lambda o=option, v=on: self._edit(line.with_options(**{o: not v})))
                grid.addWidget(button, n // 2, n % 2)
            column.addLayout(grid)
        if len(offer.fiscal_years) > 1:
            column.addWidget(self._caption(tr("order.fiscal_year")))
            grid = QGridLayout()
            for n, year in enumerate(offer.fiscal_years):
                button = self._choice(f"year_{year}", self._year(year), line.options.fiscal_year == year,
                                      lambda y=year: self._edit(line.with_options(fiscal_year=y)))
                grid.addWidget(button, n // 2, n % 2)
            column.addLayout(grid)

    def _choice(self, name: str, label: str, chosen: bool, action) -> QWidget:
        button = ChoiceButton(name, theme.MIN_TOUCH)  # the smallest target: every choice in view
        button.setCheckable(True)
        button.set_texts((CHECK if chosen else BOX) + label, checked=chosen)
        button.clicked.connect(lambda _=False: action())
        return button

    def _caption(self, words: str):
        label = text("small")
        label.setText(words)
        return label

    # --- reading a line ----------------------------------------------------------------------------
    def _summary(self, line: OrderLine, offer: KindOffer | None) -> str:
        tr = self.tr
        parts = []
        members = len(line.options.members)
        if offer is not None and len(offer.household) > 1:
            parts.append(tr("order.summary.self_only") if members <= 1 and not self._others(line, offer)
                         else tr("order.summary.people", count=members))
        for option in offer.toggles if offer else ():
            if getattr(line.options, option):
                parts.append(tr(_TOGGLE_MESSAGES[option]))
        if line.options.fiscal_year is not None:
            parts.append(self._year(line.options.fiscal_year))
        return tr("order.summary.separator").join(parts)

    def _others(self, line: OrderLine, offer: KindOffer) -> bool:
        me = {m.resident_ref for m in offer.household if m.is_self}
        return bool(set(line.options.members) - me)

    def _year(self, year: int) -> str:
        # 令和8年度 covers the income of 令和7年 (the calendar year before the fiscal year)
        return self.tr("order.year", reiwa=year - 2018, income_reiwa=year - 2019)

    # --- touches ---------------------------------------------------------------------------------------
    def _all_members(self, line: OrderLine, offer: KindOffer, everyone: bool) -> None:
        if everyone:
            self._edit(line.with_options(members=tuple(m.resident_ref for m in offer.household)))
        else:
            self._edit(line.with_options(members=()))

    def _toggle_member(self, line: OrderLine, offer: KindOffer, ref: str) -> None:
        me = next((m.resident_ref for m in offer.household if m.is_self), None)
        chosen = set(line.options.members) or {me}
        chosen ^= {ref}
        if not chosen:
            self._key = None  # nobody at all is not an order: the touch is undone
            self.shell.post_presence()
            return
        ordered = tuple(m.resident_ref for m in offer.household if m.resident_ref in chosen)
        self._edit(line.with_options(members=() if ordered == (me,) else ordered))

    def _edit(self, line: OrderLine) -> None:
        self._key = None  # a refused edit repaints too, so a toggle never shows what the flow refused
        self.post(ev.LineEdited(line))
