"""`kiosk sample --all DIR`: one certificate of every kind, issued through the real center and
renderer, each verifying as valid against the data directory's seal keys."""
from __future__ import annotations

import shutil

from app.cli import main
from kiosk.kinds import CertificateKind
from printing.samples import SAMPLES
from printing.verify import Verdict, verify_file
from printing.verify_cli import seal_keys
from tests.conftest import need_real_stack


def test_sample_all_writes_every_kind_and_each_verifies(provisioned_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KIOSK_DATA_DIR", str(provisioned_dir))
    out = tmp_path / "samples"
    assert main(["sample", "--all", str(out)]) == 0
    written = sorted(p.name for p in out.glob("*.pdf"))
    assert written == sorted(order.file for order in SAMPLES)
    assert {order.kind for order in SAMPLES} == set(CertificateKind)
    assert capsys.readouterr().out.count(".pdf") == len(SAMPLES)
    need_real_stack(bool(shutil.which("pdftoppm")), "poppler-utils missing")
    for name in written:
        report = verify_file(out / name, seal_keys(provisioned_dir))
        assert report.verdict is Verdict.VALID, name
        # two-sided, as the demo config prints: each sheet's front, then its back, in page order
        sheets = len(report.pages) // 2
        assert [(p.seal.page, p.seal.pages, p.back) for p in report.pages] == [
            (n, sheets, back) for n in range(1, sheets + 1) for back in (False, True)], name
