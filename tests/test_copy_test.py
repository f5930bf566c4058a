"""The 地紋 measured as bench/copy_test.py measures it, on every page of every layout printed
two-sided (fronts and backs, the backs' 偽変造防止検出画像 included): the latent
「複写」 may differ from the tint around it by at most 3 grey levels on the original (blurred to
what the eye resolves at 35 cm) and must stand out by at least 25 on a simulated copy. The same
measurement as the bench (same crops of each word with its surround, same eye, same copier,
same noise); the bench also saves the pictures."""
from __future__ import annotations

import dataclasses
import math
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from printing import geometry as g
from printing.samples import SAMPLES, issue_samples
from printing.security import tint
from tests.conftest import need_real_stack

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import copy_test  # noqa: E402


@pytest.fixture(scope="module")
def samples(provisioned_dir, tmp_path_factory):
    """file name -> (path of the PDF, pages)."""
    need_real_stack(bool(shutil.which("pdftoppm")), "poppler-utils missing")
    from kiosk.config import load_config
    from kiosk.effects import count_pages
    from printing.renderer import ReportlabRenderer
    from printing.security.signer import SealSigner

    folder = tmp_path_factory.mktemp("copy-test")
    config = dataclasses.replace(load_config(), data_dir=provisioned_dir)
    found = {}
    for order, (document, _) in zip(SAMPLES, issue_samples(config)):
        renderer = ReportlabRenderer(SealSigner(provisioned_dir), two_sided=True,
                                     per_person_juminhyo=frozenset({order.municipality} if order.per_person else ()))
        pdf = renderer.render(document)  # front, back, front, back...
        (folder / order.file).write_bytes(pdf)
        found[order.file] = (folder / order.file, count_pages(pdf))
    return found


def test_the_tint_is_drawn_pixel_for_pixel_at_600_dpi(tmp_path):
    """What the measurement rests on: the tint's pictures land on the printer's pixels, each dot
    its designed size (a renderer that smoothed or shifted them would print another tint)."""
    need_real_stack(bool(shutil.which("pdftoppm")), "poppler-utils missing")
    pdf = copy_test.tint_alone_pdf(tmp_path / "tint.pdf")
    top, left = g.TINT_TOP_PX, g.TINT_LEFT_PX
    box = (left - 24, top - 24, 2400, 1800)  # the tint's corner and the first word
    page = copy_test.render(pdf, 1, box)
    expected = np.full(page.shape, 255, np.uint8)
    ink = tint.tint_ink()[: box[3] - 24, : box[2] - 24]
    expected[24:, 24:][ink] = 0
    assert np.array_equal(page, expected)
    assert abs(ink.mean() - 1 / 9) < 1e-3 and tint.latent_mask().any()


def test_the_bare_tint_hides_the_word_and_a_copy_shows_it(tmp_path):
    need_real_stack(bool(shutil.which("pdftoppm")), "poppler-utils missing")
    figures = copy_test.worst(copy_test.measure_pdf(copy_test.tint_alone_pdf(tmp_path / "tint.pdf"), 1))
    assert abs(figures.original) <= copy_test.ORIGINAL_LIMIT, figures
    assert figures.copy >= copy_test.COPY_LIMIT, figures


@pytest.mark.parametrize("file", [order.file for order in SAMPLES])
def test_every_page_hides_the_word_and_its_copy_shows_it(samples, file):
    pdf, pages = samples[file]
    backs = copy_test.backs_of(pages)
    found = copy_test.measure_pdf(pdf, pages, backs)
    measured = [(page, word, f) for page, word, f in found if not math.isnan(f.original)]
    assert {page for page, _, _ in measured} == set(range(1, pages + 1)), "a page where no word could be measured"
    detection = {page for page, word, _ in measured if word == copy_test.DETECTION_WORD}
    assert backs and detection == backs, "a back whose detection image could not be measured"
    for page, word, figures in measured:
        assert abs(figures.original) <= copy_test.ORIGINAL_LIMIT, f"page {page} word {word}: {figures}"
        assert figures.copy >= copy_test.COPY_LIMIT, f"page {page} word {word}: {figures}"


def test_the_measurement_fails_a_copier_that_keeps_the_tint_and_a_tint_without_a_word(tmp_path):
    """The measurement can fail: a copier that prints black only what reads darker than 120
    drops the latent dots too, and a tint whose word's cells hold background dots has no word
    to show. Guards against a measurement that passes whatever is drawn."""
    need_real_stack(bool(shutil.which("pdftoppm")), "poppler-utils missing")
    pdf = copy_test.tint_alone_pdf(tmp_path / "tint.pdf")
    box = copy_test.word_boxes()[0]
    page = copy_test.render(pdf, 1, box)
    blind = dataclasses.replace(copy_test.COPIER, threshold=120.0)
    assert copy_test.measure(page, box, blind).copy < copy_test.COPY_LIMIT
    flat = copy_test.without_word(box)  # the word's cells printed as the background
    figures = copy_test.measure(flat, box, bare=flat)
    assert abs(figures.original) < 1 and abs(figures.copy) < 5, figures


def test_the_detection_word_is_the_tints_word_enlarged_and_clear_of_the_tints_words():
    """The backs' large word stays in the band between the tint's rows of words, far enough that
    every word's surround (what the figures above compare it with) is plain background."""
    from printing import back_side

    back_side.check_layout()
    cells = back_side.detection_cells()
    up, down = back_side.DETECTION_SCALE
    assert abs(cells.sum() / tint.latent_cells().sum() - (up / down) ** 2) < 0.05
    assert not (back_side.detection_mask() & tint.latent_mask()).any()
