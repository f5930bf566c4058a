"""Printable margins: nothing of any certificate page is printed within 4 mm of the sheet's edge,
the 地紋 included (printers cannot print there, and what they cannot print they cut off or
shrink the whole page to fit, which would also spoil the tint's 600 dpi dots)."""
from __future__ import annotations

import dataclasses
import io
import math
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from printing import geometry as g
from printing.samples import SAMPLES, issue_samples
from tests.conftest import need_real_stack

DPI = 600
# Pixels wholly within the margin: their far side at most 4 mm from the edge.
STRIP = math.floor(g.SAFE_MARGIN * DPI / 72)


@pytest.fixture(scope="module")
def issued(provisioned_dir):
    from kiosk.config import load_config

    config = dataclasses.replace(load_config(), data_dir=provisioned_dir)
    return {order.file: pdf for order, (_, pdf) in zip(SAMPLES, issue_samples(config))}


def strips(path, page: int) -> dict[str, np.ndarray]:
    """The four border strips of a page at 600 dpi, antialiased: any ink touching them shows."""
    width, height = math.ceil(g.PAGE_WIDTH * DPI / 72), math.ceil(g.PAGE_HEIGHT * DPI / 72)
    boxes = {"top": (0, 0, width, STRIP), "bottom": (0, height - STRIP, width, STRIP),
             "left": (0, 0, STRIP, height), "right": (width - STRIP, 0, STRIP, height)}
    found = {}
    for side, (x, y, w, h) in boxes.items():
        done = subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h),
                               "-f", str(page), "-l", str(page), str(path)], capture_output=True, check=True)
        found[side] = np.asarray(Image.open(io.BytesIO(done.stdout)).convert("L"))
    return found


def test_the_margin_constants_keep_the_tint_inside():
    unit = 72 / g.TINT_DPI
    assert g.TINT_LEFT_PX * unit >= g.SAFE_MARGIN and g.TINT_TOP_PX * unit >= g.SAFE_MARGIN
    assert g.PAGE_WIDTH - (g.TINT_LEFT_PX + g.TINT_WIDTH_PX) * unit >= g.SAFE_MARGIN
    assert g.PAGE_HEIGHT - (g.TINT_TOP_PX + g.TINT_HEIGHT_PX) * unit >= g.SAFE_MARGIN
    assert STRIP == 94  # 3.98 mm of 600 dpi pixels


@pytest.mark.parametrize("file", [order.file for order in SAMPLES])
def test_nothing_is_printed_within_4_mm_of_the_edge(issued, file, tmp_path):
    need_real_stack(bool(shutil.which("pdftoppm")), "poppler-utils missing")
    from kiosk.effects import count_pages

    path = tmp_path / file
    path.write_bytes(issued[file])
    for page in range(1, count_pages(issued[file]) + 1):
        for side, strip in strips(path, page).items():
            inked = np.argwhere(strip < 255)
            assert inked.size == 0, f"page {page}: ink within 4 mm of the {side} edge, e.g. at pixel {inked[0].tolist()}"


@pytest.fixture(scope="module")
def two_sided(provisioned_dir):
    """Every sample printed two-sided: each front followed by its back (printing.back_side)."""
    from printing.renderer import ReportlabRenderer
    from printing.security.signer import SealSigner

    from kiosk.config import load_config

    config = dataclasses.replace(load_config(), data_dir=provisioned_dir)
    return {order.file: ReportlabRenderer(SealSigner(provisioned_dir), two_sided=True, per_person_juminhyo=frozenset(
                {order.municipality} if order.per_person else ())).render(document)
            for order, (document, _) in zip(SAMPLES, issue_samples(config))}


@pytest.mark.parametrize("file", [order.file for order in SAMPLES])
def test_nothing_is_printed_within_4_mm_of_the_edge_of_a_back(two_sided, file, tmp_path):
    need_real_stack(bool(shutil.which("pdftoppm")), "poppler-utils missing")
    from kiosk.effects import count_pages

    path = tmp_path / file
    path.write_bytes(two_sided[file])
    for page in range(2, count_pages(two_sided[file]) + 1, 2):  # the backs: the fronts are checked above
        for side, strip in strips(path, page).items():
            inked = np.argwhere(strip < 255)
            assert inked.size == 0, f"back page {page}: ink within 4 mm of the {side} edge, e.g. at pixel {inked[0].tolist()}"


def test_the_check_sees_ink_in_the_margin(issued, tmp_path):
    """A page with a mark 3 mm from the edge fails the check above."""
    need_real_stack(bool(shutil.which("pdftoppm")), "poppler-utils missing")
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfgen.canvas import Canvas

    mark = io.BytesIO()
    canvas = Canvas(mark, pagesize=(g.PAGE_WIDTH, g.PAGE_HEIGHT))
    canvas.rect(g.PAGE_WIDTH - 3 * g.MM, 400, 0.5, 0.5, stroke=0, fill=1)
    canvas.showPage()
    canvas.save()
    writer = PdfWriter(clone_from=io.BytesIO(issued["inkan.pdf"]))
    writer.pages[0].merge_page(PdfReader(io.BytesIO(mark.getvalue())).pages[0])
    path = tmp_path / "marked.pdf"
    writer.write(path)
    found = strips(path, 1)
    assert (found["right"] < 255).any() and not (found["left"] < 255).any()
