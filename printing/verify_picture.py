"""``kiosk verify --diff OUT.png``: each page as its code says it must look beside the page as given.

One row per page: on the left the redrawing from the signed code, on the right the page as
given (a scan turned and scaled into the redrawing's frame). Ink the page lacks is painted blue
on the left, ink the page has in excess red on the right, and each field that differs is boxed
on both sides with its name. A page that could not be compared shows why instead of a redrawing.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from printing import fonts
from printing.compare import DPI
from printing.verify import Report, VerifyError
from printing.verify_report import side_of, title_of

SCALE = 100 / DPI  # the picture shows pages at 100 dpi
GAP = 24
BAND = 44
RED, BLUE, BOX = (220, 30, 30), (30, 90, 230), (230, 120, 0)


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(fonts.FONTS_DIR / f"{fonts.MINCHO}.ttf"), size)


def write_picture(report: Report, out: Path) -> None:
    rows = [_page_row(page) for page in report.pages]
    width = max(row.width for row in rows)
    head = 16 + 26 * (1 + len(report.binding))
    picture = Image.new("RGB", (width, head + sum(row.height for row in rows)), "white")
    draw = ImageDraw.Draw(picture)
    draw.text((12, 10), "左: 署名された内容から描き直した頁 (expected) ／ 右: 与えられた頁 (given) — "
              "青: 頁にないもの, 赤: 署名にないもの", fill="black", font=_font(18))
    for n, problem in enumerate(report.binding, start=1):
        draw.text((12, 10 + 26 * n), f"! {problem}", fill=RED, font=_font(18))
    y = head
    for row in rows:
        picture.paste(row, (0, y))
        y += row.height
    try:
        picture.save(out, "PNG")
    except (OSError, ValueError) as exc:
        raise VerifyError(f"{out}: cannot write the picture ({exc})") from None


def _page_row(page) -> Image.Image:
    comparison = page.comparison
    if comparison is not None:
        left = _marked(comparison.expected, comparison.covered, BLUE)
        right = _marked(comparison.given, comparison.added, RED)
    else:
        given = page.given if page.given is not None else np.full((1754, 1241), 255, np.uint8)
        right = Image.fromarray(_paler_paper(given)).convert("RGB")
        right = right.resize((round(1241 * SCALE), round(1241 * SCALE * right.height / right.width)))
        left = Image.new("RGB", (round(1241 * SCALE), round(1754 * SCALE)), (235, 235, 235))
        ImageDraw.Draw(left).multiline_text((16, 16), _wrap(page.compared or "not compared", 30), fill="black", font=_font(18))
    row = Image.new("RGB", (left.width + GAP + right.width, BAND + max(left.height, right.height)), "white")
    row.paste(left, (0, BAND))
    row.paste(right, (left.width + GAP, BAND))
    draw = ImageDraw.Draw(row)
    seal = page.seal
    draw.text((12, 12), f"{page.where}: {page.verdict.value} — {side_of(page)} {title_of(seal.kind)} "
              f"発行番号 {seal.issue_number} {seal.page}/{seal.pages} 頁", fill=RED if page.verdict.value != "valid" else "black", font=_font(20))
    label = _font(14)
    for seen in page.seen:
        x0, y0, x1, y1 = (round(v * SCALE) for v in seen.box)
        for dx in (0, left.width + GAP):
            draw.rectangle((x0 + dx - 3, y0 + BAND - 3, x1 + dx + 3, y1 + BAND + 3), outline=BOX, width=2)
            text = f"{seen.field}: {seen.change}"
            tx, ty = x0 + dx, max(BAND, y0 + BAND - 20)
            bounds = draw.textbbox((tx, ty), text, font=label)
            draw.rectangle(bounds, fill="white")
            draw.text((tx, ty), text, fill=BOX, font=label)
    return row


def _marked(grey: np.ndarray, mask: np.ndarray, colour: tuple[int, int, int]) -> Image.Image:
    import cv2

    rgb = np.repeat(_paler_paper(grey)[:, :, None], 3, axis=2)
    rgb[cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0] = colour  # still seen at 100 dpi
    image = Image.fromarray(rgb)
    return image.resize((round(image.width * SCALE), round(image.height * SCALE)), Image.Resampling.LANCZOS)


def _paler_paper(grey: np.ndarray) -> np.ndarray:
    """The 地紋 and the 見本 mark faded (ink kept) so that the text and the marks stand out."""
    light = grey.astype(np.float32)
    faded = np.where(light > 150, 255 - (255 - light) * 0.35, light)
    return faded.astype(np.uint8)


def _wrap(text: str, width: int) -> str:
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))
