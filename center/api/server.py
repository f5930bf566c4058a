"""The issuance center served over gRPC with mutual TLS: ``serve(service, address, tls)``.

Who is calling: the kiosk id is the common name of the client certificate the TLS handshake
verified against the fleet CA (``context.auth_context()["x509_common_name"]``), never anything in
a request. A client without a certificate, with one the fleet CA did not issue, or with an expired
one, or speaking plaintext, never completes the handshake. A certificate whose serial is on the
fleet's revocation list (center/fleet.py, re-read when it changes) gets UNAUTHENTICATED on every
call: gRPC's Python server takes no CRL, so this check is the center's own.

What a kiosk may touch:

- Identity tokens are bound to the kiosk that authenticated. The token handed out is the center's
  token with an HMAC over (kiosk id, token) appended; presented by another kiosk (or altered) it is
  unknown, and the center answers as for any unknown token (no offers, issue refused).
- Session ids are the kiosk's own: the center sees ``<kiosk id>/<session id>``, so issue's
  idempotency (same session and lines → same documents and 発行番号) and reports are per kiosk,
  and one kiosk can never name another's session. Documents go back with the kiosk's session id.

TLS 1.3 (grpcio 1.85, BoringSSL): ``grpc.ssl_server_credentials`` has no minimum-version argument
(grpc/grpc#37305; the server side is the still open grpc/grpc#43080), no environment variable sets
one (``GRPC_SSL_CIPHER_SUITES`` narrows only the TLS 1.2 suites), and gRPC core's default range is
TLS 1.2 to 1.3. So the handshake itself still completes with a TLS 1.2-only client (with gRPC's
ECDHE + AEAD suites). BoringSSL negotiates 1.3 with every client that offers it, every gRPC client
included. What the server can do, and does: the auth context names the negotiated version
(``ssl_tls_version``), and every call over anything but TLS 1.3 is refused (UNAUTHENTICATED)
before it reaches the center. tests/center/test_center_tls.py pins both facts (a 1.2 handshake
completes; calls over a version not allowed are refused), so the day grpcio can refuse 1.2 in the
handshake the test says so.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import threading
from concurrent import futures
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Callable, NoReturn, TypeVar

import grpc
from cryptography import x509

from center.api import center_pb2 as pb
from center.api import center_pb2_grpc as pb_grpc
from center.codec import (
    MAX_PAYLOAD_BYTES, PayloadError, decode_lines, decode_time, encode_documents, encode_offers, encode_time,
)
from center.fleet import KIOSK_ID, Fleet, RevocationList
from kiosk.crashpoints import crashpoint
from kiosk.eligibility import Refusal
from kiosk.ports.center import AuthRefused, DocumentOutcome, Identity, IssuanceCenter, Issued

log = logging.getLogger(__name__)

GRPC_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_PAYLOAD_BYTES + (64 << 10)),
    ("grpc.max_send_message_length", MAX_PAYLOAD_BYTES + (64 << 10)),
]
_MAX_ID = 200  # session ids, challenge ids, tokens, issue numbers: far longer than any we make
_OUTCOMES = {
    pb.PRINTED: DocumentOutcome.PRINTED,
    pb.REFUNDED: DocumentOutcome.REFUNDED,
    pb.VOIDED: DocumentOutcome.VOIDED,
}
_MAC_CHARS = 32
TLS_VERSIONS = frozenset({"TLSv1.3"})  # the negotiated versions a call may come over (auth context's name)

Req = TypeVar("Req")
Rep = TypeVar("Rep")


@dataclass(frozen=True)
class ServerTls:
    """The center's certificate and key, the fleet CA its clients must chain to, the revocation list."""

    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes
    revoked: RevocationList

    @classmethod
    def from_files(cls, ca: Path, cert: Path, key: Path, revoked: Path) -> "ServerTls":
        return cls(Path(ca).read_bytes(), Path(cert).read_bytes(), Path(key).read_bytes(), RevocationList(Path(revoked)))

    @classmethod
    def from_fleet(cls, directory: Path) -> "ServerTls":
        fleet = Fleet(directory)
        return cls.from_files(fleet.ca_cert, fleet.server_cert, fleet.server_key, fleet.revoked_file)

    def credentials(self) -> grpc.ServerCredentials:
        return grpc.ssl_server_credentials([(self.key_pem, self.cert_pem)], root_certificates=self.ca_pem,
                                           require_client_auth=True)


class TokenBinder:
    """Binds the center's identity tokens to the kiosk that authenticated (see the module doc)."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or os.urandom(32)

    def _mac(self, kiosk_id: str, token: str) -> str:
        digest = hmac.new(self._key, b"konbini-token\0" + kiosk_id.encode() + b"\0" + token.encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()).decode()[:_MAC_CHARS]

    def bind(self, kiosk_id: str, token: str) -> str:
        return f"{token}.{self._mac(kiosk_id, token)}"

    def unbind(self, kiosk_id: str, bound: str) -> str:
        """The center's token, or "" (a token no session has) when it is not this kiosk's."""
        token, dot, mac = bound.rpartition(".")
        if not dot or not token or not hmac.compare_digest(mac.encode(), self._mac(kiosk_id, token).encode()):
            return ""
        return token


@lru_cache(maxsize=256)
def _peer(pem: bytes) -> tuple[str, int]:
    cert = x509.load_pem_x509_certificate(pem)
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    value = names[0].value if names else ""
    return (value if isinstance(value, str) else value.decode("utf-8", "replace")), cert.serial_number


class CenterServicer(pb_grpc.IssuanceCenterServicer):
    """The IssuanceCenter port behind gRPC: checks the caller, translates, never decides."""

    def __init__(self, center: IssuanceCenter, revoked: RevocationList, tokens: TokenBinder | None = None,
                 tls_versions: frozenset[str] = TLS_VERSIONS) -> None:
        self._center = center
        self._revoked = revoked
        self._tls_versions = frozenset(v.encode() for v in tls_versions)
        self._tokens = tokens or TokenBinder()
        self.calls = 0  # answered calls, for tests and the operator
        self._count = threading.Lock()

    # --- who is calling
    def _kiosk(self, context: grpc.ServicerContext) -> str:
        auth = context.auth_context()
        version: bytes | list[bytes] = auth.get("ssl_tls_version") or []
        versions = [version] if isinstance(version, bytes) else list(version)
        if not versions or versions[0] not in self._tls_versions:
            _abort(context, grpc.StatusCode.UNAUTHENTICATED, "TLS 1.3 is required")
        given: bytes | list[bytes] = auth.get("x509_pem_cert") or []
        pems = [given] if isinstance(given, bytes) else list(given)
        if not pems:
            _abort(context, grpc.StatusCode.UNAUTHENTICATED, "no verified client certificate")
        kiosk_id, serial = _peer(pems[0])
        if not KIOSK_ID.fullmatch(kiosk_id):
            _abort(context, grpc.StatusCode.UNAUTHENTICATED, "the client certificate names no kiosk")
        if self._revoked.is_revoked(serial):
            log.warning("refused kiosk %s: certificate %x revoked", kiosk_id, serial)
            _abort(context, grpc.StatusCode.UNAUTHENTICATED, "this kiosk's certificate is revoked")
        return kiosk_id

    def _run(self, name: str, context: grpc.ServicerContext, work: Callable[[str], Rep]) -> Rep:
        kiosk_id = self._kiosk(context)
        try:
            reply = work(kiosk_id)
        except PayloadError as exc:
            log.warning("%s from %s: bad request (%s)", name, kiosk_id, exc)
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except _Invalid as exc:
            log.warning("%s from %s: bad request (%s)", name, kiosk_id, exc)
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except Exception:  # a center fault: logged here with its traceback, never sent to the kiosk
            log.exception("%s from %s failed", name, kiosk_id)
            _abort(context, grpc.StatusCode.INTERNAL, "the center failed; see its log")
        with self._count:
            self.calls += 1
        log.debug("%s from %s", name, kiosk_id)  # debug: at a peak, a line per call costs a tenth of the CPU
        return reply

    def _identity(self, kiosk_id: str, handle: pb.SessionHandle) -> Identity:
        _check_id(handle.auth_token, "auth_token")
        _check_id(handle.resident_ref, "resident_ref")
        return Identity(self._tokens.unbind(kiosk_id, handle.auth_token), handle.resident_ref, ())

    # --- the calls
    def CatalogSnapshot(self, request: pb.CatalogRequest, context: grpc.ServicerContext) -> pb.CatalogReply:
        def work(kiosk_id: str) -> pb.CatalogReply:
            snapshot = self._center.catalog()
            return pb.CatalogReply(version=snapshot.version,
                                   files=[pb.CatalogFile(name=n, content=c) for n, c in snapshot.files])
        return self._run("CatalogSnapshot", context, work)

    def NewChallenge(self, request: pb.NewChallengeRequest, context: grpc.ServicerContext) -> pb.ChallengeReply:
        def work(kiosk_id: str) -> pb.ChallengeReply:
            challenge = self._center.new_challenge()
            return pb.ChallengeReply(challenge_id=challenge.challenge_id, nonce=challenge.nonce,
                                     expires_at=encode_time(challenge.expires_at))
        return self._run("NewChallenge", context, work)

    def Authenticate(self, request: pb.AuthenticateRequest, context: grpc.ServicerContext) -> pb.AuthenticateReply:
        def work(kiosk_id: str) -> pb.AuthenticateReply:
            _check_id(request.challenge_id, "challenge_id")
            result = self._center.authenticate(request.certificate_der, request.challenge_id, request.signature)
            if isinstance(result, AuthRefused):
                return pb.AuthenticateReply(refused=result.reason.value)
            handle = pb.SessionHandle(auth_token=self._tokens.bind(kiosk_id, result.auth_token),
                                      resident_ref=result.resident_ref)
            choices = [
                pb.MunicipalityChoice(code=c.code, name=c.name, role=c.role,
                                      refusal=_refusal(c.refusal) if c.refusal is not None else None)
                for c in result.municipalities
            ]
            return pb.AuthenticateReply(identity=pb.Identity(handle=handle, municipalities=choices))
        return self._run("Authenticate", context, work)

    def Offers(self, request: pb.OffersRequest, context: grpc.ServicerContext) -> pb.OffersReply:
        def work(kiosk_id: str) -> pb.OffersReply:
            _check_id(request.municipality_code, "municipality_code")
            offers = self._center.offers(self._identity(kiosk_id, request.handle), request.municipality_code,
                                         decode_time(request.at))
            return pb.OffersReply(offers=encode_offers(offers))
        return self._run("Offers", context, work)

    def Issue(self, request: pb.IssueRequest, context: grpc.ServicerContext) -> pb.IssueReply:
        def work(kiosk_id: str) -> pb.IssueReply:
            _check_id(request.session_id, "session_id")
            identity = self._identity(kiosk_id, request.handle)
            lines, at = decode_lines(request.lines), decode_time(request.at)
            center_session = f"{kiosk_id}/{request.session_id}"
            crashpoint("before:center.Issue")
            result = self._center.issue(identity, center_session, lines, at)
            if isinstance(result, Issued):  # 発行番号 and session ids are opaque: no personal data
                log.info("issued %s to %s session %s", " ".join(d.issue_number for d in result.documents),
                         kiosk_id, request.session_id)
            crashpoint("after:center.Issue")
            if not isinstance(result, Issued):
                return pb.IssueReply(refused=_refusal(result.refusal))
            if any(d.session_id != center_session for d in result.documents):
                raise RuntimeError("the center returned documents of another session")
            documents = tuple(replace(d, session_id=request.session_id) for d in result.documents)
            return pb.IssueReply(documents=encode_documents(documents),
                                 issue_numbers=[d.issue_number for d in documents])
        return self._run("Issue", context, work)

    def Report(self, request: pb.ReportRequest, context: grpc.ServicerContext) -> pb.ReportReply:
        def work(kiosk_id: str) -> pb.ReportReply:
            _check_id(request.session_id, "session_id")
            _check_id(request.issue_number, "issue_number")
            outcome = _OUTCOMES.get(request.outcome)
            if outcome is None:
                raise _Invalid("outcome: printed, refunded or voided")
            self._center.report(f"{kiosk_id}/{request.session_id}", request.issue_number, outcome)
            return pb.ReportReply()
        return self._run("Report", context, work)

    def End(self, request: pb.EndRequest, context: grpc.ServicerContext) -> pb.EndReply:
        def work(kiosk_id: str) -> pb.EndReply:
            identity = self._identity(kiosk_id, request.handle)
            if identity.auth_token:  # another kiosk's token ends nothing
                self._center.end(identity)
            return pb.EndReply()
        return self._run("End", context, work)


class _Invalid(ValueError):
    pass


def _check_id(value: str, what: str) -> None:
    if not value or len(value) > _MAX_ID or not value.isprintable():
        raise _Invalid(f"{what}: empty, too long or not printable")


def _refusal(refusal: Refusal) -> pb.Refusal:
    return pb.Refusal(reason=refusal.reason.value, detail=refusal.detail)


def _abort(context: grpc.ServicerContext, code: grpc.StatusCode, detail: str) -> NoReturn:
    context.abort(code, detail)
    raise AssertionError("grpc's abort returns only by raising")  # pragma: no cover


@dataclass
class CenterServer:
    """A started server: its port (the one bound when the address asked for port 0)."""

    server: grpc.Server
    port: int
    servicer: CenterServicer

    def stop(self, grace: float | None = 1.0) -> None:
        self.server.stop(grace).wait()

    def wait(self) -> None:
        self.server.wait_for_termination()


def serve(service: IssuanceCenter, address: str, tls: ServerTls, *, tokens: TokenBinder | None = None,
          max_workers: int = 16, tls_versions: frozenset[str] = TLS_VERSIONS) -> CenterServer:
    """Serve ``service`` on ``address`` (host:port; port 0 picks a free one) over mutual TLS; started."""
    servicer = CenterServicer(service, tls.revoked, tokens, tls_versions)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="center-rpc"),
                         options=GRPC_OPTIONS, maximum_concurrent_rpcs=max_workers * 4)
    pb_grpc.add_IssuanceCenterServicer_to_server(servicer, server)
    port = server.add_secure_port(address, tls.credentials())
    if port == 0:
        raise OSError(f"cannot listen on {address}")
    server.start()
    return CenterServer(server, port, servicer)
