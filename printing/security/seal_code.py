"""The signed content of a page's 2D code: what was printed on that page, signed by the municipality.

Format, version 1 (bytes, in the QR code in byte mode)::

    b"KS" | 0x01 | deflate(canonical text, preset dictionary) | Ed25519 signature (64 bytes)

The canonical text is UTF-8, one field per line, ``label TAB value``. Seven header lines come
first, in this order: ``v`` (1), ``muni`` (municipality code: the key id), ``kind``, ``no``
(発行番号), ``at`` (issue time, ISO minute, JST), ``page`` (x/y), ``demo`` (1 = signed by the
demo PKI). The printed items of that page follow, in print order, label and value exactly as
printed. The signature covers ``SIGNING_CONTEXT + canonical text``, not the compressed bytes,
so the compression can change without touching what is signed.

Why the items themselves and not only their digest: a scan must be checkable offline by a
person holding the paper, so the verifier has to be able to list what was signed. The raw
deflate with a dictionary of the words certificates repeat keeps a page's code within about
650 bytes (QR version <= 20 at level M), which prints at 0.4 mm a module in 38 mm.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from printing.model import Item

MAGIC = b"KS\x01"
SIGNATURE_BYTES = 64
SIGNING_CONTEXT = b"konbini-kiosk certificate seal v1\n"
HEADER_LABELS = ("v", "muni", "kind", "no", "at", "page", "demo")
MAX_TEXT_BYTES = 64 * 1024  # a decoded page never comes near; a hostile code cannot inflate beyond

# Words and phrases the layouts print again and again. Part of format version 1: never edit,
# only add a new version. Later bytes are cheapest to refer to, so the commonest go last.
_DICTIONARY = (
    "在留カード等の番号在留期間等の満了の日在留資格国籍・地域扶養親族の数課税区分非課税"
    "総所得金額課税標準額市町村民税額道府県民税額所得の年分年度登録番号登録日印影"
    "【従前本籍】【新本籍】【配偶者氏名】【従前戸籍】【死亡地】【出生地】【届出人】親族父"
    "転籍分籍離婚死亡婚姻出生身分事項戸籍に記録されている者除籍本籍筆頭者"
    "従前の住所住民となった日住所を定めた日届出日個人番号世帯主続柄長男長女二男二女"
    "フリガナ氏名生年月日性別男女住所発行日証明者市長町長村長丁目番地番号定"
    "明治大正昭和平成令和年月日架空県\nv\t1\nmuni\t99000\nkind\tjuminhyo\nno\t\nat\t20\npage\t1/\ndemo\t1\n"
).encode("utf-8")


class CodeFormatError(ValueError):
    """The bytes are not a certificate code of a version we know."""


@dataclass(frozen=True)
class PageSeal:
    municipality_code: str
    kind: str
    issue_number: str
    issued_at: str  # ISO minute, e.g. 2026-11-25T10:00
    page: int
    pages: int
    demo: bool
    items: tuple[Item, ...]

    def canonical(self) -> bytes:
        header = (
            ("v", "1"), ("muni", self.municipality_code), ("kind", self.kind), ("no", self.issue_number),
            ("at", self.issued_at), ("page", f"{self.page}/{self.pages}"), ("demo", "1" if self.demo else "0"),
        )
        lines = [*header, *((i.label, i.value) for i in self.items)]
        for label, value in lines:
            if any(c in label + value for c in "\t\n\r"):
                raise ValueError(f"item {label!r} holds a tab or line break")
        return "\n".join(f"{label}\t{value}" for label, value in lines).encode("utf-8")


def seal_bytes(seal: PageSeal, key: Ed25519PrivateKey) -> bytes:
    text = seal.canonical()
    return MAGIC + _compress(text) + key.sign(SIGNING_CONTEXT + text)


def unsigned_size(seal: PageSeal) -> int:
    """Bytes the code will hold once signed: used to end a page before its code grows too big."""
    return len(MAGIC) + len(_compress(seal.canonical())) + SIGNATURE_BYTES


@dataclass(frozen=True)
class OpenedCode:
    seal: PageSeal
    text: bytes  # the canonical text, to check the signature against
    signature: bytes

    def signed_by(self, key: Ed25519PublicKey) -> bool:
        try:
            key.verify(self.signature, SIGNING_CONTEXT + self.text)
        except InvalidSignature:
            return False
        return True


def open_code(data: bytes) -> OpenedCode:
    """Parse a code's bytes (no signature check yet). Raises CodeFormatError for anything else."""
    if not data.startswith(MAGIC) or len(data) <= len(MAGIC) + SIGNATURE_BYTES:
        raise CodeFormatError("not a certificate code of this kiosk (format KS1)")
    body, signature = data[len(MAGIC) : -SIGNATURE_BYTES], data[-SIGNATURE_BYTES:]
    try:
        inflater = zlib.decompressobj(wbits=-15, zdict=_DICTIONARY)
        text = inflater.decompress(body, MAX_TEXT_BYTES)
        if inflater.unconsumed_tail or not inflater.eof:
            raise CodeFormatError("the code's content is truncated or too large")
        lines = [line.split("\t") for line in text.decode("utf-8").split("\n")]
    except (zlib.error, UnicodeDecodeError):
        raise CodeFormatError("the code's content cannot be unpacked") from None
    if any(len(fields) != 2 for fields in lines) or len(lines) < len(HEADER_LABELS):
        raise CodeFormatError("the code's content is not label/value lines")
    header = dict(lines[: len(HEADER_LABELS)])
    if [label for label, _ in lines[: len(HEADER_LABELS)]] != list(HEADER_LABELS) or header["v"] != "1":
        raise CodeFormatError("the code's header is not format version 1")
    page, _, pages = header["page"].partition("/")
    if not (page.isdigit() and pages.isdigit()) or header["demo"] not in ("0", "1"):
        raise CodeFormatError("the code's page or demo field is malformed")
    seal = PageSeal(
        municipality_code=header["muni"], kind=header["kind"], issue_number=header["no"], issued_at=header["at"],
        page=int(page), pages=int(pages), demo=header["demo"] == "1",
        items=tuple(Item(label, value) for label, value in lines[len(HEADER_LABELS) :]),
    )
    return OpenedCode(seal, text, signature)


def _compress(text: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, zdict=_DICTIONARY)
    return packer.compress(text) + packer.flush()
