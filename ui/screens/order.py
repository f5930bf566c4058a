"""The order on one screen: each kind with its defaults, copies and amount, the total, one touch to confirm.

The defaults come from the center (本人, the municipality's item rules). Details open only when
the resident asks to change something; every change is a LineEdited the flow checks.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from kiosk import events as ev
from kiosk.order import OrderLine
from kiosk.ports.center import KindOffer
from ui.screens.base import Page
from ui.widgets import discard, card_frame, text, touch

_TOGGLE_MESSAGES = {  # option name -> message id; which apply is the core's KindOffer.toggles
    "household_head_and_relationship": "order.item.head",
    "honseki_and_hittousha": "order.item.honseki",
    "my_number": "order.item.my_number",
    "foreign_items": "order.item.foreign",
}


class OrderPage(Page):
    def __init__(self, shell) -> None:
        super().__init__(shell)
        self.title = text("title")
        inner = QWidget()
        self.lines = QVBoxLayout(inner)
        self.lines.setSpacing(self.theme.px(20))
        self.lines.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(inner)
        self.add = touch("", "add_kind")
        self.add.clicked.connect(lambda: self.post(ev.AddAnotherKindTouched()))
        self.confirm = touch("primary", "confirm")
        self.confirm.setFixedHeight(round(self.theme.touch * 1.4))
        self.confirm.clicked.connect(lambda: self.post(ev.OrderConfirmed()))
        bottom = QHBoxLayout()
        bottom.addWidget(self.add)
        bottom.addWidget(self.confirm, 1)
        self.box.addWidget(self.title)
        self.box.addWidget(self.scroll, 1)
        self.box.addLayout(bottom)
        self._details_open = False
        self._widgets: list[QWidget] = []
        self._key = None

    def entered(self) -> None:
        self._details_open = False
        self._key = None

    def show_view(self, view) -> None:
        tr = self.tr
        total = view.order.total + (view.draft.amount if view.draft else 0)
        self.title.setText(tr("order.title"))
        self.add.setText(tr("order.add"))
        self.confirm.setText(tr("order.confirm", total=tr.yen(total)))
        key = (view.order, view.draft, view.offers, self._details_open, tr.language)
        if key != self._key:
            self._key = key
            self._rebuild(view)

    # --- building ---------------------------------------------------------------------------------
    def _rebuild(self, view) -> None:
        discard(self._widgets)
        offers = {o.kind: o for o in view.offers}
        for line in view.order.lines:
            if view.draft and line.kind is view.draft.kind and line.municipality_code == view.draft.municipality_code:
                continue
            self._add(self._line_row(line, offers.get(line.kind), editable=False))
        if view.draft is not None:
            offer = offers.get(view.draft.kind)
            self._add(self._line_row(view.draft, offer, editable=True))
            if self._details_open and offer is not None:
                self._add(self._details(view.draft, offer))
        stretch = QWidget()
        self.lines.addWidget(stretch, 1)
        self._widgets.append(stretch)

    def _add(self, widget: QWidget) -> None:
        self.lines.addWidget(widget)
        widget.show()  # at once, not at the next turn of the event loop: the touch's answer paints now
        self._widgets.append(widget)

    def _line_row(self, line: OrderLine, offer: KindOffer | None, editable: bool) -> QWidget:
        tr = self.tr
        frame = card_frame()
        grid = QGridLayout(frame)
        title = text("title")
        title.setText(tr(f"kind.{line.kind.value}"))
        summary = text("small")
        summary.setText(self._summary(line, offer))
        amount = text("", wrap=False, align=Qt.AlignmentFlag.AlignRight)
        amount.setText(tr("order.amount", copies=line.copies, fee=tr.yen(line.fee_per_copy), amount=tr.yen(line.amount)))
        grid.addWidget(title, 0, 0, 1, 2)
        grid.addWidget(amount, 0, 2)
        grid.addWidget(summary, 1, 0, 1, 3)
        buttons = QHBoxLayout()
        if editable and offer is not None:
            fewer, more = touch("", "copies_less"), touch("", "copies_more")
            fewer.setText("−")
            more.setText("+")
            fewer.setEnabled(line.copies > 1)
            more.setEnabled(line.copies < offer.max_copies)
            fewer.clicked.connect(lambda: self._edit(line.with_copies(line.copies - 1)))
            more.clicked.connect(lambda: self._edit(line.with_copies(line.copies + 1)))
            copies = text("", wrap=False)
            copies.setText(tr("order.copies", copies=line.copies))
            buttons.addWidget(fewer)
            buttons.addWidget(copies)
            buttons.addWidget(more)
            buttons.addStretch(1)
            if self._has_details(line, offer):
                change = touch("", "details")
                change.setText(tr("order.details_close" if self._details_open else "order.details_open"))
                change.clicked.connect(self._toggle_details)
                buttons.addWidget(change)
        else:
            buttons.addStretch(1)
        remove = touch("", f"remove_{line.kind.value}")
        remove.setText(tr("order.remove"))
        remove.clicked.connect(lambda: self.post(ev.LineRemoved(line.kind, line.municipality_code)))
        buttons.addWidget(remove)
        grid.addLayout(buttons, 2, 0, 1, 3)
        return frame

    def _details(self, line: OrderLine, offer: KindOffer) -> QWidget:
        tr = self.tr
        frame = card_frame()
        column = QVBoxLayout(frame)
        if len(offer.household) > 1:
            column.addWidget(self._caption(tr("order.members")))
            chosen = set(line.options.members) or {m.resident_ref for m in offer.household if m.is_self}
            flow = QGridLayout()
            for n, member in enumerate(offer.household):
                button = touch("", f"member_{n}")
                button.setCheckable(True)
                button.setChecked(member.resident_ref in chosen)
                label = tr("order.member_self") if member.is_self else member.relationship
                button.setText(f"{member.display_name}（{label}）")
                button.clicked.connect(lambda _=False, ref=member.resident_ref: self._toggle_member(line, offer, ref))
                flow.addWidget(button, n // 2, n % 2)
            column.addLayout(flow)
        if offer.toggles:
            column.addWidget(self._caption(tr("order.items")))
            for option in offer.toggles:
                on = getattr(line.options, option)
                button = touch("", f"option_{option}")
                button.setCheckable(True)
                button.setChecked(on)
                button.setText(f"{tr(_TOGGLE_MESSAGES[option])}: {tr('order.include' if on else 'order.omit')}")
                button.clicked.connect(lambda _=False, o=option, v=on: self._edit(line.with_options(**{o: not v})))
                column.addWidget(button)
        if len(offer.fiscal_years) > 1:
            column.addWidget(self._caption(tr("order.fiscal_year")))
            row = QHBoxLayout()
            for year in offer.fiscal_years:
                button = touch("", f"year_{year}")
                button.setCheckable(True)
                button.setChecked(line.options.fiscal_year == year)
                button.setText(self._year(year))
                button.clicked.connect(lambda _=False, y=year: self._edit(line.with_options(fiscal_year=y)))
                row.addWidget(button)
            column.addLayout(row)
        return frame

    def _caption(self, words: str):
        label = text("")
        label.setText(words)
        return label

    # --- reading a line ----------------------------------------------------------------------------
    def _has_details(self, line: OrderLine, offer: KindOffer) -> bool:
        return len(offer.household) > 1 or bool(offer.toggles) or len(offer.fiscal_years) > 1

    def _summary(self, line: OrderLine, offer: KindOffer | None) -> str:
        tr = self.tr
        parts = []
        members = len(line.options.members)
        if offer is not None and offer.household:
            parts.append(tr("order.summary.self_only") if members <= 1 and not self._others(line, offer)
                         else tr("order.summary.people", count=members))
        for option in offer.toggles if offer else ():
            on = getattr(line.options, option)
            parts.append(f"{tr(_TOGGLE_MESSAGES[option])}: {tr('order.include' if on else 'order.omit')}")
        if line.options.fiscal_year is not None:
            parts.append(self._year(line.options.fiscal_year))
        return tr("order.summary.separator").join(parts)

    def _others(self, line: OrderLine, offer: KindOffer) -> bool:
        me = {m.resident_ref for m in offer.household if m.is_self}
        return bool(set(line.options.members) - me)

    def _year(self, year: int) -> str:
        return self.tr("order.year", year=year, reiwa=year - 2018)

    # --- touches ---------------------------------------------------------------------------------------
    def _toggle_details(self) -> None:
        self._details_open = not self._details_open
        self.shell.post_presence()  # repaints too

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
