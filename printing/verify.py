"""Offline verification of a printed certificate: a PDF we rendered, or a scan (PNG/JPEG) of the paper.

Each page's 2D code is decoded and its signature checked with the public seal key the code
names (municipality and key id; a format 1 code without a key id, with each key of its
municipality). Then what a person sees is checked:

- The page itself. A format 3 or 4 code carries the page's items and layout, so the page is drawn
  again from the code alone (printing.redraw) and compared with the page as given
  (printing.compare): a PDF page pixel for pixel, a scan after aligning it on the code and the
  whole page. Every field changed, covered or added is named, with its page.
- The pages together. Every code names its certificate (municipality, kind, 発行番号, time) and
  its page (x/y): a file that lacks a page, holds one page more often than the others, or mixes
  pages of different certificates is reported. Several scans of one certificate are checked
  together by giving them all (``verify_files``).

**Backs.** A two-sided certificate's back (printing.back_side) carries its front's code again,
64 mm at the upper left where the front's is 41 mm at the lower left; the code itself does not
say which side it is on. A PDF page as the kiosk made it is recognised by where its code is
(either place, to a few pixels). On a scan the side is decided by the ratio of the image's
longer side to the code's side: the page height that ratio implies is A4's for one of the two
code sizes and 1.56 times off for the other, far beyond a scanner bed's margin or a loose crop,
so one redrawing and one alignment a page suffice (trying both redrawings would double the
slowest step and let a doctored page be judged by whichever fits it better). A back is then
drawn again from its code (printing.redraw.redraw_back) and compared like a front, so a code
cut from another sheet and pasted on a genuine back shows (the 発行番号 and page it draws differ);
its report lists the signed items of the front: what the front must show. Fronts and backs are
counted apart in the pages-together check: front, back, front, back... is whole, the backs
alone are whole, and in a PDF a back right after a front must be that front's (the same
certificate and page: one sheet), or it is reported.

The verdict per page is VALID, TAMPERED (the signature does not match: the code was altered or
another key signed it; or the page differs from what was signed), WITHDRAWN_KEY (the key was
withdrawn as compromised: nothing it signed can be trusted) or UNKNOWN_KEY (no such key in the
key list). A key withdrawn for routine rotation still verifies what it signed (center.pki.seals
says why). The signed items are listed so a person can hold them against the paper, too.

Not compared (the report says so): a page whose code is of format 1 or 2 (no layout: on a PDF
its text is still checked against the items), and an image holding the code alone, without the
page around it. A scan under 190 dpi is refused: its comparison would not be trustworthy.

Untrusted input: the file's size, pixel count and pages are bounded; PDFs are only opened by
poppler's command-line tools in subprocesses with a time limit, never parsed in this process.
"""
from __future__ import annotations

import functools
import io
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Sequence

from center.pki.seals import SealKey
from printing.geometry import CODE_SIZE, CODE_Y, PAGE_HEIGHT
from printing.model import Item
from printing.paginate import SEAL as SEAL_LINE
from printing.security.seal_code import (
    LAYOUT_PREFIX, CodeFormatError, OpenedCode, PageSeal, is_certificate_code, open_code,
)

if TYPE_CHECKING:
    import numpy as np

    from printing.compare import Comparison, Difference

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_PAGES = 50
MAX_PIXELS = 60_000_000  # an A4 page at 600 dpi is 35 M
RASTER_DPI = 200  # 3.2 px per module of the largest code: enough for the decoder
MIN_SCAN_DPI = 190  # "200 dpi" with room for a scan scaled down a few per cent
TOOL_SECONDS = 30
CODE_CORNER = CODE_Y + CODE_SIZE + 24  # points: a square at the lower left holding the code
FRONT, BACK = "front", "back"


class PublicKeys(Protocol):
    """The public seal keys (center.pki.seals.SealKeyList)."""

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
    where: str  # "page 2" of a PDF, or "code 1" of a scan (with the file's name when several are checked)
    verdict: Verdict
    seal: PageSeal
    differences: tuple[str, ...] = ()  # PDF only: signed items the page's text does not show
    key: SealKey | None = None  # the key whose signature matched
    seen: tuple[Difference, ...] = ()  # fields the page shows otherwise than its redrawing
    compared: str = ""  # how the page was compared with its redrawing, or why it was not
    comparison: Comparison | None = field(default=None, compare=False, repr=False)  # kept for --diff only
    given: np.ndarray | None = field(default=None, compare=False, repr=False)  # the page, when not compared
    side: str = FRONT  # FRONT or BACK (printing.back_side): told by the code's place and size
    check_mark: str = ""  # a back's 照合記号 (its code's digest), for a person to read against the paper

    @property
    def back(self) -> bool:
        return self.side == BACK


@dataclass(frozen=True)
class Report:
    pages: tuple[PageReport, ...] = field(default_factory=tuple)
    binding: tuple[str, ...] = ()  # pages missing, repeated, without a code, or of another certificate

    @property
    def verdict(self) -> Verdict:
        verdicts = {p.verdict for p in self.pages}
        if self.binding:
            verdicts.add(Verdict.TAMPERED)
        for worst in (Verdict.TAMPERED, Verdict.WITHDRAWN_KEY, Verdict.UNKNOWN_KEY):
            if worst in verdicts:
                return worst
        return Verdict.VALID


def verify_file(path: Path, keys: PublicKeys, *, keep_pictures: bool = False) -> Report:
    return verify_files([path], keys, keep_pictures=keep_pictures)


def verify_files(paths: Sequence[Path], keys: PublicKeys, *, keep_pictures: bool = False) -> Report:
    """One certificate given as one or more files (a PDF, or one scan per page): every page is
    checked, then the pages are checked to make one whole certificate (or whole copies of it)."""
    pages: list[PageReport] = []
    uncoded: list[str] = []
    for path in paths:
        name = f"{path.name}: " if len(paths) > 1 else ""
        kind = _kind_of(path)
        if kind == "pdf":
            found, empty = _verify_pdf(path, keys, keep_pictures)
            uncoded.extend(f"{name}{where}" for where in empty)
            uncoded.extend(f"{name}{problem}" for problem in _sheets(found))
        else:
            try:
                found = _verify_image(path.read_bytes(), keys, keep_pictures)
            except VerifyError as exc:
                raise VerifyError(f"{path}: {exc}") from None
        pages.extend(replace(p, where=f"{name}{p.where}") for p in found)
    if not pages:
        raise VerifyError(f"{paths[0]}: no certificate code on any page")
    binding = tuple(uncoded) + _binding(pages)
    return Report(tuple(pages), binding)


def _kind_of(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise VerifyError(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MB")
        with path.open("rb") as stream:
            head = stream.read(8)
    except OSError as exc:
        raise VerifyError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff"):
        return "image"
    raise VerifyError(f"{path}: not a PDF, PNG or JPEG file")


# --- one page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Code:
    opened: OpenedCode
    data: bytes  # as read: drawn again, byte for byte, on the redrawing
    corners: tuple[tuple[float, float], ...]  # the symbol's corners on the image read: TL, TR, BR, BL


def _verify_image(data: bytes, keys: PublicKeys, keep: bool) -> list[PageReport]:
    image = _open_image(data)
    codes = _codes_in_image(image)
    if len(codes) > MAX_PAGES:
        raise VerifyError(f"{len(codes)} codes in one image; a certificate has at most {MAX_PAGES} pages")
    reports = []
    for n, code in enumerate(codes, start=1):
        report = replace(_check(f"code {n}", code.opened, keys), side=_scan_side(code, image.shape))
        reports.append(_compare_scan(report, code, image, keep))
    return reports


def _verify_pdf(path: Path, keys: PublicKeys, keep: bool) -> tuple[list[PageReport], list[str]]:
    """The file's page reports, and a line for each page that has no readable code."""
    from printing import compare

    pages = _pdf_pages(path)
    reports: list[PageReport] = []
    empty: list[str] = []
    for page in range(1, pages + 1):
        raster = _grey(_raster(path, page, compare.DPI, ()))
        try:
            # the largest codes need more pixels than the comparison's raster has
            codes = _codes_in_array(raster) or _codes_on_page(path, page)
        except VerifyError as exc:
            empty.append(f"page {page} carries no readable certificate code ({exc})")
            continue
        text = _poppler("pdftotext", "-raw", "-enc", "UTF-8", "-f", str(page), "-l", str(page), str(path), "-")
        for code in codes:
            report = _check(f"page {page}", code.opened, keys)
            side = _pdf_side(code, raster)
            if side == FRONT:
                # the text layer of a page as the kiosk made it must say what was signed, too
                report = replace(report, differences=_differences(report.seal, text.decode("utf-8", "replace")))
                report = _compare_pdf_page(report, code, raster, keep)
            elif side == BACK:  # its text is the back's own: the picture says it all
                report = _compare_pdf_page(replace(report, side=BACK), code, raster, keep)
            else:  # not where the kiosk prints it: a scan saved as PDF, or a page made otherwise
                finer = RASTER_DPI / compare.DPI
                at_finer = replace(code, corners=tuple((x * finer, y * finer) for x, y in code.corners))
                scanned = _grey(_raster(path, page, RASTER_DPI, (), antialias=True))
                report = _compare_scan(replace(report, side=_scan_side(at_finer, scanned.shape)), at_finer, scanned, keep)
            reports.append(_judged(report))
    if not reports and empty:
        raise VerifyError(f"{path}: no certificate code on any page (is it a certificate of this kiosk?)")
    return reports, empty


def _judged(report: PageReport) -> PageReport:
    """A page whose signature holds but whose text or picture differs from it is tampered; so is
    a page whose code carries a layout this verifier cannot draw: it was not checked, so it fails."""
    unchecked = report.compared.startswith("cannot be drawn again")
    if report.verdict is Verdict.VALID and (report.differences or report.seen or unchecked):
        return replace(report, verdict=Verdict.TAMPERED)
    return report


def _check(where: str, code: OpenedCode, keys: PublicKeys) -> PageReport:
    candidates = keys.candidates(code.seal.municipality_code, code.seal.key_id)
    if not candidates:
        return PageReport(where, Verdict.UNKNOWN_KEY, code.seal)
    signer = next((key for key in candidates if code.signed_by(key.public_key)), None)
    if signer is None:
        return PageReport(where, Verdict.TAMPERED, code.seal)
    return PageReport(where, Verdict.WITHDRAWN_KEY if signer.compromised else Verdict.VALID, code.seal, key=signer)


def _differences(seal: PageSeal, page_text: str) -> tuple[str, ...]:
    """Signed items the page's text does not show, in the signed order (spaces ignored). An item
    drawn as a seal (the 印影) is a picture, not text: the comparison with the redrawing checks it."""
    text = _squeeze(page_text)
    differences = []
    at = 0
    for label, value in [("発行番号", seal.issue_number), *((i.label, i.value) for i in _text_items(seal))]:
        found = text.find(_squeeze(value), at)
        if found < 0:
            differences.append(f"{label}: the page does not show 「{value}」 where the code has it")
        else:
            at = found + len(_squeeze(value))
    return tuple(differences)


def _text_items(seal: PageSeal) -> list[Item]:
    """The printed items shown as text: without the items the seal lines of a format 3 or 4 code mark."""
    if not seal.has_layout:
        return list(seal.printed_items)
    shown, seal_next = [], False
    for item in seal.items:
        if item.label == SEAL_LINE:
            seal_next = True
        elif not item.label.startswith(LAYOUT_PREFIX):
            if not seal_next:
                shown.append(item)
            seal_next = False
    return shown


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- comparing with the redrawing -----------------------------------------------------------


def _redrawn(report: PageReport, code: _Code, dpi_factor: int):
    """The redrawing and its raster at the comparison resolution, or a reason it cannot be had."""
    from printing.redraw import CannotRedraw

    if report.key is None:  # nothing untrusted is drawn: the verdict is not valid already
        return None, "not compared: the code's signature was not verified"
    if not report.seal.has_layout and not report.back:  # a back needs only the code's header
        return None, f"not compared: a format {report.seal.version} code carries no page layout"
    try:
        return _redrawing(code.data, dpi_factor, report.back), ""
    except CannotRedraw as exc:
        return None, f"cannot be drawn again from its code: {exc}"  # _judged: so not valid


@functools.lru_cache(maxsize=8)  # the same page given twice (copies, several scans) is drawn once
def _redrawing(data: bytes, dpi_factor: int, back: bool = False):
    """Drawn ``dpi_factor`` times finer and averaged down, so that its edges are as soft as a scan's."""
    from printing import compare
    from printing.redraw import redraw, redraw_back

    redrawn = (redraw_back if back else redraw)(open_code(data).seal, data)
    raster = _grey(_poppler_stdin(redrawn.pdf, "pdftoppm", "-r", str(compare.DPI * dpi_factor), "-aaVector", "no",
                                  "-gray", "-f", "1", "-l", "1", "-"))
    if dpi_factor > 1:
        import cv2

        height, width = (round(side / dpi_factor) for side in raster.shape)
        raster = cv2.resize(raster, (width, height), interpolation=cv2.INTER_AREA)
    raster.flags.writeable = False  # shared by every comparison with this page
    return redrawn, raster


def _compare_pdf_page(report: PageReport, code: _Code, raster: np.ndarray, keep: bool) -> PageReport:
    from printing import compare

    report = _marked(report, code)
    drawn, why = _redrawn(report, code, 1)
    if drawn is None:
        return replace(report, compared=why, given=raster if keep else None)
    redrawn, expected = drawn
    result = compare.compare_same_frame(expected, raster, redrawn.regions)
    return replace(report, seen=result.differences, compared=f"compared with its redrawing ({result.aligned_by})",
                   comparison=result if keep else None)


def _compare_scan(report: PageReport, code: _Code, image: np.ndarray, keep: bool) -> PageReport:
    import numpy as np

    from printing import compare

    report = _marked(report, code)
    drawn, why = _redrawn(report, code, 2)
    if drawn is None:
        return _judged(replace(report, compared=why, given=image if keep else None))
    redrawn, expected = drawn
    on_page = _pixels(redrawn.code_box, compare.DPI)  # the code's place on the side told by _scan_side
    on_scan = np.array(code.corners, np.float64)
    if compare.shows_only_the_code(image.shape, on_scan, on_page):
        return replace(report, compared="not compared: the image shows the code alone, not the page around it",
                       given=image if keep else None)
    dpi = compare.DPI * np.linalg.norm(on_scan[1] - on_scan[0]) / np.linalg.norm(on_page[1] - on_page[0])
    if dpi < MIN_SCAN_DPI:
        raise VerifyError(f"{report.where}: scanned at about {dpi:.0f} dpi; the page can only be compared "
                          "from 200 dpi up: scan it again")
    try:
        result = compare.compare_scan(expected, image, on_scan, on_page, redrawn.regions)
    except compare.AlignmentError as exc:
        raise VerifyError(f"{report.where}: {exc}") from None
    return _judged(replace(report, seen=result.differences, compared=f"compared with its redrawing ({result.aligned_by})",
                           comparison=result if keep else None))


def _marked(report: PageReport, code: _Code) -> PageReport:
    from printing.back_side import check_mark

    return replace(report, check_mark=check_mark(code.data)) if report.back else report


def _pixels(box: tuple[float, float, float, float], dpi: int):
    """A box in points (y up) as the four corners TL, TR, BR, BL in pixels (y down)."""
    import numpy as np

    k = dpi / 72
    x0, y0, x1, y1 = box
    top, bottom = (PAGE_HEIGHT - y1) * k, (PAGE_HEIGHT - y0) * k
    return np.array([[x0 * k, top], [x1 * k, top], [x1 * k, bottom], [x0 * k, bottom]], np.float64)


def _code_squares() -> dict[str, tuple[float, float, float]]:
    """Where each side of a sheet carries the code: x, y and side of its square (quiet zone included), points."""
    from printing import back_side
    from printing import geometry as g

    return {FRONT: (g.CODE_X, g.CODE_Y, g.CODE_SIZE),
            BACK: (back_side.BACK_CODE_X, back_side.BACK_CODE_Y, back_side.BACK_CODE_SIZE)}


def _pdf_side(code: _Code, raster: np.ndarray) -> str | None:
    """The side whose place the code sits in on a page of this raster's size (a PDF page as
    made: FRONT or BACK), or None: somewhere else (a scan inside a PDF)."""
    import numpy as np

    from printing import compare
    from printing.security.qr import symbol_box
    from printing import geometry as g

    a4 = (PAGE_HEIGHT * compare.DPI / 72, g.PAGE_WIDTH * compare.DPI / 72)
    if any(abs(side - want) > 1 for side, want in zip(raster.shape, a4)):
        return None
    for side, square in _code_squares().items():
        try:
            expected = _pixels(symbol_box(code.data, *square), compare.DPI)
        except ValueError:
            return None
        if np.abs(np.array(code.corners) - expected).max() <= 4:
            return side
    return None


def _scan_side(code: _Code, shape: tuple[int, ...]) -> str:
    """The side a scanned code is on, by the ratio of the image's longer side (the page's height,
    give or take a scanner bed's margin) to the code's side: the side whose code size makes the
    page A4's height. An image of the code alone fits neither; it is not compared either way."""
    import math

    import numpy as np

    from printing.security.qr import symbol_box

    corners = np.array(code.corners, np.float64)
    code_pixels = float(np.mean([np.linalg.norm(corners[i] - corners[i - 1]) for i in range(4)]))
    misfit = {}
    for side, square in _code_squares().items():
        x0, _, x1, _ = symbol_box(code.data, *square)
        page_pixels = code_pixels / (x1 - x0) * PAGE_HEIGHT
        misfit[side] = abs(math.log(max(shape[:2]) / page_pixels))
    return min(misfit, key=lambda side: misfit[side])


# --- the pages together -----------------------------------------------------------------------


def _binding(pages: list[PageReport]) -> tuple[str, ...]:
    """Whether the pages whose signature holds make whole copies of one certificate."""
    trusted = [p for p in pages if p.key is not None]  # a code whose signature holds names its page truly
    certificates: dict[tuple[str, str, str, str], list[PageReport]] = {}
    for page in trusted:
        seal = page.seal
        certificates.setdefault((seal.municipality_code, seal.kind, seal.issue_number, seal.issued_at), []).append(page)
    problems: list[str] = []
    if len(certificates) > 1:
        listed = "; ".join(f"発行番号 {number} ({', '.join(p.where for p in group)})"
                           for (_, _, number, _), group in certificates.items())
        problems.append(f"pages of {len(certificates)} different certificates: {listed}")
    for (_, _, number, _), group in certificates.items():
        totals = {p.seal.pages for p in group}
        if len(totals) > 1:
            problems.append(f"発行番号 {number}: its pages disagree on how many pages it has ({sorted(totals)})")
            continue
        total = totals.pop()
        copies = {}
        for side in (FRONT, BACK):  # counted apart: the fronts alone, the backs alone, or both, each whole
            counts = Counter(p.seal.page for p in group if p.side == side)
            if not counts:
                continue
            what = "page" if side == FRONT else "the back of page"
            problems.extend(f"発行番号 {number}: {what} {page}/{total} is missing" for page in range(1, total + 1)
                            if counts[page] == 0)
            present = {counts[page] for page in range(1, total + 1) if counts[page]}
            if len(present) > 1:  # whole copies repeat every page alike: this repeats some pages only
                listed = ", ".join(f"{what} {page}/{total} {_times(counts[page])}" for page in range(1, total + 1)
                                   if counts[page])
                problems.append(f"発行番号 {number}: {listed}: a page is repeated (or missing from a copy)")
            extra = sorted(n for n in counts if not 1 <= n <= total)
            if extra:
                problems.append(f"発行番号 {number}: {'backs of ' if side == BACK else ''}pages {extra} beyond its {total}")
            copies[side] = max(present, default=0)
        if len(copies) == 2 and copies[FRONT] != copies[BACK]:
            problems.append(f"発行番号 {number}: fronts {_times(copies[FRONT])} but backs {_times(copies[BACK])}: "
                            "a sheet lacks its back, or a back its front")
    return tuple(problems)


def _sheets(pages: list[PageReport]) -> tuple[str, ...]:
    """In one PDF, a back right after a front is printed on that front's sheet: it must carry the
    same certificate's same page. A back that does not is a sheet put together from two."""
    problems = []
    for front, back in zip(pages, pages[1:]):
        if front.back or not back.back or front.key is None or back.key is None:
            continue
        a, b = front.seal, back.seal
        if (a.municipality_code, a.kind, a.issue_number, a.issued_at, a.page) != \
                (b.municipality_code, b.kind, b.issue_number, b.issued_at, b.page):
            problems.append(f"{back.where} is the back of 発行番号 {b.issue_number} page {b.page}/{b.pages}, "
                            f"behind the front of 発行番号 {a.issue_number} page {a.page}/{a.pages} ({front.where}): "
                            "not one sheet")
    return tuple(problems)


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


# --- reading codes ----------------------------------------------------------------------------


def _open_image(data: bytes):
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            return np.asarray(image.convert("L"))
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as exc:
        raise VerifyError(f"the image cannot be read ({type(exc).__name__})") from None


def _codes_in_image(image: np.ndarray) -> list[_Code]:
    import cv2

    codes = _codes_in_array(image)
    for smoothed in (lambda: cv2.medianBlur(image, 3), lambda: cv2.GaussianBlur(image, (0, 0), 1.0)):
        if codes:
            break
        codes = _codes_in_array(smoothed())  # a noisy or JPEG scan: the decoder wants cleaner modules
    if not codes:
        raise VerifyError("no certificate code found (is the whole page in the scan, at 200 dpi or more?)")
    return codes


def _codes_in_array(image: np.ndarray) -> list[_Code]:
    import zxingcpp

    found = []
    for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
        data = bytes(result.bytes)
        if result.valid and is_certificate_code(data):
            p = result.position
            corners = tuple((float(c.x), float(c.y)) for c in (p.top_left, p.top_right, p.bottom_right, p.bottom_left))
            found.append((data, corners))
    try:
        return [_Code(open_code(data), data, corners) for data, corners in found]
    except CodeFormatError as exc:
        raise VerifyError(f"the certificate code is damaged: {exc}") from None


def _codes_on_page(path: Path, page: int) -> list[_Code]:
    """Our layouts put the code in the lower-left corner: rasterising just that is 6x faster
    than the whole page (the 地紋 is slow to draw); anything else gets the whole page. Corners
    are given in the comparison raster's pixels."""
    from printing import compare

    top = int((PAGE_HEIGHT - CODE_CORNER) * RASTER_DPI / 72)
    side = str(int(CODE_CORNER * RASTER_DPI / 72))
    scale = compare.DPI / RASTER_DPI
    for crop, (dx, dy) in ((("-x", "0", "-y", str(top), "-W", side, "-H", side), (0, top)), ((), (0, 0))):
        codes = _codes_in_array(_grey(_raster(path, page, RASTER_DPI, crop)))
        if codes:
            return [replace(c, corners=tuple(((x + dx) * scale, (y + dy) * scale) for x, y in c.corners)) for c in codes]
    raise VerifyError("no certificate code found")


def _grey(data: bytes):
    import numpy as np
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("L"))


def _raster(path: Path, page: int, dpi: int, crop: tuple[str, ...], antialias: bool = False) -> bytes:
    # no output root: pdftoppm writes the one page (PGM) to stdout; vector antialiasing off is 4x
    # faster on the 地紋 and is how the redrawing is rasterised too
    smooth = () if antialias else ("-aaVector", "no")
    return _poppler("pdftoppm", "-r", str(dpi), *smooth, "-gray", *crop, "-f", str(page), "-l", str(page), str(path))


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
    return _poppler_stdin(None, tool, *args)


def _poppler_stdin(stdin: bytes | None, tool: str, *args: str) -> bytes:
    if shutil.which(tool) is None:
        raise VerifyError(f"{tool} is missing: install poppler-utils")
    try:
        done = subprocess.run([tool, *args], input=stdin, capture_output=True, timeout=TOOL_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise VerifyError(f"{tool} gave up after {TOOL_SECONDS} s: the PDF is broken or hostile") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise VerifyError(f"the PDF cannot be read ({reason[-1] if reason else f'{tool} failed'})")
    return done.stdout
