"""Seal keys with ids and rotation: set-up keeps every key, a rotated key still verifies what it
signed, a key withdrawn as compromised makes its codes invalid, codes from before key ids still
verify, and a damaged key list or key file is one line naming the file, never a traceback."""
from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
import segno
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.cli import main
from kiosk.clock import JST
from kiosk.documents import CertificateDocument, InkanBody, IssuingAuthority
from kiosk.kinds import CertificateKind
from center.pki.layout import DemoPkiLayout
from center.pki.seals import (
    SealKeyError, WithdrawalReason, key_id_of, load_seal_key_list, provision_seal_keys, rotate_seal_key,
)
from app.provision import copy_provisioned
from center.registry.impressions import demo_recipe, draw_impression
from printing.model import Item
from printing.renderer import ReportlabRenderer
from printing.security.seal_code import MAGIC_V1, SIGNING_CONTEXT, PageSeal, _compress, _DICTIONARY_V1, unsigned_size
from printing.security.signer import SealSigner
from printing.verify import Verdict, verify_file
from printing.verify_cli import seal_keys
from tests.conftest import need_real_stack

SEAL = PageSeal("990001", "inkan", "990001-20261125-000007", "2026-11-25T10:00", 1, 1, True,
                (Item("氏名", "佐藤　一郎"), Item("登録番号", "0010234")))


@pytest.fixture
def data(provisioned_dir, tmp_path, monkeypatch) -> Path:
    """A private copy of the demo data: these tests rotate and break keys."""
    copy_provisioned(provisioned_dir, tmp_path / "data")
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def png(code: bytes, path: Path) -> Path:
    segno.make_qr(code, error="m").save(str(path), scale=6)
    return path


def verdict(data_dir: Path, path: Path):
    report = verify_file(path, seal_keys(data_dir))
    return report.verdict, report.pages[0]


def one_line_error(capsys, *names: str) -> str:
    err = capsys.readouterr().err
    assert err.startswith("kiosk: ") and err.count("\n") == 1 and "Traceback" not in err, err
    for name in names:
        assert name in err, err
    return err


def history(data_dir: Path) -> str:
    return DemoPkiLayout(data_dir).seal_history.read_text()


# --- key ids in the code ----------------------------------------------------------------


def test_every_code_names_its_key_and_the_id_costs_a_few_bytes(data, tmp_path):
    keys = load_seal_key_list(data)
    current = keys.current_key("990001")
    assert current.key_id == key_id_of(current.public_key)
    code = SealSigner(data).sign(SEAL)
    assert verdict(data, png(code, tmp_path / "c.png"))[1].seal.key_id == current.key_id
    without_id = unsigned_size(SEAL)  # format 1: no key line
    assert unsigned_size(replace(SEAL, key_id=current.key_id)) - without_id <= 12


# --- setup --force ----------------------------------------------------------------------


def test_setup_force_keeps_every_seal_key_and_an_old_certificate_still_verifies(data, tmp_path, capsys):
    need_real_stack(all(shutil.which(t) for t in ("pdftoppm", "pdftotext", "pdfinfo")), "poppler-utils missing")
    layout = DemoPkiLayout(data)
    list_before = layout.seal_key_list.read_bytes()
    private_before = {p: p.read_bytes() for p in layout.seals_dir.glob("*/*.key")}
    pdf = tmp_path / "inkan.pdf"
    pdf.write_bytes(ReportlabRenderer(SealSigner(data)).render(inkan()))
    assert verify_file(pdf, seal_keys(data)).verdict is Verdict.VALID

    assert main(["setup", "--force"]) == 0
    assert "existing seal keys kept" in capsys.readouterr().out
    assert layout.seal_key_list.read_bytes() == list_before
    assert {p: p.read_bytes() for p in layout.seals_dir.glob("*/*.key")} == private_before
    assert verify_file(pdf, seal_keys(data)).verdict is Verdict.VALID
    assert main(["verify", str(pdf)]) == 0


def test_setup_adds_keys_only_for_new_municipalities(data):
    before = load_seal_key_list(data)
    added = provision_seal_keys(data, ["990001", "990002", "990003", "990099"])
    assert [(k.municipality_code) for k in added] == ["990099"]
    after = load_seal_key_list(data)
    assert after.keys[: len(before.keys)] == before.keys
    assert {c: after.current[c] for c in before.current} == dict(before.current)
    assert "made municipality=990099" in history(data)


# --- rotation ---------------------------------------------------------------------------


def test_a_rotated_key_still_verifies_what_it_signed_and_signs_nothing_more(data, tmp_path, capsys):
    layout = DemoPkiLayout(data)
    old_id = load_seal_key_list(data).current_key("990001").key_id
    old_code = png(SealSigner(data).sign(SEAL), tmp_path / "old.png")

    assert main(["seal-key", "rotate", "--municipality", "990001", "--operator", "staff1"]) == 0
    assert f"{old_id} made" in capsys.readouterr().out
    keys = load_seal_key_list(data)
    new = keys.current_key("990001")
    old = keys.candidates("990001", old_id)[0]
    assert new.key_id != old_id and old.withdrawal and old.withdrawal.reason is WithdrawalReason.ROUTINE
    assert not layout.seal_private_key("990001", old_id).exists()  # it cannot sign after its withdrawal
    assert f"rotated municipality=990001 key={old_id} withdrawn=routine new={new.key_id} by=op-staff1" in history(data)

    result, page = verdict(data, old_code)
    assert result is Verdict.VALID and page.key == old
    assert main(["verify", str(old_code)]) == 0
    assert f"signed with key {old_id}, withdrawn" in capsys.readouterr().out

    new_code = png(SealSigner(data).sign(SEAL), tmp_path / "new.png")
    assert verdict(data, new_code)[1].seal.key_id == new.key_id
    assert verdict(data, new_code)[0] is Verdict.VALID
    # the renderer's self-test signs with the current key: the old one is gone and it passes
    ReportlabRenderer(SealSigner(data)).self_test(("990001", "990002", "990003"))
    assert main(["seal-key", "list"]) == 0
    listing = capsys.readouterr().out
    assert f"990001 {old_id} made" in listing and "(routine)" in listing and f"990001 {new.key_id} made" in listing


def test_the_self_test_fails_on_a_damaged_current_key_naming_the_file(data):
    [current] = DemoPkiLayout(data).seal_private_keys("990002")
    current.write_bytes(b"-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n")
    with pytest.raises(SealKeyError, match=str(current)):
        ReportlabRenderer(SealSigner(data)).self_test(("990001", "990002"))
    current.unlink()
    with pytest.raises(SealKeyError, match="missing"):
        SealSigner(data).check("990002")


def test_a_key_withdrawn_as_compromised_makes_its_codes_invalid(data, tmp_path, capsys):
    old_id = load_seal_key_list(data).current_key("990001").key_id
    old_code = png(SealSigner(data).sign(SEAL), tmp_path / "old.png")
    assert main(["seal-key", "rotate", "--municipality", "990001", "--compromised"]) == 0
    capsys.readouterr()
    result, page = verdict(data, old_code)
    assert result is Verdict.WITHDRAWN_KEY and page.key and page.key.compromised
    assert main(["verify", str(old_code)]) == 4
    out = capsys.readouterr().out
    assert "withdrawn key" in out and f"signed with key {old_id}" in out and "compromised" in out
    assert verdict(data, png(SealSigner(data).sign(SEAL), tmp_path / "new.png"))[0] is Verdict.VALID


def test_a_routinely_rotated_key_found_compromised_later(data, tmp_path, capsys):
    old_code = png(SealSigner(data).sign(SEAL), tmp_path / "old.png")
    old, _new = rotate_seal_key(data, "990001", operator="op-staff1")
    assert verdict(data, old_code)[0] is Verdict.VALID
    assert main(["seal-key", "compromised", "--municipality", "990001", "--key", old.key_id]) == 0
    assert verdict(data, old_code)[0] is Verdict.WITHDRAWN_KEY
    assert f"compromised municipality=990001 key={old.key_id} by=op-cli" in history(data)
    capsys.readouterr()
    current = load_seal_key_list(data).current_key("990001").key_id
    assert main(["seal-key", "compromised", "--municipality", "990001", "--key", current]) == 2
    one_line_error(capsys, "rotate")
    assert main(["seal-key", "compromised", "--municipality", "990001", "--key", "nothex!"]) == 2
    one_line_error(capsys, "8 hex digits")
    assert main(["seal-key", "rotate", "--municipality", "990077"]) == 2
    one_line_error(capsys, "990077", "keys.json")
    assert main(["seal-key", "rotate", "--municipality", "990001", "--operator", "佐藤 一郎"]) == 2
    one_line_error(capsys)


def test_codes_from_before_key_ids_verify_with_the_imported_key(tmp_path):
    """A data directory from before key ids: ``pki/seal-<code>.key`` is imported, not replaced,
    so codes of format 1 (no key id) printed with it keep verifying, also after a rotation."""
    layout = DemoPkiLayout(tmp_path)
    legacy = Ed25519PrivateKey.generate()
    layout.pki_dir.mkdir()
    layout.legacy_seal_private_key("990001").write_bytes(legacy.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    text = SEAL.canonical()  # no key id: format 1
    v1 = png(MAGIC_V1 + _compress(text, _DICTIONARY_V1) + legacy.sign(SIGNING_CONTEXT + text), tmp_path / "v1.png")

    [imported] = provision_seal_keys(tmp_path, ["990001"])
    assert imported.key_id == key_id_of(legacy.public_key())
    assert not layout.legacy_seal_private_key("990001").exists()
    assert verdict(tmp_path, v1)[0] is Verdict.VALID
    rotate_seal_key(tmp_path, "990001", operator="op-t")
    assert verdict(tmp_path, v1)[0] is Verdict.VALID
    other = replace(SEAL, items=(Item("氏名", "山田　太郎"),)).canonical()
    forged = MAGIC_V1 + _compress(other, _DICTIONARY_V1) + legacy.sign(SIGNING_CONTEXT + text)
    assert verdict(tmp_path, png(forged, tmp_path / "forged.png"))[0] is Verdict.TAMPERED


# --- hostile files ----------------------------------------------------------------------


def _entry(document: dict, **changes) -> dict:
    document["keys"][0].update(changes)
    return document


LIST_DAMAGE = {
    "empty": lambda raw, doc: b"",
    "garbage": lambda raw, doc: b"\x00\xff" * 50,
    "truncated": lambda raw, doc: raw[: len(raw) // 2],
    "not utf-8": lambda raw, doc: raw.replace(b'"990001"', b'"99\xff01"', 1),
    "deep nesting": lambda raw, doc: b"[" * 100_000,
    "a list": lambda raw, doc: b"[]",
    "unknown key": lambda raw, doc: json.dumps({**doc, "extra": 1}).encode(),
    "format 9": lambda raw, doc: json.dumps({**doc, "format": 9}).encode(),
    "format true": lambda raw, doc: json.dumps({**doc, "format": True}).encode(),
    "bad id": lambda raw, doc: json.dumps(_entry(doc, id="../../x")).encode(),
    "id of another key": lambda raw, doc: json.dumps(_entry(doc, id="00000000")).encode(),
    "bad public key": lambda raw, doc: json.dumps(_entry(doc, public="not base64!")).encode(),
    "short public key": lambda raw, doc: json.dumps(_entry(doc, public="AAAA")).encode(),
    "public key a number": lambda raw, doc: json.dumps(_entry(doc, public=5)).encode(),
    "naive date": lambda raw, doc: json.dumps(_entry(doc, created="2026-11-25T09:00:00")).encode(),
    "current unknown": lambda raw, doc: json.dumps({**doc, "current": {"990001": "0badc0de"}}).encode(),
    "current a list": lambda raw, doc: json.dumps({**doc, "current": ["990001"]}).encode(),
    "withdrawn unknown": lambda raw, doc: json.dumps({**doc, "withdrawn": [
        {"municipality": "990001", "id": "0badc0de", "at": "2026-11-25T09:00:00+09:00", "reason": "routine"}]}).encode(),
    "withdrawn current, odd reason": lambda raw, doc: json.dumps({**doc, "withdrawn": [
        {"municipality": "990001", "id": doc["current"]["990001"], "at": "2026-11-25T09:00:00+09:00",
         "reason": ["lost"]}]}).encode(),
    "current withdrawn": lambda raw, doc: json.dumps({**doc, "withdrawn": [
        {"municipality": "990001", "id": doc["current"]["990001"], "at": "2026-11-25T09:00:00+09:00",
         "reason": "routine"}]}).encode(),
    "a directory": None,
}


@pytest.mark.parametrize("damage", sorted(LIST_DAMAGE))
def test_a_damaged_key_list_is_one_line_naming_the_file(data, tmp_path, capsys, damage):
    code = png(SealSigner(data).sign(SEAL), tmp_path / "code.png")
    path = DemoPkiLayout(data).seal_key_list
    if LIST_DAMAGE[damage] is None:
        path.unlink()
        path.mkdir()
    else:
        raw = path.read_bytes()
        path.write_bytes(LIST_DAMAGE[damage](raw, json.loads(raw)))
    for command in (["verify", str(code)], ["seal-key", "list"], ["seal-key", "rotate", "--municipality", "990001"]):
        assert main(command) == 2, command
        one_line_error(capsys, str(path))
    with pytest.raises(SealKeyError, match=str(path)):
        ReportlabRenderer(SealSigner(data)).self_test(("990001",))


def test_setup_refuses_a_damaged_key_list_and_never_replaces_a_missing_one(data, capsys):
    layout = DemoPkiLayout(data)
    keys_before = sorted(layout.seals_dir.glob("*/*.key"))
    layout.seal_key_list.write_text("{")
    assert main(["setup", "--force"]) == 2
    one_line_error(capsys, str(layout.seal_key_list))
    layout.seal_key_list.unlink()
    assert main(["setup", "--force"]) == 2
    one_line_error(capsys, str(layout.seal_key_list), "restore")
    assert not layout.seal_key_list.exists() and sorted(layout.seals_dir.glob("*/*.key")) == keys_before


def test_a_damaged_legacy_key_is_one_line_naming_the_file(tmp_path):
    layout = DemoPkiLayout(tmp_path)
    layout.pki_dir.mkdir()
    layout.legacy_seal_private_key("990001").write_bytes(b"\x00" * 40)
    with pytest.raises(SealKeyError, match=str(layout.legacy_seal_private_key("990001"))):
        provision_seal_keys(tmp_path, ["990001"])
    assert not layout.seal_key_list.exists()


RECIPE = demo_recipe("R-0001", "0010234")


def inkan() -> CertificateDocument:
    return CertificateDocument(
        kind=CertificateKind.INKAN, session_id="s" * 32, issue_number="990001-20261125-000007",
        issued_at=datetime(2026, 11, 25, 10, 0, tzinfo=JST),
        authority=IssuingAuthority("990001", "七星市", "七星市長", "北斗　一郎"), copies=1, fee_per_copy=300,
        body=InkanBody("佐藤　一郎", "サトウ　イチロウ", date(1978, 4, 12), "男", "架空県七星市北斗町一丁目2番3号",
                       "0010234", date(2008, 5, 12), "佐藤", draw_impression("佐藤", RECIPE), RECIPE),
    )
