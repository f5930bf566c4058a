"""GrpcCenter: the IssuanceCenter port over the network, the kiosk's adapter for a remote center.

Chosen with ``[adapters] center = "grpc"``; ``[options.center]`` (kiosk/adapters.py,
GrpcCenterOptions) names the center's address, the fleet CA, this kiosk's certificate and key
(``kiosk-center enroll-kiosk``), and the deadlines.

Every call has a deadline. Calls that are safe to repeat are retried on a transient failure
(UNAVAILABLE, DEADLINE_EXCEEDED of one attempt, RESOURCE_EXHAUSTED, ABORTED) with capped
exponential back-off and jitter, all within the call's overall deadline: catalog, new_challenge,
offers, issue (the center answers the same session and lines with the same documents and 発行番号),
report (the same outcome twice changes nothing) and end. ``authenticate`` is sent at most once: a
challenge is single-use, and a second try could only be refused as replayed; it waits for a
connection (wait-for-ready) but never resends a request that left.

A call that still fails raises ``CenterUnavailable`` (so does an answer the kiosk cannot read).
The kiosk's EffectRunner turns any exception from a center call into the flow's
center-unavailable notice (see kiosk/effects.py, kiosk/session.py ``_WAIT_FAILURES``).
"""
from __future__ import annotations

import logging
import random
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

try:
    import grpc

    from center.api import center_pb2 as pb
    from center.api import center_pb2_grpc as pb_grpc
except ImportError as error:  # grpcio or protobuf missing or too old: availability() says so
    _IMPORT_ERROR: str | None = str(error)
else:
    _IMPORT_ERROR = None

from center.codec import (
    MAX_PAYLOAD_BYTES, PayloadError, decode_documents, decode_offers, decode_time, encode_lines, encode_time,
)
from kiosk.eligibility import Refusal, RefusalReason
from kiosk.health import Availability
from kiosk.order import OrderLine
from kiosk.ports.center import (
    AuthRefusalReason, AuthRefused, AuthResult, CatalogSnapshot, Challenge, DocumentOutcome, Identity,
    IssuanceCenter, Issued, IssueRefused, IssueResult, KindOffer, MunicipalityChoice,
)

if TYPE_CHECKING:
    from datetime import datetime

    from kiosk.config import KioskConfig

log = logging.getLogger(__name__)

Rep = TypeVar("Rep")


class CenterUnavailable(RuntimeError):
    """The center could not be reached, refused this kiosk, or answered what the kiosk cannot read,
    after any retries. ``code`` is the gRPC status name (or "protocol")."""

    def __init__(self, call: str, code: str, detail: str = "") -> None:
        super().__init__(f"center {call}: {code}" + (f" ({detail})" if detail else ""))
        self.call, self.code, self.detail = call, code, detail


def _retryable() -> frozenset[Any]:
    return frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                      grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.ABORTED})


class GrpcCenter(IssuanceCenter):
    def __init__(
        self, address: str, *, ca_pem: bytes, cert_pem: bytes, key_pem: bytes, server_name: str = "",
        deadline: float = 10.0, attempt_timeout: float = 4.0, authenticate_deadline: float = 10.0,
        backoff_initial: float = 0.1, backoff_max: float = 2.0,
        sleep: Callable[[float], None] = time.sleep, monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if _IMPORT_ERROR is not None:
            raise RuntimeError(f"grpcio cannot be loaded ({_IMPORT_ERROR})")
        self.address = address
        self._deadline, self._attempt, self._auth_deadline = deadline, attempt_timeout, authenticate_deadline
        self._backoff_initial, self._backoff_max = backoff_initial, backoff_max
        self._sleep, self._monotonic = sleep, monotonic
        self._retryable = _retryable()
        credentials = grpc.ssl_channel_credentials(root_certificates=ca_pem, private_key=key_pem,
                                                   certificate_chain=cert_pem)
        options: list[tuple[str, Any]] = [
            ("grpc.max_receive_message_length", MAX_PAYLOAD_BYTES + (64 << 10)),
            ("grpc.max_send_message_length", MAX_PAYLOAD_BYTES + (64 << 10)),
            # a center that went away is looked for again quickly, so a retry finds it once it is back
            # (gRPC's default waits up to 120 s between reconnection attempts)
            ("grpc.initial_reconnect_backoff_ms", 100),
            ("grpc.min_reconnect_backoff_ms", 100),
            ("grpc.max_reconnect_backoff_ms", int(max(backoff_max, 0.1) * 1000)),
        ]
        if server_name:
            options.append(("grpc.ssl_target_name_override", server_name))
        self._channel = grpc.secure_channel(address, credentials, options=options)
        self._stub = pb_grpc.IssuanceCenterStub(self._channel)
        self.attempts = 0  # every attempt sent, for tests and the operator

    # --- the adapter

    @classmethod
    def availability(cls) -> Availability:
        if _IMPORT_ERROR is not None:
            return Availability(False, f"grpcio cannot be loaded ({_IMPORT_ERROR})")
        return Availability(True)

    @classmethod
    def from_config(cls, config: KioskConfig) -> "GrpcCenter":
        import msgspec

        from kiosk.adapters import GrpcCenterOptions

        try:
            options = msgspec.convert(config.adapter_options.get("center", {}), GrpcCenterOptions)
        except msgspec.ValidationError as exc:
            raise ValueError(f"[options.center]: {exc}") from None
        if not options.address:
            raise ValueError("[options.center] address: the center's host:port is required")

        def read(name: str, value: str) -> bytes:
            path = Path(value)
            path = path if path.is_absolute() else config.data_dir / path
            try:
                return path.read_bytes()
            except OSError as exc:
                raise ValueError(f"[options.center] {name}: cannot read {path} ({exc.strerror})") from None

        return cls(
            options.address, ca_pem=read("ca", options.ca), cert_pem=read("cert", options.cert),
            key_pem=read("key", options.key), server_name=options.server_name, deadline=options.deadline,
            attempt_timeout=options.attempt_timeout, authenticate_deadline=options.authenticate_deadline,
            backoff_initial=options.backoff_initial, backoff_max=options.backoff_max,
        )

    def close(self) -> None:
        self._channel.close()

    # --- calling

    def _call(self, name: str, rpc: Callable[..., Rep], request: Any, *, retry: bool = True) -> Rep:
        if not retry:
            self.attempts += 1
            try:
                return rpc(request, timeout=self._auth_deadline, wait_for_ready=True)
            except grpc.RpcError as exc:
                raise self._failed(name, exc) from None
        end = self._monotonic() + self._deadline
        delay = self._backoff_initial
        while True:
            remaining = end - self._monotonic()
            self.attempts += 1
            try:
                return rpc(request, timeout=max(0.001, min(remaining, self._attempt)))
            except grpc.RpcError as exc:
                code = exc.code() if hasattr(exc, "code") else None
                if code not in self._retryable:
                    raise self._failed(name, exc) from None
                pause = random.uniform(delay / 2, delay)  # jitter: kiosks back from an outage do not come in step
                if self._monotonic() + pause >= end:
                    raise self._failed(name, exc) from None
                log.info("center %s: %s, trying again in %.2f s", name, code.name if code else "?", pause)
                self._sleep(pause)
                delay = min(delay * 2, self._backoff_max)

    @staticmethod
    def _failed(name: str, exc: grpc.RpcError) -> CenterUnavailable:
        code = exc.code() if hasattr(exc, "code") else None
        detail = exc.details() if hasattr(exc, "details") else ""
        error = CenterUnavailable(name, code.name if code is not None else "UNKNOWN", detail or "")
        log.warning("%s", error)
        return error

    @staticmethod
    def _read(name: str, decode: Callable[[], Rep]) -> Rep:
        try:
            return decode()
        except (PayloadError, ValueError, KeyError) as exc:
            raise CenterUnavailable(name, "protocol", str(exc)) from None

    @staticmethod
    def _handle(identity: Identity) -> Any:
        return pb.SessionHandle(auth_token=identity.auth_token, resident_ref=identity.resident_ref)

    # --- the IssuanceCenter port

    def new_challenge(self) -> Challenge:
        reply = self._call("new_challenge", self._stub.NewChallenge, pb.NewChallengeRequest())
        return self._read("new_challenge", lambda: Challenge(reply.challenge_id, reply.nonce, decode_time(reply.expires_at)))

    def authenticate(self, certificate_der: bytes, challenge_id: str, signature: bytes) -> AuthResult:
        request = pb.AuthenticateRequest(certificate_der=certificate_der, challenge_id=challenge_id, signature=signature)
        reply = self._call("authenticate", self._stub.Authenticate, request, retry=False)
        return self._read("authenticate", lambda: _auth_result(reply))

    def offers(self, identity: Identity, municipality_code: str, at: datetime) -> tuple[KindOffer, ...]:
        request = pb.OffersRequest(handle=self._handle(identity), municipality_code=municipality_code, at=encode_time(at))
        reply = self._call("offers", self._stub.Offers, request)
        return self._read("offers", lambda: decode_offers(reply.offers))

    def issue(self, identity: Identity, session_id: str, lines: tuple[OrderLine, ...], at: datetime) -> IssueResult:
        request = pb.IssueRequest(handle=self._handle(identity), session_id=session_id, lines=encode_lines(lines),
                                  at=encode_time(at))
        reply = self._call("issue", self._stub.Issue, request)
        return self._read("issue", lambda: _issue_result(reply))

    def report(self, session_id: str, issue_number: str, outcome: DocumentOutcome) -> None:
        request = pb.ReportRequest(session_id=session_id, issue_number=issue_number, 
                                   outcome=pb.DocumentOutcome.Value(outcome.name))
        self._call("report", self._stub.Report, request)

    def catalog(self) -> CatalogSnapshot:
        reply = self._call("catalog", self._stub.CatalogSnapshot, pb.CatalogRequest())
        return CatalogSnapshot(reply.version, tuple((f.name, f.content) for f in reply.files))

    def end(self, identity: Identity) -> None:
        self._call("end", self._stub.End, pb.EndRequest(handle=self._handle(identity)))


def _refusal(message: Any) -> Refusal:
    return Refusal(RefusalReason(message.reason), message.detail)


def _auth_result(reply: Any) -> AuthResult:
    which = reply.WhichOneof("result")
    if which == "refused":
        return AuthRefused(AuthRefusalReason(reply.refused))
    if which != "identity":
        raise PayloadError("authenticate: neither an identity nor a refusal")
    identity = reply.identity
    choices = tuple(
        MunicipalityChoice(c.code, c.name, c.role, _refusal(c.refusal) if c.HasField("refusal") else None)
        for c in identity.municipalities
    )
    return Identity(identity.handle.auth_token, identity.handle.resident_ref, choices)


def _issue_result(reply: Any) -> IssueResult:
    which = reply.WhichOneof("result")
    if which == "refused":
        return IssueRefused(_refusal(reply.refused))
    if which != "documents":
        raise PayloadError("issue: neither documents nor a refusal")
    return Issued(decode_documents(reply.documents))
