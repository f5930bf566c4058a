"""Offline verification of a printed certificate: a PDF we rendered, or a scan (PNG/JPEG) of the paper.

Each page's 2D code is decoded and its signature checked with the public seal key the code
names (municipality and key id; a format 1 code without a key id, with each key of its
municipality). The verdict per page is VALID, TAMPERED (the signature does not match: the code
was altered or another key signed it; or, on a PDF, the page's own text differs from what was
signed), WITHDRAWN_KEY (the key was withdrawn as compromised: nothing it signed can be trusted)
or UNKNOWN_KEY (no such key in the key list). A key withdrawn for routine rotation still
verifies what it signed (kiosk.pki.seals says why). The signed items are listed so a person can
hold them against the paper: a scan's text is not read by machine.

Untrusted input: the file's size, pixel count and pages are bounded; PDFs are only opened by
poppler's command-line tools in subprocesses with a time limit, never parsed in this process.
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Protocol, Sequence

from kiosk.pki.seals import SealKey
from printing.geometry import CODE_SIZE, CODE_Y, PAGE_HEIGHT
from printing.security.seal_code import CodeFormatError, OpenedCode, PageSeal, is_certificate_code, open_code

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_PAGES = 50
MAX_PIXELS = 60_000_000  # an A4 page at 600 dpi is 35 M
RASTER_DPI = 200  # 3.2 px per module of the largest code: enough for the decoder
TOOL_SECONDS = 30
CODE_CORNER = CODE_Y + CODE_SIZE + 24  # points: a square at the lower left holding the code

class PublicKeys(Protocol):
    """The public seal keys (kiosk.pki.seals.SealKeyList)."""

    def candidates(self, municipality_code: str, key_id: str | None) -> Sequence[SealKey]: ...


class Verdict(Enum):
    VALID = "valid"
    TAMPERED = "tampered"
    WITHDRAWN_KEY = "withdrawn key"
    UNKNOWN_KEY = "unknown key"


# Exit status of ``kiosk verify``: 0 only when every page is valid.
EXIT_STATUS = {Verdict.VALID: 0, Verdict.TAMPERED: 1, Verdict.UNKNOWN_KEY: 3, Verdict.WITHDRAWN_KEY: 4}


class VerifyError(Exception):
    """The file cannot be checked at all (unreadable, not a certificate, no code): one line."""


@dataclass(frozen=True)
class PageReport:
    where: str  # "page 2" of a PDF, or "code 1" of a scan
    verdict: Verdict
    seal: PageSeal
    differences: tuple[str, ...] = ()  # PDF only: signed items the page's text does not show
    key: SealKey | None = None  # the key whose signature matched


@dataclass(frozen=True)
class Report:
    pages: tuple[PageReport, ...] = field(default_factory=tuple)

    @property
    def verdict(self) -> Verdict:
        verdicts = {p.verdict for p in self.pages}
        for worst in (Verdict.TAMPERED, Verdict.WITHDRAWN_KEY, Verdict.UNKNOWN_KEY):
            if worst in verdicts:
                return worst
        return Verdict.VALID


def verify_file(path: Path, keys: PublicKeys) -> Report:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise VerifyError(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MB")
        with path.open("rb") as stream:
            head = stream.read(8)
    except OSError as exc:
        raise VerifyError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if head.startswith(b"%PDF-"):
        return _verify_pdf(path, keys)
    if head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff"):
        return _verify_image(path.read_bytes(), keys)
    raise VerifyError(f"{path}: not a PDF, PNG or JPEG file")


def _verify_image(data: bytes, keys: PublicKeys) -> Report:
    codes = _codes_in_image(data)
    return Report(tuple(_check(f"code {n}", code, keys) for n, code in enumerate(codes, start=1)))


def _verify_pdf(path: Path, keys: PublicKeys) -> Report:
    pages = _pdf_pages(path)
    reports = []
    for page in range(1, pages + 1):
        try:
            codes = _codes_on_page(path, page)
        except VerifyError as exc:
            raise VerifyError(f"page {page}: {exc}") from None
        text = _poppler("pdftotext", "-raw", "-enc", "UTF-8", "-f", str(page), "-l", str(page), str(path), "-")
        for code in codes:
            report = _check(f"page {page}", code, keys)
            differences = _differences(report.seal, text.decode("utf-8", "replace"))
            if differences and report.verdict is Verdict.VALID:
                report = replace(report, verdict=Verdict.TAMPERED, differences=differences)
            reports.append(report)
    return Report(tuple(reports))


def _check(where: str, code: OpenedCode, keys: PublicKeys) -> PageReport:
    candidates = keys.candidates(code.seal.municipality_code, code.seal.key_id)
    if not candidates:
        return PageReport(where, Verdict.UNKNOWN_KEY, code.seal)
    signer = next((key for key in candidates if code.signed_by(key.public_key)), None)
    if signer is None:
        return PageReport(where, Verdict.TAMPERED, code.seal)
    return PageReport(where, Verdict.WITHDRAWN_KEY if signer.compromised else Verdict.VALID, code.seal, key=signer)


def _differences(seal: PageSeal, page_text: str) -> tuple[str, ...]:
    """Signed items the page's text does not show, in the signed order (spaces ignored)."""
    text = _squeeze(page_text)
    differences = []
    at = 0
    for label, value in [("発行番号", seal.issue_number), *((i.label, i.value) for i in seal.items)]:
        found = text.find(_squeeze(value), at)
        if found < 0:
            differences.append(f"{label}: the page does not show 「{value}」 where the code has it")
        else:
            at = found + len(_squeeze(value))
    return tuple(differences)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _codes_in_image(data: bytes) -> list[OpenedCode]:
    from PIL import Image, UnidentifiedImageError
    import zxingcpp

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            image = image.convert("L")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as exc:
        raise VerifyError(f"the image cannot be read ({type(exc).__name__})") from None
    found = [bytes(r.bytes) for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode) if r.valid]
    ours = [data for data in found if is_certificate_code(data)]
    if not ours:
        raise VerifyError("no certificate code found (is the whole page in the scan, at 200 dpi or more?)")
    try:
        return [open_code(data) for data in ours]
    except CodeFormatError as exc:
        raise VerifyError(f"the certificate code is damaged: {exc}") from None


def _codes_on_page(path: Path, page: int) -> list[OpenedCode]:
    """Our layouts put the code in the lower-left corner: rasterising just that is 6x faster
    than the whole page (the 地紋 is slow to draw); anything else gets the whole page."""
    side = str(int(CODE_CORNER * RASTER_DPI / 72))
    corner = ("-x", "0", "-y", str(int((PAGE_HEIGHT - CODE_CORNER) * RASTER_DPI / 72)), "-W", side, "-H", side)
    try:
        return _codes_in_image(_raster(path, page, corner))
    except VerifyError:
        return _codes_in_image(_raster(path, page, ()))


def _raster(path: Path, page: int, crop: tuple[str, ...]) -> bytes:
    # no output root: pdftoppm writes the one page to stdout
    return _poppler("pdftoppm", "-r", str(RASTER_DPI), "-aaVector", "no", "-gray", "-png", *crop, "-f", str(page), "-l", str(page), str(path))


def _pdf_pages(path: Path) -> int:
    info = _poppler("pdfinfo", str(path)).decode("utf-8", "replace")
    match = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    if not match or int(match.group(1)) == 0:
        raise VerifyError(f"{path}: a PDF without pages")
    pages = int(match.group(1))
    if pages > MAX_PAGES:
        raise VerifyError(f"{path}: {pages} pages; a certificate has at most {MAX_PAGES}")
    return pages


def _poppler(tool: str, *args: str) -> bytes:
    if shutil.which(tool) is None:
        raise VerifyError(f"{tool} is missing: install poppler-utils")
    try:
        done = subprocess.run([tool, *args], capture_output=True, timeout=TOOL_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise VerifyError(f"{tool} gave up after {TOOL_SECONDS} s: the PDF is broken or hostile") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise VerifyError(f"the PDF cannot be read ({reason[-1] if reason else f'{tool} failed'})")
    return done.stdout
