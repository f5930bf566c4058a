"""The signed content of a page's 2D code: what was printed on that page, signed by the municipality.

Format, version 4 (bytes, in the QR code in byte mode)::

    b"KS" | 0x04 | deflate(canonical text, preset dictionary) | Ed25519 signature (64 bytes)

The canonical text is UTF-8, one field per line, ``label TAB value``. Nine header lines come
first, in this order: ``v`` (4), ``muni`` (municipality code), ``key`` (the id of the seal key
that signed, see center.pki.seals), ``issuer`` (the municipality's name, as the microtext prints
it), ``kind``, ``no`` (発行番号), ``at`` (issue time, ISO minute, JST), ``page`` (x/y), ``demo``
(1 = signed by the demo PKI). The printed items of that page follow, in print order, label and
value exactly as printed, and between them the page's layout lines: labels starting with ``#``
(the form the page is drawn in, a section heading, an item drawn as a seal, 「以下余白」 where
the content ends, the closing block; printing.paginate writes and reads them). Every page carries the closing block (認証文,
発行日, 証明者 and the 公印 drawn from the mayor's title), so each sheet is a certificate on its own. With the layout the verifier draws the page again exactly as the kiosk did and
compares it with the paper (printing.compare). The signature covers ``SIGNING_CONTEXT +
canonical text``, not the compressed bytes, so the compression can change without touching
what is signed; the key id is inside what is signed, so it cannot be swapped.

Version 3 (``KS`` 0x03) is version 4 with a smaller dictionary and one layout line less: its
closing line also stood for the 「以下余白」 above it, as the kiosk printed the closing block on
the last page only. It is still read and drawn again as it was printed (``PageSeal.read_version``).
Version 2 (``KS`` 0x02) has no ``issuer`` line and no layout lines; version 1 (``KS`` 0x01) has
no ``key`` line either (codes printed before keys had ids). Both are still read, a version 1 code
is checked against every key of its municipality; neither can be drawn again, so a page that
carries one is checked by its text only.

Why the items themselves and not only their digest: a scan must be checkable offline by a
person holding the paper, so the verifier has to be able to list what was signed. The raw
deflate with a dictionary of the words certificates repeat keeps a page's code within about
650 bytes (QR version <= 20 at level M), which prints at 0.4 mm a module in 38 mm. The key id
costs about 10 of them.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from printing.model import Item

MAGIC_V1 = b"KS\x01"
MAGIC_V2 = b"KS\x02"
MAGIC_V3 = b"KS\x03"
MAGIC = b"KS\x04"  # the version signed today
SIGNATURE_BYTES = 64
SIGNING_CONTEXT = b"konbini-kiosk certificate seal v1\n"  # the text's own "v" line tells versions apart
HEADER_LABELS_V1 = ("v", "muni", "kind", "no", "at", "page", "demo")
HEADER_LABELS_V2 = ("v", "muni", "key", "kind", "no", "at", "page", "demo")
HEADER_LABELS = ("v", "muni", "key", "issuer", "kind", "no", "at", "page", "demo")
LAYOUT_PREFIX = "#"  # a line whose label starts with it is layout, not a printed item
MAX_TEXT_BYTES = 64 * 1024  # a decoded page never comes near; a hostile code cannot inflate beyond

# Words and phrases the layouts print again and again, then a header as it is printed. Part of
# the formats: never edit, only add a new version. Later bytes are cheapest to refer to, so the
# commonest go last.
_WORDS = (
    "在留カード等の番号在留期間等の満了の日在留資格国籍・地域扶養親族の数課税区分非課税"
    "総所得金額課税標準額市町村民税額道府県民税額所得の年分年度登録番号登録日印影"
    "【従前本籍】【新本籍】【配偶者氏名】【従前戸籍】【死亡地】【出生地】【届出人】親族父"
    "転籍分籍離婚死亡婚姻出生身分事項戸籍に記録されている者除籍本籍筆頭者"
    "従前の住所住民となった日住所を定めた日届出日個人番号世帯主続柄長男長女二男二女"
    "フリガナ氏名生年月日性別男女住所発行日証明者市長町長村長丁目番地番号定"
    "明治大正昭和平成令和年月日架空県"
)
_DICTIONARY_V1 = (_WORDS + "\nv\t1\nmuni\t99000\nkind\tjuminhyo\nno\t\nat\t20\npage\t1/\ndemo\t1\n").encode("utf-8")
_DICTIONARY_V2 = (_WORDS + "\nv\t2\nmuni\t99000\nkey\t\nkind\tjuminhyo\nno\t\nat\t20\npage\t1/\ndemo\t1\n").encode("utf-8")
_DICTIONARY_V3 = (_WORDS + "\n#C\t\n#S\t\n#H\t\nv\t3\nmuni\t99000\nkey\t\nissuer\t\nkind\tjuminhyo\nno\t\nat\t20\n"
                  "page\t1/\ndemo\t1\n").encode("utf-8")
# Version 4 prints the closing block on every page: its wording goes in the dictionary too.
_CLOSING_WORDS = (
    "これは、戸籍中の一部の者について記録されている事項を証明した書面である。"
    "これは、戸籍に記録されている事項の全部を証明した書面である。"
    "上記の者は、上記年度の市町村民税が課されていないことを証明する。"
    "上記のとおり住民票に記載されていることを証明する。"
    "この写しは、戸籍の附票の原本と相違ないことを証明する。"
    "この写しは、登録されている印影と相違ないことを証明する。"
    "上記のとおり相違ないことを証明する。"
    "この写しは、世帯の一部の住民票の原本と相違ないことを証明する。"
    "この写しは、世帯全員の住民票の原本と相違ないことを証明する。"
)
_DICTIONARY = (_WORDS + _CLOSING_WORDS + "\n#S\t\n#H\t\nv\t4\nmuni\t99000\nkey\t\nissuer\t\nkind\tjuminhyo\n"
               "no\t\nat\t20\npage\t1/\ndemo\t1\n#E\t\n#C\t\n認証文\t\n発行日\t令和\n担当\t\n証明者\t").encode("utf-8")


@dataclass(frozen=True)
class _Format:
    magic: bytes
    version: str
    header: tuple[str, ...]
    dictionary: bytes


_FORMATS = {
    form.magic: form for form in (
        _Format(MAGIC_V1, "1", HEADER_LABELS_V1, _DICTIONARY_V1),
        _Format(MAGIC_V2, "2", HEADER_LABELS_V2, _DICTIONARY_V2),
        _Format(MAGIC_V3, "3", HEADER_LABELS, _DICTIONARY_V3),
        _Format(MAGIC, "4", HEADER_LABELS, _DICTIONARY),
    )
}


class CodeFormatError(ValueError):
    """The bytes are not a certificate code of a version we know."""


def is_certificate_code(data: bytes) -> bool:
    return data[: len(MAGIC)] in _FORMATS


@dataclass(frozen=True)
class PageSeal:
    municipality_code: str
    kind: str
    issue_number: str
    issued_at: str  # ISO minute, e.g. 2026-11-25T10:00
    page: int
    pages: int
    demo: bool
    items: tuple[Item, ...]  # in format 3 and 4 with the layout lines among them (see printed_items)
    key_id: str | None = None  # the signing key's id; None only in a version 1 code read back
    issuer: str | None = None  # the municipality's name; None in a version 1 or 2 code
    read_version: int | None = None  # 3 for a format 3 code read back; None: the format its fields tell

    @property
    def _format(self) -> _Format:
        if self.key_id is None:
            return _FORMATS[MAGIC_V1]
        if self.issuer is None:
            return _FORMATS[MAGIC_V2]
        return _FORMATS[MAGIC_V3 if self.read_version == 3 else MAGIC]

    @property
    def version(self) -> int:
        return int(self._format.version)

    @property
    def has_layout(self) -> bool:
        """Whether the page can be drawn again from this code (format 3)."""
        return self.issuer is not None

    @property
    def printed_items(self) -> tuple[Item, ...]:
        """What the page prints, without the layout lines."""
        if not self.has_layout:
            return self.items
        return tuple(i for i in self.items if not i.label.startswith(LAYOUT_PREFIX))

    def canonical(self) -> bytes:
        key = () if self.key_id is None else (("key", self.key_id),)
        issuer = () if self.issuer is None else (("issuer", self.issuer),)
        header = (
            ("v", self._format.version), ("muni", self.municipality_code), *key, *issuer, ("kind", self.kind),
            ("no", self.issue_number), ("at", self.issued_at), ("page", f"{self.page}/{self.pages}"),
            ("demo", "1" if self.demo else "0"),
        )
        lines = [*header, *((i.label, i.value) for i in self.items)]
        for label, value in lines:
            if any(c in label + value for c in "\t\n\r"):
                raise ValueError(f"item {label!r} holds a tab or line break")
        return "\n".join(f"{label}\t{value}" for label, value in lines).encode("utf-8")


def seal_bytes(seal: PageSeal, key: Ed25519PrivateKey) -> bytes:
    if not seal.key_id:
        raise ValueError("a page is signed under the id of the key that signs it")
    text = seal.canonical()
    return seal._format.magic + _compress(text, seal._format.dictionary) + key.sign(SIGNING_CONTEXT + text)


def unsigned_size(seal: PageSeal) -> int:
    """Bytes the code will hold once signed: used to end a page before its code grows too big."""
    return len(seal._format.magic) + len(_compress(seal.canonical(), seal._format.dictionary)) + SIGNATURE_BYTES


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
    form = _FORMATS.get(data[: len(MAGIC)])
    if form is None or len(data) <= len(MAGIC) + SIGNATURE_BYTES:
        raise CodeFormatError("not a certificate code of this kiosk (format KS1 to KS4)")
    body, signature = data[len(MAGIC) : -SIGNATURE_BYTES], data[-SIGNATURE_BYTES:]
    try:
        inflater = zlib.decompressobj(wbits=-15, zdict=form.dictionary)
        text = inflater.decompress(body, MAX_TEXT_BYTES)
        if inflater.unconsumed_tail or not inflater.eof:
            raise CodeFormatError("the code's content is truncated or too large")
        lines = [line.split("\t") for line in text.decode("utf-8").split("\n")]
    except (zlib.error, UnicodeDecodeError):
        raise CodeFormatError("the code's content cannot be unpacked") from None
    if any(len(fields) != 2 for fields in lines) or len(lines) < len(form.header):
        raise CodeFormatError("the code's content is not label/value lines")
    header = dict(lines[: len(form.header)])
    if [label for label, _ in lines[: len(form.header)]] != list(form.header) or header["v"] != form.version:
        raise CodeFormatError(f"the code's header is not format version {form.version}")
    page, _, pages = header["page"].partition("/")
    if not (page.isdigit() and pages.isdigit()) or header["demo"] not in ("0", "1"):
        raise CodeFormatError("the code's page or demo field is malformed")
    if header.get("key") == "" or header.get("issuer") == "":
        raise CodeFormatError("the code names no key or no issuer")
    seal = PageSeal(
        municipality_code=header["muni"], kind=header["kind"], issue_number=header["no"], issued_at=header["at"],
        page=int(page), pages=int(pages), demo=header["demo"] == "1",
        items=tuple(Item(label, value) for label, value in lines[len(form.header) :]),
        key_id=header.get("key"), issuer=header.get("issuer"), read_version=3 if form.magic == MAGIC_V3 else None,
    )
    return OpenedCode(seal, text, signature)


def _compress(text: bytes, dictionary: bytes = _DICTIONARY) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, zdict=dictionary)
    return packer.compress(text) + packer.flush()
