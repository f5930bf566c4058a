"""The certificate renderer on documents issued by the real center for demo residents: every
item of the document data is in the PDF's text, nothing of another resident is, every font is
embedded, and each page carries the 見本 mark, page x / y, 発行番号 and the signed code."""
from __future__ import annotations

import dataclasses
import functools
import io
import json
import re
from dataclasses import fields, is_dataclass
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from kiosk.config import ASSETS
from kiosk.documents import KosekiPerson
from kiosk.kinds import CertificateKind
from printing.renderer import ReportlabRenderer
from printing.samples import SAMPLES, issue_samples
from printing.security.signer import SealSigner
from printing.wareki import wareki, wareki_fiscal_year, wareki_year


@pytest.fixture(scope="module")
def issued(provisioned_dir, tmp_path_factory):
    """file name -> (document, pdf bytes), issued through the real center."""
    from kiosk.config import load_config

    config = dataclasses.replace(load_config(), data_dir=provisioned_dir)
    return {order.file: pair for order, pair in zip(SAMPLES, issue_samples(config))}


@functools.cache
def text_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def expected_values(value, name: str = "") -> list[str]:
    """Every printed value of the document data, as the layouts print it."""
    if isinstance(value, KosekiPerson) and value.given_name:  # 【名】: the 氏 is the 筆頭者's
        value = dataclasses.replace(value, name=value.given_name)
    if name == "detail":  # a 戸籍 event's 【】 pairs, each on a line of its own (【届出日】 among them)
        return [pair.strip("\u3000 ") for pair in re.findall(r"【[^】]*】[^【]*", value)]
    if is_dataclass(value):
        return [v for f in fields(value) for v in expected_values(getattr(value, f.name), f.name)]
    if isinstance(value, tuple):
        return [v for item in value for v in expected_values(item, name)]
    if value is None or isinstance(value, bool):
        return []  # not chosen, or a flag that picks wording (世帯全員, 除籍, 課税)
    if name.startswith("impression"):
        return []  # the 印影 is a picture, not text (tests/test_seals.py)
    if isinstance(value, datetime):
        return [wareki(value.date())]
    if isinstance(value, date):
        return [wareki(value)]
    if isinstance(value, int):
        if name == "fiscal_year":
            return [wareki_fiscal_year(value)]
        return [wareki_year(value)] if name == "income_year" else [f"{value:,}"]
    return [str(value)]


def test_one_sample_of_every_kind(issued):
    kinds = {document.kind for document, _ in issued.values()}
    assert kinds == set(CertificateKind)


@pytest.mark.parametrize("file", [order.file for order in SAMPLES])
def test_every_item_of_the_document_is_printed(issued, file):
    document, pdf = issued[file]
    text = squeeze("".join(text_of(pdf)))
    for value in expected_values(document.body) + [document.issue_number, document.authority.mayor_name]:
        assert squeeze(value) in text, f"{file}: a value is missing"


@pytest.mark.parametrize("file", [order.file for order in SAMPLES])
def test_nothing_of_another_resident_is_printed(issued, file):
    document, pdf = issued[file]
    data = squeeze("".join(expected_values(document.body)))
    text = squeeze("".join(text_of(pdf)))
    residents = json.loads((ASSETS / "demo" / "residents.json").read_text(encoding="utf-8"))["residents"]
    for resident in residents:
        name = resident["name"]["family"] + resident["name"]["given"]
        for value in (name, resident["address"], resident["my_number"]):
            if value and squeeze(value) not in data:
                assert squeeze(value) not in text, f"{file}: data of {resident['resident_ref']} printed"


@pytest.mark.parametrize("file", [order.file for order in SAMPLES])
def test_every_page_is_numbered_marked_and_closed_once(issued, file):
    document, pdf = issued[file]
    pages = text_of(pdf)
    for number, page in enumerate(pages, start=1):
        assert f"{number} / {len(pages)}" in page
        assert "見本" in page and document.issue_number in page and document.kind.title_ja in page
    assert "以下余白" in pages[-1] and all("以下余白" not in page for page in pages[:-1])
    assert "住民票コード" not in "".join(pages)


CLOSING_BLOCK = ("認証文", "発行日", "証明者", "公印")
NOT_IN_THE_TABLE = frozenset({"マイクロ文字", "以下余白", "表題", "発行番号", "2次元コード", "注記", "頁番号", *CLOSING_BLOCK})


@pytest.mark.parametrize("file", [order.file for order in SAMPLES])
def test_every_sheet_is_a_certificate_on_its_own_and_verifies(issued, provisioned_dir, tmp_path, file):
    """認証文, date, mayor and 公印, 発行番号 and x / y on every sheet; 以下余白 once, right under
    the last row of the last sheet; and `kiosk verify` finds every page as signed."""
    import numpy as np
    from PIL import Image

    from printing import geometry as g
    from printing.redraw import redraw
    from printing.verify import Verdict, _codes_on_page, _poppler, verify_files
    from printing.verify_cli import seal_keys
    from printing.verify_report import describe

    def regions_of(page: int) -> dict:
        """Where the page's own code says each field is drawn, by name."""
        [code] = _codes_on_page(path, page)
        return {r.name: r for r in reversed(redraw(code.opened.seal, code.data).regions)}

    document, pdf = issued[file]
    path = tmp_path / file
    path.write_bytes(pdf)
    report = verify_files([path], seal_keys(provisioned_dir))
    assert report.verdict is Verdict.VALID, describe(file, report)
    assert all(page.compared.startswith("compared with its redrawing") for page in report.pages), describe(file, report)
    pages = text_of(pdf)
    for number, text in enumerate(pages, start=1):
        regions = regions_of(number)
        assert set(CLOSING_BLOCK) <= regions.keys(), f"{file} page {number}: no closing block"
        assert regions["頁番号"].value == f"{number} / {len(pages)}" and regions["発行番号"].value == document.issue_number
        assert squeeze(regions["認証文"].value) in squeeze(text) and document.issue_number in text
        assert squeeze(f"{document.authority.mayor_title}{document.authority.mayor_name}") in squeeze(text)
        x0, y0, x1, y1 = regions["公印"].box  # the seal's red ink is there, on the paper itself
        k = 100 / 72
        raster = _poppler("pdftoppm", "-r", "100", "-f", str(number), "-l", str(number), "-x", str(int(x0 * k)),
                          "-y", str(int((g.PAGE_HEIGHT - y1) * k)), "-W", str(int((x1 - x0) * k)),
                          "-H", str(int((y1 - y0) * k)), str(path))
        rgb = np.asarray(Image.open(io.BytesIO(raster)).convert("RGB")).astype(int)
        red = (rgb[..., 0] > 150) & (rgb[..., 1] < 90) & (rgb[..., 2] < 90)
        assert red.sum() > 100, f"{file} page {number}: no 公印 ink"
        if number < len(pages):
            assert "以下余白" not in regions and "以下余白" not in text
    assert "".join(pages).count("以下余白") == 1
    last = regions_of(len(pages))
    table_bottom = min(r.box[1] for r in last.values() if r.name not in NOT_IN_THE_TABLE)
    blank = last["以下余白"].box
    assert table_bottom - g.BLANK_NOTE_HEIGHT <= blank[1] and blank[3] <= table_bottom  # right under the last row


@pytest.mark.parametrize("file", [order.file for order in SAMPLES])
def test_every_font_is_embedded(issued, file):
    _, pdf = issued[file]
    reader = PdfReader(io.BytesIO(pdf))
    seen = 0
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in [d.get_object() for d in font.get("/DescendantFonts", [font])]:
                descriptor = descendant["/FontDescriptor"].get_object()
                assert "/FontFile2" in descriptor, f"{descendant['/BaseFont']} not embedded"
                assert re.match(r"/[A-Z]{6}\+BIZUDMincho", str(descendant["/BaseFont"])), "not a subset"
                seen += 1
    assert seen


def test_household_form_continues_over_pages_and_per_person_form_gives_each_a_sheet(issued, provisioned_dir):
    household_doc, household = issued["juminhyo.pdf"]
    per_person_doc, per_person = issued["juminhyo-per-person.pdf"]
    persons = household_doc.body.persons
    assert len(persons) == 4 and len(text_of(household)) == 1  # four persons with their 備考: one sheet
    twice = dataclasses.replace(household_doc, body=dataclasses.replace(household_doc.body, persons=persons * 2))
    pages = text_of(ReportlabRenderer(SealSigner(provisioned_dir)).render(twice))
    assert len(pages) >= 2 and all("住所" in page and "世帯主" in page for page in pages)
    assert all(squeeze(person.name) in squeeze("".join(pages)) for person in persons)
    sheets = text_of(per_person)
    assert len(sheets) == len(per_person_doc.body.persons)
    for sheet, person in zip(sheets, per_person_doc.body.persons):
        assert squeeze(person.name) in squeeze(sheet)
        assert "住所" in sheet and "世帯主" in sheet  # the household header repeats on every sheet


def test_whole_and_partial_households_get_their_own_attestation(issued):
    whole = "".join(text_of(issued["juminhyo.pdf"][1]))
    self_only = "".join(text_of(issued["juminhyo-foreign.pdf"][1]))
    assert "世帯全員の住民票の原本と相違ない" in whole
    assert "世帯の一部の住民票の原本と相違ない" in self_only


def test_copies_repeat_the_pages_and_the_same_document_gives_the_same_bytes(issued, provisioned_dir):
    document, pdf = issued["inkan.pdf"]
    renderer = ReportlabRenderer(SealSigner(provisioned_dir))
    assert renderer.render(document) == pdf
    two = text_of(renderer.render(dataclasses.replace(document, copies=2)))
    assert len(two) == 2 and two[0] == two[1]


def test_a_one_page_certificate_stays_small(issued):
    assert all(len(pdf) <= 80 * 1024 for _, pdf in issued.values() if len(text_of(pdf)) == 1)


def test_the_sample_mark_cannot_be_switched_off_while_the_demo_pki_signs(issued, provisioned_dir):
    document, _ = issued["tax_shotoku.pdf"]
    real = dataclasses.replace(document, demo=False)
    pages = text_of(ReportlabRenderer(SealSigner(provisioned_dir)).render(real))
    assert all("見本" in page and "SAMPLE" in page for page in pages)
