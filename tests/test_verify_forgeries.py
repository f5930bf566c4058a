"""The forgery corpus of `kiosk verify`: every forgery below must be reported (not valid, naming
what is wrong: the field and page, or the pages that are missing, repeated or foreign), and every
genuine PDF and synthetic scan must verify as valid (no false alarms).

Forgeries are made as a forger would: a PDF editor's white box and new text in the certificate's
own font at the very place, altered data printed again under a genuine page's code, pages
dropped, repeated or taken from another certificate, and scans of all that (turned up to 2°,
scaled up to 3 %, blurred, noisy, PNG or JPEG, 200-300 dpi). The README states the counts and
the limits of the method.
"""
from __future__ import annotations

import dataclasses
import io
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from app.cli import main
from kiosk.clock import JST
from kiosk.documents import (
    CertificateDocument, InkanBody, IssuingAuthority, KosekiBody, KosekiEntryLine, KosekiPerson, TaxBody,
)
from kiosk.kinds import CertificateKind
from printing import geometry as g
from center.registry.impressions import demo_recipe, draw_impression
from printing.renderer import ReportlabRenderer
from printing.security.signer import SealSigner
from printing.verify import Report, Verdict, verify_files
from printing.verify_cli import seal_keys
from printing.verify_report import describe
from tests import forgery_kit as kit
from tests.conftest import need_real_stack
from tests.forgery_kit import Recording, Replaying, Scanner

AUTHORITY = IssuingAuthority("990001", "七星市", "七星市長", "北斗　一郎")
WHEN = datetime(2026, 11, 25, 10, 0, tzinfo=JST)
TAX = TaxBody(2026, 2025, "佐藤　一郎", "架空県七星市北斗町一丁目2番3号", date(1978, 4, 12), 5_120_000, 3_280_000,
              199_800, 132_200, 3, True)
RECIPE = demo_recipe("R-0001", "0010234")
YAMADA = draw_impression("山田", demo_recipe("R-0099", "0020001"))  # another registrant's 印影
INKAN = InkanBody("佐藤　一郎", "サトウ　イチロウ", date(1978, 4, 12), "男", "架空県七星市北斗町一丁目2番3号",
                  "0010234", date(2008, 5, 12), "佐藤", draw_impression("佐藤", RECIPE), RECIPE)


def _person(name: str, born: date, sex: str, removed: bool = False) -> KosekiPerson:
    entries = (KosekiEntryLine("出生", born, "【出生地】架空県七星市　【届出人】父"),
               KosekiEntryLine("婚姻", date(1972, 5, 5), "【配偶者氏名】木下和子　【従前戸籍】架空県七星市昴町三丁目5番地　髙橋茂"))
    return KosekiPerson(name, born, sex, "髙橋茂", "髙橋キヨ", "長男" if sex == "男" else "長女", entries, removed)


FAMILY = (_person("髙橋　正雄", date(1946, 2, 11), "男"), _person("髙橋　和子", date(1949, 7, 30), "女", removed=True),
          _person("髙橋　健太", date(1976, 11, 2), "男"), _person("髙橋　美咲", date(1990, 3, 8), "女"))


def tax(number: int = 6, **changes) -> CertificateDocument:
    return CertificateDocument(CertificateKind.TAX_SHOTOKU, "s" * 32, f"990001-20261125-{number:06d}", WHEN, AUTHORITY,
                               1, 300, dataclasses.replace(TAX, **changes))


def inkan(**changes) -> CertificateDocument:
    return CertificateDocument(CertificateKind.INKAN, "s" * 32, "990001-20261125-000007", WHEN, AUTHORITY, 1, 300,
                               dataclasses.replace(INKAN, **changes))


def koseki(number: int = 8, persons: tuple[KosekiPerson, ...] = FAMILY, copies: int = 1) -> CertificateDocument:
    return CertificateDocument(CertificateKind.KOSEKI_ZENBU, "s" * 32, f"990001-20261125-{number:06d}", WHEN, AUTHORITY,
                               copies, 450, KosekiBody("架空県七星市昴町三丁目5番地", "髙橋　正雄", persons, True))


@dataclass
class Paper:
    """The genuine certificates the forgers start from, rendered by the kiosk's own renderer."""

    data: Path
    tax: bytes
    tax_codes: list[bytes]
    inkan: bytes
    koseki: bytes  # two pages
    koseki_codes: list[bytes]
    other_koseki: bytes  # the same family, another 発行番号: another certificate

    def render(self, document: CertificateDocument, signer: SealSigner | None = None) -> bytes:
        return ReportlabRenderer(signer or SealSigner(self.data)).render(document)


@pytest.fixture(scope="module")
def paper(provisioned_dir, tmp_path_factory) -> Paper:
    need_real_stack(all(shutil.which(t) for t in ("pdftoppm", "pdftotext", "pdfinfo")), "poppler-utils missing")
    kit.SCRATCH.append(tmp_path_factory.mktemp("forgery-scratch"))
    tax_signer, koseki_signer, plain = Recording(provisioned_dir), Recording(provisioned_dir), SealSigner(provisioned_dir)
    made = Paper(
        provisioned_dir,
        ReportlabRenderer(tax_signer).render(tax()), tax_signer.codes,
        ReportlabRenderer(plain).render(inkan()),
        ReportlabRenderer(koseki_signer).render(koseki()), koseki_signer.codes,
        ReportlabRenderer(plain).render(koseki(number=9)),
    )
    assert len(made.koseki_codes) == 2, "the family must fill two pages"
    return made


def check(paper: Paper, tmp_path: Path, files: list[tuple[str, bytes]]) -> tuple[Report, str]:
    paths = []
    for name, content in files:
        paths.append(tmp_path / name)
        paths[-1].write_bytes(content)
    report = verify_files(paths, seal_keys(paper.data))
    return report, describe(", ".join(p.name for p in paths), report)


# --- the forgeries -----------------------------------------------------------------------------

Build = Callable[[Paper], list[tuple[str, bytes]]]


@dataclass(frozen=True)
class Forgery:
    name: str
    kind: str  # its class
    build: Build
    shows: tuple[str, ...]  # what the report must say (a field and its change, a page problem)


WHITE_BOX = "white box over a figure, new text on top"
BLANKED = "page blanked down to one forged line"
MISSING = "page missing"
DUPLICATED = "page duplicated"
MIXED = "pages of two certificates"
REPLAYED_SCAN = "scan with a replayed code"
COVERED = "field covered"
ADDED = "text added"
RERENDERED = "altered data printed under a genuine code"
NO_CODE = "page without a code"
CUT = "scan cut short"

SCAN_A = Scanner(dpi=300, angle=1.5, scale=1.02, noise=6)
SCAN_B = Scanner(dpi=200, angle=-2.0, scale=0.97, noise=12, jpeg=75)
SCAN_C = Scanner(dpi=250, angle=0.8, scale=1.03, noise=15, jpeg=60)


def figure_changed(pdf_of: Callable[[Paper], bytes], field: str, new: str, page: int = 1) -> Build:
    def build(paper: Paper) -> list[tuple[str, bytes]]:
        pdf = pdf_of(paper)
        return [("forged.pdf", kit.overlay(pdf, page, *kit.over_value(kit.regions(pdf, page)[field], new)))]
    return build


def scanned(build: Build, scanner: Scanner, page: int = 1) -> Build:
    def scan(paper: Paper) -> list[tuple[str, bytes]]:
        [(_, pdf)] = build(paper)
        suffix = "jpg" if scanner.jpeg else "png"
        return [(f"scan.{suffix}", scanner.scan(pdf, page))]
    return scan


def blanked(paper: Paper) -> list[tuple[str, bytes]]:
    """Everything white but the code, and one line: 「上記の者の所得は、0円である。」"""
    above_code = kit.white_box(0, g.CODE_Y + g.CODE_SIZE + 2, g.PAGE_WIDTH, g.PAGE_HEIGHT)
    beside_code = kit.white_box(g.CODE_X + g.CODE_SIZE + 2, 0, g.PAGE_WIDTH, g.CODE_Y + g.CODE_SIZE + 2)
    below_code = kit.white_box(0, 0, g.PAGE_WIDTH, g.CODE_Y - 2)
    line = kit.text(g.LEFT, g.PAGE_HEIGHT - 120, "上記の者の所得は、0円であることを証明する。", 12)
    return [("forged.pdf", kit.overlay(paper.tax, 1, above_code, beside_code, below_code, line))]


def added_row(paper: Paper) -> list[tuple[str, bytes]]:
    """A line of remarks written in the empty space under the table."""
    return [("forged.pdf", kit.overlay(paper.tax, 1, kit.text(g.LEFT + 4, 330, "備考　上記の者は扶養親族の数を5人と申告している。")))]


def rerendered(paper: Paper, document: CertificateDocument, codes: list[bytes]) -> bytes:
    return paper.render(document, Replaying(codes))


def removed_mark(paper: Paper) -> bytes:
    """The 除籍 mark of a person dropped: the family printed again as if she were still in it."""
    family = tuple(dataclasses.replace(p, removed=False) for p in FAMILY)
    return rerendered(paper, koseki(persons=family), paper.koseki_codes)


def code_alone_page(paper: Paper) -> bytes:
    """A page with only a genuine code on it (the rest of a certificate thrown away)."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    canvas.drawString(100, 700, "blank")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


FORGERIES = (
    # a PDF edited: white box and new text in the certificate's font, exactly in place
    Forgery("total income replaced", WHITE_BOX, figure_changed(lambda p: p.tax, "総所得金額（所得・課税の内容）", "1,980,000円"),
            ("page 1", "総所得金額", "changed")),
    Forgery("one digit of the total income", WHITE_BOX, figure_changed(lambda p: p.tax, "総所得金額（所得・課税の内容）", "5,180,000円"),
            ("総所得金額", "changed")),
    Forgery("tax levied set to non-taxed", WHITE_BOX, figure_changed(lambda p: p.tax, "課税区分（所得・課税の内容）", "非課税"),
            ("課税区分", "changed")),
    Forgery("another registrant's 印影 printed under the genuine code", RERENDERED,
            lambda p: [("forged.pdf", rerendered(p, inkan(impression_image=YAMADA), [kit_code(p.inkan)]))],
            ("印影（登録者）", "changed")),
    Forgery("registered name replaced", WHITE_BOX, figure_changed(lambda p: p.inkan, "氏名（登録者）", "山田　太郎"),
            ("氏名（登録者）", "changed")),
    Forgery("birth date on page 2", WHITE_BOX,
            figure_changed(lambda p: p.koseki, "生年月日（戸籍に記録されている者 2）", "平成12年3月8日", page=2),
            ("page 2", "生年月日（戸籍に記録されている者 2）", "changed")),
    Forgery("address replaced", WHITE_BOX, figure_changed(lambda p: p.tax, "住所（納税義務者）", "架空県月見野町一丁目1番1号"),
            ("住所（納税義務者）", "changed")),
    Forgery("blanked page", BLANKED, blanked, ("総所得金額", "covered", "changed")),
    Forgery("field covered", COVERED, figure_changed(lambda p: p.tax, "扶養親族の数（所得・課税の内容）", None),
            ("扶養親族の数", "covered")),
    Forgery("remark added under the table", ADDED, added_row, ("outside every field", "added")),
    Forgery("address printed again under the genuine code", RERENDERED,
            lambda p: [("forged.pdf", rerendered(p, tax(address="架空県七星市北斗町九丁目9番9号"), p.tax_codes))],
            ("住所（納税義務者）", "changed")),
    Forgery("除籍 mark dropped", RERENDERED, lambda p: [("forged.pdf", removed_mark(p))],
            ("page 1", "見出し（戸籍に記録されている者 2）", "covered")),
    Forgery("page 2/2 dropped", MISSING, lambda p: [("forged.pdf", kit.assemble((p.koseki, 1)))],
            ("page 2/2 is missing",)),
    Forgery("page 1/2 dropped", MISSING, lambda p: [("forged.pdf", kit.assemble((p.koseki, 2)))],
            ("page 1/2 is missing",)),
    Forgery("page 2/2 twice", DUPLICATED, lambda p: [("forged.pdf", kit.assemble((p.koseki, 1), (p.koseki, 2), (p.koseki, 2)))],
            ("page 1/2 once, page 2/2 twice", "repeated")),
    Forgery("page 2/2 of another certificate", MIXED, lambda p: [("forged.pdf", kit.assemble((p.koseki, 1), (p.other_koseki, 2)))],
            ("pages of 2 different certificates", "page 1/2 is missing", "page 2/2 is missing")),
    Forgery("another certificate's page appended", MIXED, lambda p: [("forged.pdf", kit.assemble((p.tax, 1), (p.inkan, 1)))],
            ("pages of 2 different certificates",)),
    Forgery("a page without a code inserted", NO_CODE,
            lambda p: [("forged.pdf", kit.assemble((p.koseki, 1), (code_alone_page(p), 1), (p.koseki, 2)))],
            ("page 2 carries no readable certificate code",)),
    # scans of forged paper
    Forgery("scan: total income replaced", WHITE_BOX,
            scanned(figure_changed(lambda p: p.tax, "総所得金額（所得・課税の内容）", "1,980,000円"), SCAN_A),
            ("総所得金額", "changed")),
    Forgery("scan: name replaced, JPEG", WHITE_BOX,
            scanned(figure_changed(lambda p: p.inkan, "氏名（登録者）", "山田　太郎"), SCAN_B), ("氏名（登録者）", "changed")),
    Forgery("scan: birth date on page 2", WHITE_BOX,
            scanned(figure_changed(lambda p: p.koseki, "生年月日（戸籍に記録されている者 2）", "平成12年3月8日", page=2), SCAN_C, page=2),
            ("生年月日（戸籍に記録されている者 2）",)),
    Forgery("scan: blanked page", BLANKED, scanned(blanked, SCAN_B), ("総所得金額", "covered")),
    Forgery("scan: field covered", COVERED, scanned(figure_changed(lambda p: p.tax, "扶養親族の数（所得・課税の内容）", None), SCAN_C),
            ("扶養親族の数", "covered")),
    Forgery("scan: remark added", ADDED, scanned(added_row, SCAN_A), ("outside every field", "added")),
    Forgery("scan: other data under a replayed code", REPLAYED_SCAN,
            scanned(lambda p: [("f.pdf", rerendered(p, tax(name="山田　太郎", total_income=1_980_000), p.tax_codes))], SCAN_A),
            ("氏名（納税義務者）", "総所得金額")),
    Forgery("scan: other data under a replayed code, JPEG", REPLAYED_SCAN,
            scanned(lambda p: [("f.pdf", rerendered(p, inkan(name="山田　太郎", impression="山田", impression_image=YAMADA),
                                                    [kit_code(p.inkan)]))], SCAN_B),
            ("氏名（登録者）", "印影（登録者）")),
    Forgery("scan: 除籍 mark dropped", REPLAYED_SCAN, scanned(lambda p: [("f.pdf", removed_mark(p))], SCAN_C),
            ("見出し（戸籍に記録されている者 2）",)),
    Forgery("scans: page 2/2 of another certificate", MIXED,
            lambda p: [("p1.png", SCAN_A.scan(p.koseki, 1)), ("p2.jpg", SCAN_B.scan(p.other_koseki, 2))],
            ("pages of 2 different certificates",)),
    Forgery("scan: page 2/2 not given", MISSING, lambda p: [("p1.png", SCAN_A.scan(p.koseki, 1))], ("page 2/2 is missing",)),
    Forgery("scan: top of the page cut off", CUT, lambda p: [("cut.png", kit.crop(SCAN_A.scan(p.tax), 0.85))],
            ("not in the scan",)),
)


def kit_code(pdf: bytes) -> bytes:
    from printing.verify import _codes_on_page

    [code] = _codes_on_page(Path(kit._scratch(pdf)), 1)
    return code.data


@pytest.mark.parametrize("forgery", FORGERIES, ids=[f.name for f in FORGERIES])
def test_every_forgery_is_caught_and_named(paper, tmp_path, forgery):
    report, text = check(paper, tmp_path, forgery.build(paper))
    assert report.verdict is Verdict.TAMPERED, text
    for words in forgery.shows:
        assert words in text, f"{forgery.name}: the report does not say {words!r}\n{text}"


def test_the_corpus_holds_every_class_the_issue_names():
    kinds = {f.kind for f in FORGERIES}
    assert {WHITE_BOX, BLANKED, MISSING, DUPLICATED, MIXED, REPLAYED_SCAN} <= kinds
    scans = [f for f in FORGERIES if f.name.startswith("scan")]
    assert len(FORGERIES) == 30 and len(scans) == 12  # the counts the README gives


# --- genuine paper: no false alarms ------------------------------------------------------------

Genuine = Callable[[Paper], list[tuple[str, bytes]]]


def scan_in_pdf(image: bytes) -> bytes:
    """A scan saved as a PDF, as office scanners do: the picture filling an A4 page."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    canvas.drawImage(ImageReader(Image.open(io.BytesIO(image))), 0, 0, *A4)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


GENUINE: tuple[tuple[str, Genuine], ...] = (
    ("tax PDF", lambda p: [("tax.pdf", p.tax)]),
    ("inkan PDF", lambda p: [("inkan.pdf", p.inkan)]),
    ("two-page koseki PDF", lambda p: [("koseki.pdf", p.koseki)]),
    ("two copies in one PDF", lambda p: [("copies.pdf", p.render(koseki(copies=2)))]),
    ("scan 300 dpi +1.5° PNG", lambda p: [("s.png", SCAN_A.scan(p.tax))]),
    ("scan 200 dpi -2° x0.97 JPEG", lambda p: [("s.jpg", SCAN_B.scan(p.inkan))]),
    ("scan 250 dpi x1.03 noisy JPEG q60", lambda p: [("s.jpg", SCAN_C.scan(p.tax))]),
    ("scan 200 dpi noise 20 JPEG q50", lambda p: [("s.jpg", Scanner(200, -1.0, 1.0, 20, 50, seed=3).scan(p.inkan))]),
    ("scans of both koseki pages", lambda p: [("p1.png", SCAN_A.scan(p.koseki, 1)), ("p2.jpg", SCAN_C.scan(p.koseki, 2))]),
    ("scan fed upside down", lambda p: [("s.png", Scanner(300, 181.0, 1.0, 8).scan(p.tax))]),
    ("scan saved as a PDF", lambda p: [("s.pdf", scan_in_pdf(Scanner(200, 0.6, 1.0, 8, 85).scan(p.tax)))]),
)


@pytest.mark.parametrize("build", [b for _, b in GENUINE], ids=[n for n, _ in GENUINE])
def test_genuine_pdfs_and_scans_are_valid(paper, tmp_path, build):
    report, text = check(paper, tmp_path, build(paper))
    assert report.verdict is Verdict.VALID, text
    assert all(page.compared.startswith("compared with its redrawing") for page in report.pages), text


def test_a_picture_of_the_code_alone_verifies_the_code_and_says_the_page_was_not_compared(paper, tmp_path):
    import segno

    segno.make_qr(paper.tax_codes[0], error="m").save(str(tmp_path / "code.png"), scale=6)
    report, text = check(paper, tmp_path, [("code.png", (tmp_path / "code.png").read_bytes())])
    assert report.verdict is Verdict.VALID and "the code alone" in text


class FormatTwo(SealSigner):
    """Signs as the kiosk did before the layout was signed: format 2, no issuer, no layout lines."""

    def sign(self, seal):
        return super().sign(dataclasses.replace(seal, issuer=None, items=seal.printed_items))


def test_pages_with_codes_from_before_the_layout_was_signed_are_checked_by_text_and_say_so(paper, tmp_path):
    report, text = check(paper, tmp_path, [("old.pdf", paper.render(tax(), FormatTwo(paper.data)))])
    assert report.verdict is Verdict.VALID, text
    assert "not compared: a format 2 code carries no page layout" in text


def test_the_signed_layout_costs_a_few_bytes_and_every_code_stays_printable(paper):
    """Format 3 carries the issuer and the layout lines; the planner counts them, so a page ends
    before its code outgrows what prints well (QR version 20 at level M)."""
    import segno

    from printing.security.qr import MAX_CODE_BYTES, MAX_VERSION

    entries = tuple(KosekiEntryLine("転籍", date(1990, 1, 1 + n % 28), f"【従前本籍】架空県七星市北斗町{n}番地") for n in range(80))
    long = koseki(persons=(dataclasses.replace(FAMILY[0], entries=entries), *FAMILY[1:]))
    for document in (tax(), inkan(), koseki(), long):
        now, before = Recording(paper.data), RecordingFormatTwo(paper.data)
        paper.render(document, now)
        paper.render(document, before)
        assert len(now.codes) == len(before.codes)
        for code, old in zip(now.codes, before.codes):
            assert len(code) <= MAX_CODE_BYTES
            assert segno.make_qr(code, error="m", mask=0, boost_error=False).version <= MAX_VERSION
            assert len(code) - len(old) <= 48  # measured: 12 to 39 bytes a page


class RecordingFormatTwo(Recording):
    def sign(self, seal):
        return Recording.sign(self, dataclasses.replace(seal, issuer=None, items=seal.printed_items))


def test_a_scan_under_200_dpi_is_refused_not_judged(paper, tmp_path, capsys, monkeypatch):
    # with the keys that signed it: the code is read (small codes are, even at 120 dpi) and its
    # signature holds, so only the scan's resolution stands between it and a judgement
    monkeypatch.setenv("KIOSK_DATA_DIR", str(paper.data))
    path = tmp_path / "low.png"
    path.write_bytes(Scanner(dpi=120).scan(paper.tax))
    assert main(["verify", str(path)]) == 2
    err = capsys.readouterr().err
    assert "dpi" in err and err.count("\n") == 1


def test_the_diff_picture_shows_expected_and_given_pages_with_the_change_marked(paper, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KIOSK_DATA_DIR", str(paper.data))
    [(_, forged)] = figure_changed(lambda p: p.koseki, "生年月日（戸籍に記録されている者 2）", "平成12年3月8日", page=2)(paper)
    pdf, picture = tmp_path / "forged.pdf", tmp_path / "diff.png"
    pdf.write_bytes(forged)
    assert main(["verify", str(pdf), "--diff", str(picture)]) == 1
    out = capsys.readouterr().out
    assert "page 2: tampered" in out and "生年月日（戸籍に記録されている者 2）" in out and str(picture) in out
    with Image.open(picture) as image:
        assert image.width > 1500 and image.height > 2 * 1100  # two pages, each expected beside given
        pixels = np.asarray(image.convert("RGB")).astype(int)
    red, blue, orange = ((pixels == colour).all(axis=2) for colour in ((220, 30, 30), (30, 90, 230), (230, 120, 0)))
    half = pixels.shape[0] // 2
    assert (blue | orange)[:half].sum() < 20 < (blue | orange)[half:].sum()  # page 1 unmarked, page 2 boxed
    assert red[half:].sum() > 20  # the new date painted on the given page


# --- every sheet a certificate on its own (issue 13, item 2) --------------------------------------


class FormatThree(Recording):
    """Signs as the kiosk did before every sheet carried the closing block: format 3, the closing
    lines on the last page only, and no 以下余白 line (the closing line stood for it)."""

    def sign(self, seal):
        items = tuple(i for i in seal.items if i.label != "#E")
        if seal.page < seal.pages:
            items = items[: [i.label for i in items].index("#C")]
        return super().sign(dataclasses.replace(seal, items=items, read_version=3))


def test_paper_printed_before_every_sheet_carried_the_closing_block_still_verifies(paper, tmp_path, monkeypatch):
    from printing import renderer

    planned = renderer.plan_pages

    def as_before(*args):  # the closing block and 以下余白 on the last page only
        plans = planned(*args)
        return [dataclasses.replace(p, closing=n == len(plans), ends=n == len(plans)) for n, p in enumerate(plans, 1)]

    monkeypatch.setattr(renderer, "plan_pages", as_before)
    signer = FormatThree(paper.data)
    old = paper.render(koseki(), signer)
    assert len(signer.codes) == 2 and all(code.startswith(b"KS\x03") for code in signer.codes)
    report, text = check(paper, tmp_path, [("old.pdf", old)])
    assert report.verdict is Verdict.VALID, text
    assert all(page.compared.startswith("compared with its redrawing") for page in report.pages), text
    assert "公印" not in kit.regions(old, 1) and "以下余白" in kit.regions(old, 2)
    monkeypatch.undo()  # today's paper under those old codes: page 1's closing block is not what they signed
    report, text = check(paper, tmp_path, [("mixed.pdf", paper.render(koseki(), Replaying(signer.codes)))])
    assert report.verdict is Verdict.TAMPERED, text
    assert "page 1: tampered" in text and "outside every field" in text and "page 2: valid" in text, text


@pytest.mark.parametrize("field", ["公印", "認証文", "証明者"])
def test_the_closing_block_of_a_page_that_is_not_the_last_is_checked(paper, tmp_path, field):
    box = kit.regions(paper.koseki, 1)[field].box  # a white box over it, as a PDF editor makes
    report, text = check(paper, tmp_path, [("forged.pdf", kit.overlay(paper.koseki, 1, kit.white_box(*box)))])
    assert report.verdict is Verdict.TAMPERED and "page 1" in text and field in text and "covered" in text, text


def test_a_page_passed_off_as_the_whole_certificate_is_caught(paper, tmp_path):
    """Page 1/2 with 以下余白 written under its last row, page 2 thrown away."""
    regions = kit.regions(paper.koseki, 1)
    bottom = min(r.box[1] for r in regions.values() if r.box[0] == g.LEFT and r.box[2] == g.RIGHT
                 and r.name != "マイクロ文字")
    ended = kit.overlay(paper.koseki, 1, kit.text(g.RIGHT - 48, bottom - 15, "以下余白", 10))
    report, text = check(paper, tmp_path, [("forged.pdf", kit.assemble((ended, 1)))])
    assert report.verdict is Verdict.TAMPERED and "page 2/2 is missing" in text and "added" in text, text
