"""The center's rich payloads as msgspec JSON of the kiosk's own dataclasses: what travels in
center.proto's bytes fields, and what the center's database keeps of an issue (the documents and
the request's idempotency key). One encoding for both.

Why not protobuf messages for these: the document bodies are many nested dataclasses (住民票 with
its persons, 印鑑, 税, 戸籍 with persons and entries, 附票 with addresses), and offers carry order
lines, options and households. Mirroring them in center.proto would be a second schema to keep in
step with kiosk/documents.py and kiosk/ports/center.py; a field added there and forgotten here
would silently not travel. msgspec encodes the dataclasses as they are and decodes them strictly
(a missing or mistyped field is an error, never a default). tests/center/test_center_codec.py
round-trips every payload type and every body kind.

JSON rather than msgpack: msgpack carries an aware datetime as a UTC timestamp and loses its
offset, and a 発行日 printed in UTC would be wrong; JSON keeps ``+09:00``.

msgspec decodes a union of at most one dataclass, and ``CertificateDocument.body`` is a union of
five, so a document travels as ``[body type name, document fields without the body, body]``.
"""
from __future__ import annotations

import dataclasses
import hashlib
import typing
from datetime import datetime, timedelta
from typing import Any, Sequence

import msgspec

from kiosk.clock import JST
from kiosk.documents import CertificateDocument, DocumentBody
from kiosk.order import OrderLine
from kiosk.ports.center import KindOffer


class PayloadError(ValueError):
    """Bytes that are not the payload they claim to be (a center or kiosk that speaks otherwise)."""


MAX_PAYLOAD_BYTES = 8 << 20  # also the gRPC message limit both sides set (center/api/server.py)

_BODY_TYPES: dict[str, type[Any]] = {cls.__name__: cls for cls in typing.get_args(DocumentBody)}
_hints = typing.get_type_hints(CertificateDocument)
_HEAD_FIELDS = [f for f in dataclasses.fields(CertificateDocument) if f.name != "body"]
# CertificateDocument without its body: made from the dataclass, so a field added there travels
# without a change here.
_DocumentHead = msgspec.defstruct(
    "_DocumentHead",
    [(f.name, _hints[f.name]) if f.default is dataclasses.MISSING else (f.name, _hints[f.name], f.default)
     for f in _HEAD_FIELDS],
    forbid_unknown_fields=True,
)

_encoder = msgspec.json.Encoder()
_offers = msgspec.json.Decoder(tuple[KindOffer, ...])
_lines = msgspec.json.Decoder(tuple[OrderLine, ...])
_documents = msgspec.json.Decoder(tuple[tuple[str, _DocumentHead, msgspec.Raw], ...])  # type: ignore[valid-type]
_BODY_DECODERS = {name: msgspec.json.Decoder(cls) for name, cls in _BODY_TYPES.items()}


def _decode(decoder: msgspec.json.Decoder[Any], data: bytes | str, what: str) -> Any:
    if len(data) > MAX_PAYLOAD_BYTES:
        raise PayloadError(f"{what}: {len(data)} bytes, more than {MAX_PAYLOAD_BYTES}")
    try:
        return decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise PayloadError(f"{what}: {exc}") from None


def encode_offers(offers: tuple[KindOffer, ...]) -> bytes:
    return _encoder.encode(offers)


def decode_offers(data: bytes) -> tuple[KindOffer, ...]:
    offers: tuple[KindOffer, ...] = _decode(_offers, data, "offers")
    return offers


def encode_lines(lines: tuple[OrderLine, ...]) -> bytes:
    return _encoder.encode(lines)


def decode_lines(data: bytes) -> tuple[OrderLine, ...]:
    lines: tuple[OrderLine, ...] = _decode(_lines, data, "order lines")
    return lines


def encode_documents(documents: tuple[CertificateDocument, ...]) -> bytes:
    wire = []
    for doc in documents:
        head = {f.name: getattr(doc, f.name) for f in _HEAD_FIELDS}
        wire.append((type(doc.body).__name__, head, doc.body))
    return _encoder.encode(wire)


def decode_documents(data: bytes | str) -> tuple[CertificateDocument, ...]:
    documents = []
    for body_type, head, raw_body in _decode(_documents, data, "documents"):
        decoder = _BODY_DECODERS.get(body_type)
        if decoder is None:
            raise PayloadError(f"documents: unknown body type {body_type!r}")
        body = _decode(decoder, bytes(raw_body), f"documents: {body_type}")
        fields = msgspec.structs.asdict(head)
        fields["issued_at"] = in_jst(fields["issued_at"])
        documents.append(CertificateDocument(body=body, **fields))
    return tuple(documents)


def in_jst(at: datetime) -> datetime:
    """A time that came with offset +09:00 gets the kiosk's own JST zone back (same instant)."""
    if at.utcoffset() == timedelta(hours=9) and at.tzinfo is not JST:
        return at.replace(tzinfo=JST)
    return at


def encode_time(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("a naive datetime cannot travel: the center and the kiosk may be in different zones")
    return at.isoformat()


def decode_time(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise PayloadError("time: not ISO 8601") from None
    if at.tzinfo is None:
        raise PayloadError("time: no UTC offset")
    return in_jst(at)


_KEY_CONTEXT = b"kiosk-center issue request v1\0"


def request_key(kiosk_id: str, session_id: str, lines: Sequence[OrderLine]) -> str:
    """SHA-256 (hex) of the canonical encoding of (kiosk id, session id, order lines): msgspec
    encodes dataclasses field by field in declared order and enums by value, so equal requests
    give equal bytes in any process."""
    return hashlib.sha256(_KEY_CONTEXT + _encoder.encode([kiosk_id, session_id, list(lines)])).hexdigest()
