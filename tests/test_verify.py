"""`kiosk verify`: valid on the clean PDF and on a scan made from it; tampered when a printed item
or the code is altered or another municipality's key signed; unknown key; hostile files get one
line of error and exit 2, never a traceback."""
from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
import segno

from app.cli import main
from kiosk.clock import JST
from kiosk.documents import CertificateDocument, InkanBody, IssuingAuthority
from kiosk.kinds import CertificateKind
from center.registry.impressions import demo_recipe, draw_impression
from center.pki.seals import load_current_seal_key, load_seal_private_key, provision_seal_keys
from printing.renderer import ReportlabRenderer
from printing.security.seal_code import MAGIC, PageSeal, _compress, open_code, seal_bytes
from printing.security.signer import SealSigner
from printing.verify import Verdict, verify_file, verify_files
from printing.verify_cli import seal_keys
from tests.conftest import need_real_stack
from tests.forgery_kit import Replaying

RECIPE = demo_recipe("R-0001", "0010234")
BODY = InkanBody("佐藤　一郎", "サトウ　イチロウ", date(1978, 4, 12), "男", "架空県七星市北斗町一丁目2番3号",
                 "0010234", date(2008, 5, 12), "佐藤", draw_impression("佐藤", RECIPE), RECIPE)


def document(code: str = "990001", **body_changes) -> CertificateDocument:
    return CertificateDocument(
        kind=CertificateKind.INKAN, session_id="s" * 32, issue_number=f"{code}-20261125-000007",
        issued_at=datetime(2026, 11, 25, 10, 0, tzinfo=JST),
        authority=IssuingAuthority(code, "七星市", "七星市長", "北斗　一郎"), copies=1, fee_per_copy=300,
        body=dataclasses.replace(BODY, **body_changes),
    )


class Recording(SealSigner):
    def __init__(self, data_dir: Path, key_code: str | None = None) -> None:
        super().__init__(data_dir)
        self.codes: list[bytes] = []
        self._key_code = key_code

    def sign(self, seal: PageSeal) -> bytes:
        """The code names the municipality's own current key; with key_code, another's key signs it."""
        named = load_current_seal_key(self._data_dir, seal.municipality_code).key.key_id
        key_of = self._key_code or seal.municipality_code
        self.codes.append(seal_bytes(dataclasses.replace(seal, key_id=named), load_seal_private_key(self._data_dir, key_of)))
        return self.codes[-1]


@pytest.fixture(autouse=True)
def poppler():
    need_real_stack(all(shutil.which(t) for t in ("pdftoppm", "pdftotext", "pdfinfo")), "poppler-utils missing")


@pytest.fixture
def data(provisioned_dir, monkeypatch):
    monkeypatch.setenv("KIOSK_DATA_DIR", str(provisioned_dir))
    return provisioned_dir


def render(data_dir: Path, doc: CertificateDocument, signer=None) -> bytes:
    return ReportlabRenderer(signer or SealSigner(data_dir)).render(doc)


def verdict(data_dir: Path, path: Path):
    return verify_file(path, seal_keys(data_dir))


def scan(pdf: Path, tmp_path: Path) -> Path:
    subprocess.run(["pdftoppm", "-r", "200", "-aaVector", "no", "-gray", "-png", "-singlefile", str(pdf), str(tmp_path / "scan")], check=True)
    return tmp_path / "scan.png"


def test_a_clean_pdf_and_its_scan_are_valid_and_list_the_signed_items(data, tmp_path, capsys):
    pdf = tmp_path / "inkan.pdf"
    pdf.write_bytes(render(data, document()))
    assert main(["verify", str(pdf)]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "氏名: 佐藤　一郎" in out and "見本" in out
    assert main(["verify", str(scan(pdf, tmp_path))]) == 0
    assert "登録番号: 0010234" in capsys.readouterr().out


def test_a_printed_item_altered_under_a_genuine_code_is_tampered(data, tmp_path, capsys):
    recording = Recording(data)
    render(data, document(), recording)
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(render(data, document(address="架空県七星市北斗町九丁目9番9号"), Replaying(recording.codes)))
    report = verdict(data, forged)
    assert report.verdict is Verdict.TAMPERED
    assert any(d.startswith("住所:") for d in report.pages[0].differences)
    assert main(["verify", str(forged)]) == 1
    assert "架空県七星市北斗町一丁目2番3号" in capsys.readouterr().out  # what the code says, to compare


def test_an_item_altered_inside_the_code_is_tampered_on_pdf_and_scan(data, tmp_path):
    recording = Recording(data)
    render(data, document(), recording)
    opened = open_code(recording.codes[0])
    items = tuple(dataclasses.replace(i, value="山田　太郎") if i.label == "氏名" else i for i in opened.seal.items)
    altered = dataclasses.replace(opened.seal, items=items)
    code = MAGIC + _compress(altered.canonical()) + opened.signature  # the old signature on new content
    pdf = tmp_path / "altered.pdf"
    pdf.write_bytes(render(data, document(name="山田　太郎"), Replaying([code])))
    assert verdict(data, pdf).verdict is Verdict.TAMPERED
    assert verdict(data, scan(pdf, tmp_path)).verdict is Verdict.TAMPERED


def test_a_code_signed_with_another_municipalitys_key_is_tampered(data, tmp_path):
    pdf = tmp_path / "wrong-key.pdf"
    pdf.write_bytes(render(data, document(), Recording(data, key_code="990002")))
    assert verdict(data, pdf).verdict is Verdict.TAMPERED
    assert main(["verify", str(pdf)]) == 1


def test_a_code_from_a_municipality_without_a_known_key_is_unknown(data, tmp_path):
    other = tmp_path / "other-pki"
    provision_seal_keys(other, ["990099"])
    pdf = tmp_path / "unknown.pdf"
    pdf.write_bytes(render(other, document("990099")))
    assert verdict(data, pdf).verdict is Verdict.UNKNOWN_KEY
    assert main(["verify", str(pdf)]) == 3


def _png_of_code(data: bytes, path: Path) -> Path:
    segno.make_qr(data, error="m").save(str(path), scale=6)
    return path


HOSTILE = {
    "empty.pdf": b"",
    "random.bin": os.urandom(4096),
    "truncated.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\n",
    "garbage-after-header.pdf": b"%PDF-1.7\n" + os.urandom(20000),
    "broken.png": b"\x89PNG\r\n\x1a\n" + os.urandom(500),
    "broken.jpg": b"\xff\xd8\xff\xe0" + os.urandom(500),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_broken_or_hostile_files_get_one_line_of_error(data, tmp_path, capsys, name):
    path = tmp_path / name
    path.write_bytes(HOSTILE[name])
    assert main(["verify", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kiosk: ") and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("payload", [b"https://example.org/not-ours", MAGIC + os.urandom(120)])
def test_images_without_a_readable_certificate_code_get_one_line_of_error(data, tmp_path, capsys, payload):
    path = _png_of_code(payload, tmp_path / "code.png")
    assert main(["verify", str(path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_missing_files_directories_and_a_pdf_without_a_code(data, tmp_path, capsys):
    blank = tmp_path / "blank.pdf"
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(blank))
    canvas.drawString(100, 100, "hello")
    canvas.save()
    for path in (tmp_path / "nothing-here.pdf", tmp_path, blank):
        assert main(["verify", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("kiosk: ") and "Traceback" not in err


# --- two-sided sheets: each front's back carries its code again, large ----------------------------

def two_sided(data_dir: Path, doc: CertificateDocument, signer=None) -> bytes:
    return ReportlabRenderer(signer or SealSigner(data_dir), two_sided=True).render(doc)


def pages_of(pdf: bytes) -> int:
    from kiosk.effects import count_pages

    return count_pages(pdf)


def page_text(path: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-enc", "UTF-8", str(path), "-"],
                          capture_output=True, check=True).stdout.decode()


def scan_page(pdf: Path, page: int, tmp_path: Path, angle: float = 0.8) -> Path:
    """A page as a 300 dpi scan, turned a little on the glass."""
    from PIL import Image

    stem = tmp_path / f"scan-p{page}"
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                    str(pdf), str(stem)], check=True)
    with Image.open(f"{stem}.png") as picture:
        picture.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255).save(f"{stem}-turned.png")
    return Path(f"{stem}-turned.png")


OTHER_NUMBER = "990001-20261125-000008"


def test_two_sided_rendering_puts_each_fronts_back_after_it_with_the_same_code(data, tmp_path):
    from printing.verify import _codes_on_page

    doc = dataclasses.replace(document(), copies=2)
    fronts, duplex = render(data, doc), two_sided(data, doc)
    assert pages_of(fronts) == 2 and pages_of(duplex) == 4  # one-sided: the fronts alone, as before
    path = tmp_path / "duplex.pdf"
    path.write_bytes(duplex)
    codes = [[c.data for c in _codes_on_page(path, page)] for page in range(1, 5)]
    assert codes[0] == codes[1] and codes[2] == codes[3] and len(codes[0]) == 1
    back = page_text(path, 2)
    assert "1 / 1 頁の裏面" in back and "偽変造防止検出画像" in back and "990001-20261125-000007" in back
    assert "頁の裏面" not in page_text(path, 1)
    one_sided = tmp_path / "fronts.pdf"
    one_sided.write_bytes(fronts)
    assert "頁の裏面" not in page_text(one_sided, 2)


def test_a_two_sided_pdf_is_valid_and_names_its_backs(data, tmp_path, capsys):
    pdf = tmp_path / "duplex.pdf"
    pdf.write_bytes(two_sided(data, document()))
    report = verdict(data, pdf)
    assert report.verdict is Verdict.VALID and report.binding == ()
    assert [p.side for p in report.pages] == ["front", "back"]
    assert all(p.compared == "compared with its redrawing (same frame)" for p in report.pages)
    assert main(["verify", str(pdf)]) == 0
    out = capsys.readouterr().out
    assert "page 1: valid — 表面 (front)" in out and "page 2: valid — 裏面 (back)" in out
    assert "signed items of the front" in out and out.count("氏名: 佐藤　一郎") == 2


def test_a_scan_of_a_back_alone_is_valid_and_lists_what_the_front_must_show(data, tmp_path, capsys):
    pdf = tmp_path / "duplex.pdf"
    pdf.write_bytes(two_sided(data, document()))
    back = scan_page(pdf, 2, tmp_path)
    assert main(["verify", str(back)]) == 0
    out = capsys.readouterr().out
    assert "code 1: valid — 裏面 (back)" in out and "scan aligned: turned 0.8° anticlockwise" in out
    from printing.back_side import check_mark
    from printing.verify import _codes_on_page

    [code] = _codes_on_page(pdf, 2)
    assert f"照合記号 {check_mark(code.data)}: printed beside the back's code" in out
    assert "住所: 架空県七星市北斗町一丁目2番3号" in out
    front = scan_page(pdf, 1, tmp_path, angle=-0.5)  # a front's scan is still told from a back's
    report = verify_files([front, back], seal_keys(data))
    assert report.verdict is Verdict.VALID and [p.side for p in report.pages] == ["front", "back"]


def _paste_code(code: bytes):
    from printing.back_side import BACK_CODE_SIZE, BACK_CODE_X, BACK_CODE_Y
    from printing.security.qr import draw_code

    def draw(canvas) -> None:
        draw_code(canvas, code, BACK_CODE_X, BACK_CODE_Y, BACK_CODE_SIZE)
    return draw


def test_a_code_pasted_from_another_certificate_onto_a_genuine_back_is_tampered(data, tmp_path):
    from tests.forgery_kit import overlay

    other = Recording(data)
    two_sided(data, dataclasses.replace(document(), issue_number=OTHER_NUMBER), other)
    forged = tmp_path / "pasted.pdf"
    forged.write_bytes(overlay(two_sided(data, document()), 2, _paste_code(other.codes[0])))
    report = verdict(data, forged)
    back = report.pages[1]
    assert back.back and back.seal.issue_number == OTHER_NUMBER and back.key is not None  # a genuine code...
    assert back.verdict is Verdict.TAMPERED and {"発行番号", "照合記号"} <= {d.field for d in back.seen}  # wrong sheet
    assert any("not one sheet" in problem for problem in report.binding)
    scanned = scan_page(forged, 2, tmp_path, angle=-0.6)
    [alone] = verdict(data, scanned).pages
    # on a scan a 発行番号 one digit apart may hide in the blur: the 照合記号 (the code's digest) cannot
    assert alone.back and alone.verdict is Verdict.TAMPERED and "照合記号" in {d.field for d in alone.seen}


def test_fronts_and_backs_are_counted_apart(data, tmp_path):
    from tests.forgery_kit import assemble

    mine = two_sided(data, dataclasses.replace(document(), copies=2))  # front, back, front, back
    other = two_sided(data, dataclasses.replace(document(), issue_number=OTHER_NUMBER))

    def check(name: str, *pages: tuple[bytes, int]):
        path = tmp_path / name
        path.write_bytes(assemble(*pages))
        return verdict(data, path)

    backs = check("backs.pdf", (mine, 2), (mine, 4))
    assert backs.verdict is Verdict.VALID and backs.binding == () and all(p.back for p in backs.pages)
    fronts = check("fronts.pdf", (mine, 1), (mine, 3))
    assert fronts.verdict is Verdict.VALID and not any(p.back for p in fronts.pages)
    lacking = check("lacking.pdf", (mine, 1), (mine, 2), (mine, 3))
    assert lacking.verdict is Verdict.TAMPERED
    assert any("fronts twice but backs once" in problem for problem in lacking.binding), lacking.binding
    mixed = check("mixed.pdf", (mine, 1), (other, 2))
    assert mixed.verdict is Verdict.TAMPERED and all(p.verdict is Verdict.VALID for p in mixed.pages)
    assert any(problem.startswith("page 2 is the back of 発行番号 990001-20261125-000008 page 1/1, behind the front "
                                  "of 発行番号 990001-20261125-000007") for problem in mixed.binding), mixed.binding
