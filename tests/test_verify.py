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
from printing.verify import Verdict, verify_file
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
