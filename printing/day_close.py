"""日計表: the daily close on a receipt-width slip (80 mm), for the store's till and the office.

Figures only: kinds, municipalities, counts, yen, the kiosk and the period. No personal data.
Laid out like the 利用明細 (printing/receipt.py): a centred title, label left and value right.
"""
from __future__ import annotations

import io

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from kiosk.journal.day_close import DayClose
from kiosk.kinds import CertificateKind
from printing import fonts
from printing.wareki import wareki

WIDTH = 80 * mm
MARGIN = 5 * mm
LINE = 13.0
BODY, SMALL, HEADING, TITLE = 9, 7, 10, 14


def render_day_close(report: DayClose) -> bytes:
    lines = _lines(report)
    height = 2 * MARGIN + sum(_height(kind) for kind, *_ in lines)
    font = fonts.font(fonts.GOTHIC)
    fonts.check_items(font, [(str(a), str(b)) for _, a, b in lines])
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(WIDTH, height), invariant=True, initialFontName=font, pageCompression=1)
    canvas.setTitle("日計表")
    canvas.setCreator("konbini-kiosk")
    left, right, middle = MARGIN, WIDTH - MARGIN, WIDTH / 2
    y = height - MARGIN
    for kind, a, b in lines:
        y -= _height(kind)
        if kind == "title":
            canvas.setFont(font, TITLE)
            canvas.drawCentredString(middle, y, a)
        elif kind == "heading":
            canvas.setFont(font, HEADING)
            canvas.line(left, y + LINE - 2, right, y + LINE - 2)
            canvas.drawString(left, y, a)
        elif kind == "note":
            canvas.setFont(font, SMALL)
            canvas.drawCentredString(middle, y, a)
        else:
            canvas.setFont(font, BODY)
            canvas.drawString(left, y, a)
            canvas.drawRightString(right, y, b)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _height(kind: str) -> float:
    return {"title": 2 * LINE, "heading": 1.6 * LINE}.get(kind, LINE)


def _yen(amount: int) -> str:
    return f"{amount:,}円"


def _lines(r: DayClose) -> list[tuple[str, str, str]]:
    """(kind, left text, right text): kind is title, heading, pair or note."""
    taken = r.taken_at
    period = "終日" if r.whole_day else (f"前回の締め（{r.since:%m-%d %H:%M}）以降" if r.since else "記録の最初から")
    lines = [
        ("title", "日計表", ""),
        ("pair", "端末番号", r.kiosk_id),
        ("pair", "営業日", f"{wareki(r.business_day)}"),
        ("pair", "", r.business_day.isoformat()),
        ("pair", "対象", period),
        ("pair", "締め日時", f"{taken:%Y-%m-%d %H:%M}"),
        ("heading", "発行", ""),
    ]
    for s in r.sales:
        lines.append(("pair", _kind_title(s.kind), ""))
        lines.append(("pair", f"　{r.municipality_names.get(s.municipality, s.municipality)}", f"{s.count}通　{_yen(s.amount)}"))
    if not r.sales:
        lines.append(("pair", "発行なし", ""))
    lines.append(("pair", "合計", f"{r.sales_count}通　{_yen(r.sales_total)}"))
    lines.append(("heading", "現金", ""))
    lines += [("pair", label, _yen(yen)) for label, yen in (
        ("投入", r.credited), ("収納", r.stacked), ("返却", r.returned), ("つり銭払出", r.change_paid),
        ("手数料収受", r.charged), ("回収", r.collected), ("つり銭補充", r.topped_up),
    )]
    lines.append(("heading", "返金", ""))
    lines += [("pair", label, _yen(yen)) for label, yen in (
        ("発生", r.refunds_owed), ("支払済", r.refunds_paid), ("取消", r.refunds_withdrawn),
    )]
    lines.append(("pair", f"未払い残高（{r.outstanding_count}件）", _yen(r.outstanding)))
    if r.unfinished:
        lines.append(("pair", "未完了の取引", _yen(r.unfinished)))
    if r.counters is not None:
        c = r.counters
        lines.append(("heading", "入出金機の累計", ""))
        lines += [("pair", label, _yen(yen)) for label, yen in (
            ("投入", c.credited), ("収納", c.stacked), ("返却", c.returned), ("払出", c.paid_out),
            ("保留", c.retained), ("預り中", c.escrow), ("回収", c.collected), ("補充", c.topped_up),
        )]
    if r.float_counts is not None:
        lines.append(("heading", "つり銭の残り", ""))
        lines += [("pair", f"{d:,}円", f"{n}枚　{_yen(d * n)}") for d, n in sorted(r.float_counts.items(), reverse=True)]
        lines.append(("pair", "計", _yen(sum(d * n for d, n in r.float_counts.items()))))
    lines.append(("note", "この表は証明書ではありません。", ""))
    return lines


def _kind_title(kind: str) -> str:
    try:
        return CertificateKind(kind).title_ja
    except ValueError:
        return kind  # a row that did not say: shown as journaled
