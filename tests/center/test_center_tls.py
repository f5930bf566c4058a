"""Who may talk to the center: mutual TLS against the fleet CA, the kiosk named by its verified
certificate, revocation read live, tokens and sessions bound to the kiosk; TLS versions."""
from __future__ import annotations

import logging
import secrets
import socket
import ssl
from dataclasses import replace

import grpc
import pytest
from center_kit import (  # noqa: F401  (fixtures)
    NOW, cards, center_data, client, fleet, kiosk_a, serve_demo_center, served,
)

from center.api import center_pb2 as pb
from center.api import center_pb2_grpc as pb_grpc
from center.api.client import CenterUnavailable, GrpcCenter
from center.api.server import ServerTls, serve
from center.cli import build_demo_center
from center.fleet import FleetError, RevocationList, read_revoked
from kiosk.clock import ManualClock
from kiosk.kinds import CertificateKind
from kiosk.ports.center import Issued, IssueRefused

QUICK = {"deadline": 1.0, "attempt_timeout": 0.5, "backoff_initial": 0.05, "backoff_max": 0.2}


def _still_serving(served, fleet) -> None:
    good = client(served.address, fleet.kiosks["KIOSK-B"], **QUICK)
    try:
        assert len(good.new_challenge().nonce) == 32
    finally:
        good.close()


def _refused(make, served, fleet, code: str) -> CenterUnavailable:
    bad = make()
    try:
        with pytest.raises(CenterUnavailable) as caught:
            bad.new_challenge()
    finally:
        bad.close()
    assert caught.value.code == code, caught.value
    _still_serving(served, fleet)  # the server keeps serving everyone else
    return caught.value


def test_the_kiosk_is_named_by_its_verified_certificate(served, fleet, caplog):
    caplog.set_level(logging.DEBUG, logger="center.api.server")  # each call is logged at debug
    c = client(served.address, fleet.kiosks["KIOSK-B"])
    try:
        c.new_challenge()
    finally:
        c.close()
    assert any(r.getMessage() == "NewChallenge from KIOSK-B" for r in caplog.records)


def test_a_client_certificate_from_another_ca_fails_the_handshake(served, fleet):
    stranger = fleet.stranger  # same kiosk id, another fleet's CA
    _refused(lambda: GrpcCenter(served.address, ca_pem=fleet.kiosks["KIOSK-A"].ca.read_bytes(),
                                cert_pem=stranger.cert.read_bytes(), key_pem=stranger.key.read_bytes(), **QUICK),
             served, fleet, "UNAVAILABLE")


def test_a_kiosk_that_trusts_another_ca_does_not_talk_to_this_center(served, fleet):
    _refused(lambda: client(served.address, fleet.stranger, **QUICK), served, fleet, "UNAVAILABLE")


def test_an_expired_client_certificate_fails_the_handshake(served, fleet):
    _refused(lambda: client(served.address, fleet.expired, **QUICK), served, fleet, "UNAVAILABLE")


def test_a_revoked_client_certificate_is_refused_on_every_call(served, fleet):
    error = _refused(lambda: client(served.address, fleet.kiosks["KIOSK-GONE"], **QUICK), served, fleet,
                     "UNAUTHENTICATED")
    assert "revoked" in error.detail


def test_revoking_a_connected_kiosk_takes_effect_on_its_next_call(served, fleet):
    late = client(served.address, fleet.kiosks["KIOSK-LATE"], **QUICK)
    try:
        late.new_challenge()
        assert fleet.fleet.revoke_kiosk("KIOSK-LATE")
        assert fleet.fleet.revoke_kiosk("KIOSK-LATE") == ()  # twice: nothing new
        with pytest.raises(CenterUnavailable) as caught:
            late.catalog()
        assert caught.value.code == "UNAUTHENTICATED"
    finally:
        late.close()
    _still_serving(served, fleet)


def _raw_call(channel: grpc.Channel) -> grpc.StatusCode:
    try:
        pb_grpc.IssuanceCenterStub(channel).NewChallenge(pb.NewChallengeRequest(), timeout=2)
    except grpc.RpcError as exc:
        return exc.code()
    finally:
        channel.close()
    return grpc.StatusCode.OK


def test_a_client_without_a_certificate_fails_the_handshake(served, fleet):
    ca = fleet.kiosks["KIOSK-A"].ca.read_bytes()
    assert _raw_call(grpc.secure_channel(served.address, grpc.ssl_channel_credentials(ca))) is grpc.StatusCode.UNAVAILABLE
    _still_serving(served, fleet)


def test_a_plaintext_client_is_not_served(served, fleet):
    assert _raw_call(grpc.insecure_channel(served.address)) is grpc.StatusCode.UNAVAILABLE
    _still_serving(served, fleet)


# --- tokens and sessions belong to the kiosk that made them -----------------------------------------------
def test_an_identity_token_is_unknown_at_another_kiosk(served, fleet, kiosk_a, cards):
    identity = cards.login(kiosk_a)
    line = next(o for o in kiosk_a.offers(identity, "990001", NOW) if o.kind is CertificateKind.JUMINHYO).default_line
    other = client(served.address, fleet.kiosks["KIOSK-B"])
    try:
        assert other.offers(identity, "990001", NOW) == ()
        assert isinstance(other.issue(identity, secrets.token_hex(16), (line,), NOW), IssueRefused)
        other.end(identity)  # ends nothing: the session is still kiosk A's
    finally:
        other.close()
    assert kiosk_a.offers(identity, "990001", NOW)
    token, _, mac = identity.auth_token.rpartition(".")
    forged = replace(identity, auth_token=f"{token}.{'A' * len(mac)}")
    assert kiosk_a.offers(forged, "990001", NOW) == ()
    assert kiosk_a.offers(replace(identity, auth_token=token), "990001", NOW) == ()  # the center's bare token


def test_a_session_id_is_the_kiosks_own(served, fleet, kiosk_a, cards):
    """Kiosk B naming kiosk A's session and lines gets its own documents, never A's."""
    other = client(served.address, fleet.kiosks["KIOSK-B"])
    try:
        mine, theirs = cards.login(kiosk_a), cards.login(other, "sato-ichiro")
        line = next(o for o in kiosk_a.offers(mine, "990001", NOW) if o.kind is CertificateKind.JUMINHYO).default_line
        session = secrets.token_hex(16)
        a = kiosk_a.issue(mine, session, (line,), NOW)
        b = other.issue(theirs, session, (line,), NOW)
    finally:
        other.close()
    assert isinstance(a, Issued) and isinstance(b, Issued)
    assert a.documents[0].session_id == b.documents[0].session_id == session
    assert a.documents[0].issue_number != b.documents[0].issue_number


def test_requests_the_center_cannot_read_are_invalid_arguments(served, fleet):
    enrolled = fleet.kiosks["KIOSK-A"]
    credentials = grpc.ssl_channel_credentials(enrolled.ca.read_bytes(), enrolled.key.read_bytes(),
                                               enrolled.cert.read_bytes())
    with grpc.secure_channel(served.address, credentials) as channel:
        stub = pb_grpc.IssuanceCenterStub(channel)
        handle = pb.SessionHandle(auth_token="x.y", resident_ref="R-0001")
        bad = [
            lambda: stub.Issue(pb.IssueRequest(handle=handle, session_id="s", lines=b"nonsense", at=NOW.isoformat())),
            lambda: stub.Issue(pb.IssueRequest(handle=handle, session_id="s", lines=b"[]", at="yesterday")),
            lambda: stub.Issue(pb.IssueRequest(handle=handle, session_id="", lines=b"[]", at=NOW.isoformat())),
            lambda: stub.Offers(pb.OffersRequest(handle=handle, municipality_code="990001", at="")),
            lambda: stub.Report(pb.ReportRequest(session_id="s", issue_number="1")),  # no outcome
        ]
        for call in bad:
            with pytest.raises(grpc.RpcError) as caught:
                call()
            assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT


# --- TLS versions -------------------------------------------------------------------------------------------
def _handshake(address: str, enrolled, version: ssl.TLSVersion) -> str | None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = context.maximum_version = version
    context.load_verify_locations(cadata=enrolled.ca.read_text())
    context.load_cert_chain(enrolled.cert, enrolled.key)
    context.set_alpn_protocols(["h2"])
    host, _, port = address.rpartition(":")
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            return tls.version()


def test_tls_13_is_negotiated_and_12_still_completes_a_handshake(served, fleet):
    """What grpcio 1.85 allows (center/api/server.py): BoringSSL speaks 1.3 to whoever offers it,
    and cannot be told to refuse a 1.2 handshake. If this starts failing on TLSv1.2, grpcio
    learned to refuse it: set the minimum in ServerTls.credentials() and keep the test's word."""
    enrolled = fleet.kiosks["KIOSK-A"]
    assert _handshake(served.address, enrolled, ssl.TLSVersion.TLSv1_3) == "TLSv1.3"
    assert _handshake(served.address, enrolled, ssl.TLSVersion.TLSv1_2) == "TLSv1.2"


def test_calls_over_a_tls_version_not_allowed_are_refused(provisioned_dir, fleet, tmp_path):
    """The server reads the negotiated version from the auth context: a server that allowed
    only TLS 1.2 refuses our client, which always negotiates 1.3. (The center allows only 1.3.)"""
    center, closers = build_demo_center(center_data(provisioned_dir, tmp_path / "data"), clock=ManualClock(NOW))
    server = serve(center, "127.0.0.1:0", ServerTls.from_fleet(fleet.fleet.directory), tls_versions=frozenset({"TLSv1.2"}))
    c = client(f"127.0.0.1:{server.port}", fleet.kiosks["KIOSK-A"], **QUICK)
    try:
        with pytest.raises(CenterUnavailable) as caught:
            c.new_challenge()
        assert caught.value.code == "UNAUTHENTICATED" and "TLS 1.3" in caught.value.detail
    finally:
        c.close()
        server.stop(None)
        for close in closers:
            close()


# --- the revocation list itself -------------------------------------------------------------------------------
def test_a_damaged_revocation_list_refuses_everyone_until_fixed(tmp_path):
    path = tmp_path / "revoked.txt"
    path.write_text("# nothing yet\n")
    revoked = RevocationList(path)
    assert not revoked.is_revoked(0x1234)
    path.write_text("1234  # KIOSK-X\n")
    assert revoked.is_revoked(0x1234) and not revoked.is_revoked(0x99)
    path.write_text("1234\nnot a serial\n")
    with pytest.raises(FleetError):
        read_revoked(path)
    assert revoked.is_revoked(0x99)  # fail closed
    path.write_text("1234\n")
    assert not revoked.is_revoked(0x99)


def test_key_files_are_owner_only_and_certificates_readable(fleet):
    for path in (fleet.fleet.server_key, fleet.fleet.directory / "ca.key", fleet.kiosks["KIOSK-A"].key):
        assert path.stat().st_mode & 0o777 == 0o600, path
    for path in (fleet.fleet.ca_cert, fleet.fleet.server_cert, fleet.fleet.revoked_file, fleet.kiosks["KIOSK-A"].cert):
        assert path.stat().st_mode & 0o777 == 0o644, path
