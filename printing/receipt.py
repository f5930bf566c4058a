"""利用明細: what was issued and paid, for the resident to keep. No personal data: kinds,
copies, amounts, 発行番号, the kiosk and the time only. Not a certificate, so no seal or code."""
from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from kiosk.documents import Receipt
from printing import fonts
from printing.wareki import wareki

LEFT, RIGHT = 150.0, A4[0] - 150.0  # a narrow slip centred on the sheet
LINE = 18.0


def render_receipt(receipt: Receipt) -> bytes:
    font = fonts.font(fonts.GOTHIC)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=True, initialFontName=font, pageCompression=1)
    canvas.setTitle("利用明細")
    canvas.setCreator("konbini-kiosk")
    at = receipt.issued_at
    y = A4[1] - 80
    canvas.setFont(font, 18)
    canvas.drawCentredString(A4[0] / 2, y, "利用明細")
    y -= 2 * LINE
    canvas.setFont(font, 10)
    for label, value in (
        ("日時", f"{wareki(at.date())}（{at.strftime('%Y-%m-%d')}）{at.strftime('%H:%M')}"),
        ("端末番号", receipt.kiosk_id),
    ):
        y = _pair(canvas, label, value, y)
    y -= LINE / 2
    canvas.line(LEFT, y + LINE / 2, RIGHT, y + LINE / 2)
    for line in receipt.lines:
        y = _pair(canvas, line.kind.title_ja, f"{line.copies}通　{line.amount:,}円", y)
        y = _pair(canvas, "　発行番号", line.issue_number, y)
    canvas.line(LEFT, y + LINE / 2, RIGHT, y + LINE / 2)
    for label, value in (("合計", receipt.total), ("お預かり", receipt.paid), ("おつり", receipt.change)):
        y = _pair(canvas, label, f"{value:,}円", y)
    if receipt.refunds:
        y -= LINE / 2
        canvas.setFont(font, 12)
        canvas.drawCentredString(A4[0] / 2, y, "返金のご案内")
        y -= LINE
        canvas.setFont(font, 10)
        for reference, amount in receipt.refunds:
            y = _pair(canvas, f"返金番号 {reference}", f"{amount:,}円", y)
        canvas.drawCentredString(A4[0] / 2, y, "この用紙を店員にお見せください。返金いたします。")
        y -= LINE
    canvas.setFont(font, 8)
    canvas.drawCentredString(A4[0] / 2, y - LINE, "この明細は証明書ではありません。大切に保管してください。")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _pair(canvas: Canvas, label: str, value: str, y: float) -> float:
    canvas.drawString(LEFT, y, label)
    canvas.drawRightString(RIGHT, y, value)
    return y - LINE
