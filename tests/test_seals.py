"""Seals (issue 13, item 5): the 公印 is seal-script-like vector art, red, in its square frame,
standing on the end of the mayor's name; the 印影 of the 印鑑登録証明書 is the registry's picture
(a 1-bit stencil, embedded once), its own for every resident and the same on every render, never
typeset; both marked 見本 on demo keys; the verifier draws both again from the code."""
from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
from datetime import date, datetime

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from center.registry.impressions import demo_recipe, draw_impression
from kiosk.clock import JST
from kiosk.documents import CertificateDocument, InkanBody, IssuingAuthority
from kiosk.kinds import CertificateKind
from printing import geometry as g
from printing.impression import RecipeError, impression_image, impression_png
from printing.model import Item
from printing.paginate import SEAL, plan_from_lines, signed_items
from printing.redraw import CannotRedraw, redraw
from printing.renderer import ReportlabRenderer
from printing.seal_art import OFFICE_SEAL_INK, columns, office_seal_runs
from printing.seal_glyphs import HAND_DRAWN, glyph
from printing.security.seal_code import open_code
from printing.security.signer import SealSigner
from printing.verify import Verdict, verify_file
from printing.verify_cli import seal_keys
from tests.conftest import need_real_stack
from tests.forgery_kit import Recording

SEAL_TEXTS = ("七星市長之印", "月見野町長之印", "雲雀ヶ原村長之印")  # the demo municipalities' (assets/municipalities)
AUTHORITIES = {
    "990001": IssuingAuthority("990001", "七星市", "七星市長", "北斗　一郎"),
    "990002": IssuingAuthority("990002", "月見野町", "月見野町長", "望月　澄子"),
}
# the pixels of two demo 印影 as recipe version 1 draws them
PINNED = {("髙橋", "R-0005"): "3b84d4c9cfc3a9a7", ("佐藤花子", "R-0002"): "917d840c41240098"}
# Two demo residents whose seals carry the same characters: only their pictures tell them apart.
WATANABE_DAISUKE = ("R-0020", "M-001980")
WATANABE_TAKESHI = ("R-0031", "H-00102")


def body(ref: str, number: str, characters: str = "渡邉") -> InkanBody:
    recipe = demo_recipe(ref, number)
    return InkanBody("渡邉　大輔", "ワタナベ　ダイスケ", date(1975, 6, 1), "男", "架空県月見野町一番地", number,
                     date(2012, 5, 15), characters, draw_impression(characters, recipe), recipe)


def document(inkan: InkanBody, municipality: str = "990002", copies: int = 1) -> CertificateDocument:
    return CertificateDocument(CertificateKind.INKAN, "s" * 32, f"{municipality}-20261125-000011",
                               datetime(2026, 11, 25, 10, 0, tzinfo=JST), AUTHORITIES[municipality], copies, 300, inkan)


@pytest.fixture(scope="module")
def render(provisioned_dir):
    renderer = ReportlabRenderer(SealSigner(provisioned_dir))
    return renderer.render


def colour_page(pdf: bytes, dpi: int = 150) -> np.ndarray:
    need_real_stack(shutil.which("pdftoppm") is not None, "poppler-utils missing")
    out = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-png", "-"], input=pdf,
                         capture_output=True, check=True).stdout
    return np.asarray(Image.open(io.BytesIO(out)).convert("RGB")).astype(int)


def pixels(box: tuple[float, float, float, float], dpi: int = 150) -> tuple[slice, slice]:
    k = dpi / 72
    x0, y0, x1, y1 = box
    return slice(int((g.PAGE_HEIGHT - y1) * k), int((g.PAGE_HEIGHT - y0) * k)), slice(int(x0 * k), int(x1 * k))


@pytest.fixture(scope="module", autouse=True)
def scratch(tmp_path_factory):
    from tests import forgery_kit

    forgery_kit.SCRATCH.append(tmp_path_factory.mktemp("seal-scratch"))
    yield
    forgery_kit.SCRATCH.pop()


def regions_of(pdf: bytes) -> dict[str, tuple[float, float, float, float]]:
    from tests.forgery_kit import regions

    return {name: region.box for name, region in regions(pdf).items()}


# --- the 公印 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", SEAL_TEXTS)
def test_every_demo_seal_character_has_square_strokes_that_fill_its_cell(text):
    for char in text:
        runs = glyph(char, 12, 9)
        assert runs == glyph(char, 12, 9)  # the same strokes every time: the verifier draws the same seal
        assert all(x0 == x1 or y0 == y1 for x0, y0, x1, y1 in runs), char  # only horizontal and vertical
        xs = [v for x0, _, x1, _ in runs for v in (x0, x1)]
        ys = [v for _, y0, _, y1 in runs for v in (y0, y1)]
        assert (min(xs), max(xs), min(ys), max(ys)) == (0, 12, 0, 9), char  # reaching every side of the cell
        assert len(runs) >= (2 if char in HAND_DRAWN else 3), char


def test_seal_characters_are_set_in_columns_read_right_to_left():
    assert [columns(len(t)) for t in SEAL_TEXTS] == [[3, 3], [3, 2, 2], [3, 3, 2]]
    for text in SEAL_TEXTS:
        runs = office_seal_runs(text, g.OFFICE_SEAL_SIZE)
        assert all(0 <= x0 < x1 <= g.OFFICE_SEAL_SIZE and 0 <= y0 < y1 <= g.OFFICE_SEAL_SIZE for x0, y0, x1, y1 in runs)


def test_the_office_seal_is_red_in_its_frame_and_stands_on_the_end_of_the_mayors_name(render):
    pdf = render(document(body(*WATANABE_DAISUKE)))
    boxes = regions_of(pdf)
    seal, name = boxes["公印"], boxes["証明者"]
    centre = (seal[0] + seal[2]) / 2
    assert seal[0] < name[2] < centre  # the name ends under the seal's left part
    assert name[1] < seal[3] and seal[1] < name[3]  # at the same height
    page = colour_page(pdf)
    area = page[pixels(seal)]
    red = (area[..., 0] > 150) & (area[..., 1] < 90) & (area[..., 2] < 90)
    assert red.mean() > 0.12, "the 公印 is printed red"
    frame = page[pixels((seal[0] + 1.5, seal[1] + 3, seal[0] + 2.3, seal[3] - 3))]  # on its left border
    assert ((frame[..., 0] > 150) & (frame[..., 1] < 90)).mean() > 0.8, "in its square frame (the name crosses it)"
    rows, cols = pixels(name)
    under = page[rows, slice(pixels(seal)[1].start, cols.stop)]
    assert (under.max(axis=2) < 60).any(), "the name's last character shows through the seal's ink"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "黒色" not in text  # no note that the seal prints black: it prints red
    assert OFFICE_SEAL_INK[0] > 0.7 > max(OFFICE_SEAL_INK[1:]) + 0.5


# --- the 印影 -----------------------------------------------------------------------------------


def test_the_impression_is_a_stencil_picture_not_text(render):
    pdf = render(document(body(*WATANABE_DAISUKE), copies=2))
    reader = PdfReader(io.BytesIO(pdf))
    shown = [ref for page in reader.pages for name, ref in page["/Resources"]["/XObject"].items() if "inei" in name]
    assert len(shown) == 2 and len({ref.idnum for ref in shown}) == 1, "one picture in the PDF, shown on both copies"
    picture = shown[0].get_object()
    assert (picture["/ImageMask"], picture["/BitsPerComponent"]) == (True, 1)
    texts = [p.extract_text() for p in reader.pages]
    assert len(texts) == 2 and all(t.count("渡邉") == 1 for t in texts)  # in 氏名 only: the 印影 is not typeset
    assert all("見本" in t for t in texts)


def test_the_impression_is_each_residents_own_and_the_same_on_every_render(render):
    first = render(document(body(*WATANABE_DAISUKE)))
    again = render(document(body(*WATANABE_DAISUKE)))
    other = render(document(body(*WATANABE_TAKESHI)))
    assert first == again
    where = pixels(regions_of(first)["印影（登録者）"])
    a, b = colour_page(first)[where], colour_page(other)[where]
    assert (np.abs(a - b).max(axis=2) > 100).sum() > 500, "two residents, two impressions"
    assert (colour_page(again)[where] == a).all()


def test_impressions_look_stamped_round_or_oval_with_uneven_ink():
    shapes = set()
    for ref, number, characters in (("R-0001", "0010234", "佐藤"), ("R-0002", "0010871", "佐藤花子"),
                                    ("R-0008", "0007788", "伊藤誠"), ("R-0014", "0013409", "SILVA"),
                                    ("R-0005", "0003321", "髙橋"), ("R-0020", "M-001980", "渡邉")):
        recipe = demo_recipe(ref, number)
        image = impression_image(characters, recipe)
        assert image.mode == "1" and impression_png(characters, recipe) == impression_png(characters, recipe)
        ink = ~np.asarray(image, bool)
        rows, cols = np.nonzero(ink)
        height, width = rows.max() - rows.min(), cols.max() - cols.min()
        shapes.add("round" if abs(height - width) <= 0.06 * max(height, width) else "oval")
        assert 0.08 < ink.mean() < 0.45, characters  # strokes and a ring, not a blot
        # uneven ink: the ring is broken or ragged somewhere, not a perfect circle
        cy, cx = (rows.min() + rows.max()) / 2, (cols.min() + cols.max()) / 2
        angles = np.arctan2(rows - cy, cols - cx)
        radius = np.hypot(rows - cy, cols - cx)
        outer = [radius[(angles >= a) & (angles < a + 0.1)].max(initial=0) for a in np.arange(-np.pi, np.pi, 0.1)]
        assert np.std(outer) > 0.3, characters
    assert shapes == {"round", "oval"}


def test_what_a_recipe_draws_never_changes():
    """Registries keep the pictures and the verifier draws them again from the recipe: a drawing
    that changes breaks every paper printed before. Change it under a new recipe version only."""
    import hashlib

    pictures = {(chars, ref): hashlib.sha256(impression_image(chars, demo_recipe(ref, number)).tobytes()).hexdigest()[:16]
                for chars, ref, number in (("髙橋", "R-0005", "0003321"), ("佐藤花子", "R-0002", "0010871"))}
    assert pictures == PINNED


def test_a_recipe_this_generator_does_not_know_is_refused():
    for recipe in ("", "2.0123456789ab", "1.xyz", "1.0123456789abcdef"):
        with pytest.raises(RecipeError):
            impression_png("佐藤", recipe)


def test_the_code_signs_the_impressions_recipe_and_the_verifier_draws_it_again(provisioned_dir):
    signer = Recording(provisioned_dir)
    inkan = body(*WATANABE_TAKESHI)
    pdf = ReportlabRenderer(signer).render(document(inkan))
    [code] = signer.codes
    seal = open_code(code).seal
    lines = [i for i in seal.items if i.label == SEAL]
    assert [line.value for line in lines] == [inkan.impression_recipe]
    rebuilt = plan_from_lines(seal.items, "BIZUDMincho-Regular")
    [row] = [r for r in rebuilt.plan.rows if r.item is not None and r.item.drawn_as_seal]
    assert (row.item.value, row.item.seal_recipe, row.item.seal_picture) == ("渡邉", inkan.impression_recipe, b"")
    assert b"/ImageMask true" in redraw(seal, code).pdf
    bad = dataclasses.replace(seal, items=tuple(Item(SEAL, "9.000000000000") if i.label == SEAL else i for i in seal.items))
    with pytest.raises(CannotRedraw, match="印影"):
        redraw(bad, code)
    path = provisioned_dir.parent / "seal-test-inkan.pdf"
    path.write_bytes(pdf)
    need_real_stack(shutil.which("pdftoppm") is not None, "poppler-utils missing")
    assert verify_file(path, seal_keys(provisioned_dir)).verdict is Verdict.VALID


def test_an_impression_without_a_picture_is_never_typeset(render):
    inkan = dataclasses.replace(body(*WATANABE_DAISUKE), impression_image=b"", impression_recipe="")
    with pytest.raises(ValueError, match="印影"):
        render(document(inkan))
    assert signed_items((Item("印影", "渡邉", drawn_as_seal=True, seal_recipe="1.0123456789ab"),))[0] == Item(
        SEAL, "1.0123456789ab")


def test_both_seals_are_marked_sample_on_demo_keys(render):
    pdf = render(document(body(*WATANABE_DAISUKE)))
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    marks = re.findall("見本", text)
    assert len(marks) >= 3  # the page's own, and one across each seal
