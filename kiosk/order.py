"""What the resident asks for: one line per kind, with its options and copies."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from kiosk.kinds import CertificateKind


@dataclass(frozen=True)
class CertificateOptions:
    """Choices printed or not printed; which apply depends on the kind.

    ``members`` are resident refs (住民票/記載事項: household members; 戸籍個人事項/附票: 戸籍 members).
    Empty means 本人 only.
    """

    members: tuple[str, ...] = ()
    household_head_and_relationship: bool = True  # 世帯主・続柄
    honseki_and_hittousha: bool = False  # 本籍・筆頭者
    my_number: bool = False  # 個人番号
    foreign_items: bool = True  # 国籍・地域, 在留資格等, 在留カード等の番号 (foreign residents)
    fiscal_year: int | None = None  # 税証明書


@dataclass(frozen=True)
class OrderLine:
    kind: CertificateKind
    municipality_code: str
    options: CertificateOptions
    copies: int
    fee_per_copy: int

    @property
    def amount(self) -> int:
        return self.copies * self.fee_per_copy

    def with_copies(self, copies: int) -> "OrderLine":
        return replace(self, copies=copies)

    # Any: callers name the fields at run time (toggles by name); replace() refuses an unknown one.
    def with_options(self, **changes: Any) -> "OrderLine":
        return replace(self, options=replace(self.options, **changes))


@dataclass(frozen=True)
class Order:
    lines: tuple[OrderLine, ...] = ()

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    def with_line(self, line: OrderLine) -> "Order":
        """Adding a kind again replaces its earlier line in place: one line per kind and municipality."""
        key = (line.kind, line.municipality_code)
        if any((l.kind, l.municipality_code) == key for l in self.lines):
            return Order(tuple(line if (l.kind, l.municipality_code) == key else l for l in self.lines))
        return Order(self.lines + (line,))

    def without(self, kind: CertificateKind, municipality_code: str) -> "Order":
        return Order(tuple(l for l in self.lines if (l.kind, l.municipality_code) != (kind, municipality_code)))
