"""The kiosk fleet's PKI: the fleet CA, each kiosk's client certificate, the center's server
certificate, and revocation.

Every kiosk talks to the center over mutual TLS (center/api/): the center knows a kiosk by the
certificate the fleet CA issued it (CN = the kiosk id, extendedKeyUsage clientAuth), and the kiosk
knows the center by its server certificate (serverAuth, SAN localhost, 127.0.0.1, ::1 and the names
given). Keys are ECDSA P-256: BoringSSL (inside gRPC) accepts them on both sides, and they are
quick to make. Private keys are written owner-only (0600) from their first byte.

A fleet directory holds::

    ca.pem  ca.key           the fleet CA (keep ca.key offline once the fleet is enrolled)
    server.pem  server.key   the center's certificate and key
    kiosks.json              every certificate enrolled: kiosk id -> serials (for revoke_kiosk)
    revoked.txt              revoked serials, one hex serial a line (# comments allowed)

gRPC's Python server takes no CRL, so revocation is the center's own check: after the handshake
it refuses every call from a certificate whose serial is in ``revoked.txt``, a file it re-reads
whenever it changes (``RevocationList``). A revoked kiosk is refused from its next call on,
without restarting the center.
"""
from __future__ import annotations

import ipaddress
import json
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_CERT = "ca.pem"
CA_KEY = "ca.key"
SERVER_CERT = "server.pem"
SERVER_KEY = "server.key"
KIOSKS = "kiosks.json"
REVOKED = "revoked.txt"
# what enroll_kiosk writes into the kiosk's directory ([options.center] ca, cert, key name them)
KIOSK_CERT = "kiosk.pem"
KIOSK_KEY = "kiosk.key"
KIOSK_CA = "ca.pem"

CA_VALIDITY_DAYS = 10 * 365
SERVER_VALIDITY_DAYS = 825
KIOSK_VALIDITY_DAYS = 397
_CLOCK_SKEW = timedelta(minutes=5)  # not-before a little in the past: a kiosk whose clock is behind still connects
KIOSK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")  # the same rule as kiosk_id in kiosk.toml
_SERIAL_LINE = re.compile(r"^[0-9a-f]{1,40}$")


class FleetError(RuntimeError):
    """A fleet directory or request that cannot be used; the message names what is wrong."""


@dataclass(frozen=True)
class Enrolled:
    kiosk_id: str
    serial: int
    not_after: datetime
    cert: Path
    key: Path
    ca: Path


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _write_private(path: Path, data: bytes) -> None:
    """Owner-only from the first byte: never readable by others, even briefly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # O_CREAT's mode does not apply to a file that already existed
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _write_atomic(path: Path, data: bytes) -> None:
    """A public file (certificates, lists): readers such as the running center see the old file or
    the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes it owner-only: these hold no secret
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _subject_key_id(key: ec.EllipticCurvePrivateKey) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(key.public_key())


def _issue(ca_cert: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, subject: x509.Name,
           key: ec.EllipticCurvePrivateKey, not_before: datetime, not_after: datetime,
           usage: x509.ObjectIdentifier, names: list[x509.GeneralName]) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(_subject_key_id(key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


class Fleet:
    """One fleet directory: its CA, the center's certificate, the kiosks enrolled and revoked."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    # --- paths
    @property
    def ca_cert(self) -> Path:
        return self.directory / CA_CERT

    @property
    def server_cert(self) -> Path:
        return self.directory / SERVER_CERT

    @property
    def server_key(self) -> Path:
        return self.directory / SERVER_KEY

    @property
    def revoked_file(self) -> Path:
        return self.directory / REVOKED

    # --- making
    @classmethod
    def init(cls, directory: Path, *, server_names: tuple[str, ...] = (), now: datetime | None = None,
             ca_days: int = CA_VALIDITY_DAYS, server_days: int = SERVER_VALIDITY_DAYS,
             common_name: str = "konbini kiosk fleet CA") -> "Fleet":
        """A new fleet CA and the center's server certificate; refuses a directory that has a CA."""
        fleet = cls(directory)
        if (fleet.directory / CA_KEY).exists() or fleet.ca_cert.exists():
            raise FleetError(f"{fleet.directory}: already holds a fleet CA; nothing was changed")
        start = _now(now)
        key = _new_key()
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        ca = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start - _CLOCK_SKEW)
            .not_valid_after(start + timedelta(days=ca_days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(_subject_key_id(key), critical=False)
            .sign(key, hashes.SHA256())
        )
        fleet.directory.mkdir(parents=True, exist_ok=True)
        _write_private(fleet.directory / CA_KEY, _key_pem(key))
        _write_atomic(fleet.ca_cert, _cert_pem(ca))
        _write_atomic(fleet.directory / KIOSKS, b"{}\n")
        if not fleet.revoked_file.exists():
            _write_atomic(fleet.revoked_file, b"# revoked kiosk certificates: one hex serial a line\n")
        fleet.issue_server_certificate(server_names, now=now, days=server_days)
        return fleet

    def _ca(self) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        try:
            cert = x509.load_pem_x509_certificate(self.ca_cert.read_bytes())
            key = serialization.load_pem_private_key((self.directory / CA_KEY).read_bytes(), password=None)
        except FileNotFoundError as exc:
            raise FleetError(f"{self.directory}: no fleet CA ({Path(exc.filename or '').name} missing): "
                             "run `kiosk-center init-fleet DIR` first") from None
        except ValueError:
            raise FleetError(f"{self.directory}: the fleet CA files cannot be read") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise FleetError(f"{self.directory}: the fleet CA key is not an EC key")
        return cert, key

    def issue_server_certificate(self, names: tuple[str, ...] = (), *, now: datetime | None = None,
                                 days: int = SERVER_VALIDITY_DAYS) -> Path:
        """The center's certificate (serverAuth), valid for localhost, 127.0.0.1, ::1 and ``names``."""
        ca_cert, ca_key = self._ca()
        start = _now(now)
        key = _new_key()
        wanted = ["localhost", "127.0.0.1", "::1", *names]
        sans = [_general_name(n) for n in dict.fromkeys(wanted)]
        cert = _issue(ca_cert, ca_key, x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "konbini issuance center")]),
                      key, start - _CLOCK_SKEW, start + timedelta(days=days), ExtendedKeyUsageOID.SERVER_AUTH, sans)
        _write_private(self.server_key, _key_pem(key))
        _write_atomic(self.server_cert, _cert_pem(cert))
        return self.server_cert

    def enroll_kiosk(self, kiosk_id: str, out_dir: Path, *, days: int = KIOSK_VALIDITY_DAYS,
                     now: datetime | None = None) -> Enrolled:
        """A client certificate for one kiosk (CN = ``kiosk_id``, clientAuth) with its key and the
        fleet CA, written into ``out_dir``; recorded so ``revoke_kiosk`` can find it."""
        if not KIOSK_ID.fullmatch(kiosk_id):
            raise FleetError("kiosk id: letters, digits, '_', '.' and '-' (at most 32), as kiosk_id in kiosk.toml")
        if days <= 0:
            raise FleetError("validity: at least one day")
        ca_cert, ca_key = self._ca()
        start = _now(now)
        key = _new_key()
        not_after = start + timedelta(days=days)
        cert = _issue(ca_cert, ca_key, x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, kiosk_id)]), key,
                      start - _CLOCK_SKEW, not_after, ExtendedKeyUsageOID.CLIENT_AUTH, [])
        out = Path(out_dir)
        _write_private(out / KIOSK_KEY, _key_pem(key))
        _write_atomic(out / KIOSK_CERT, _cert_pem(cert))
        _write_atomic(out / KIOSK_CA, _cert_pem(ca_cert))
        with _registry_lock:
            kiosks = self._kiosks()
            kiosks.setdefault(kiosk_id, []).append({"serial": format(cert.serial_number, "x"),
                                                    "not_after": not_after.isoformat()})
            _write_atomic(self.directory / KIOSKS, (json.dumps(kiosks, indent=1, sort_keys=True) + "\n").encode())
        return Enrolled(kiosk_id, cert.serial_number, not_after, out / KIOSK_CERT, out / KIOSK_KEY, out / KIOSK_CA)

    def revoke_kiosk(self, kiosk_id: str) -> tuple[int, ...]:
        """Revoke every certificate enrolled for ``kiosk_id``; the running center refuses it from
        its next call on. Returns the serials newly revoked (none when all already were)."""
        with _registry_lock:
            enrolled = self._kiosks().get(kiosk_id)
            if not enrolled:
                raise FleetError(f"kiosk {kiosk_id!r} was never enrolled in this fleet")
            serials = [int(entry["serial"], 16) for entry in enrolled]
            return self.revoke_serials(serials, note=kiosk_id)

    def revoke_serials(self, serials: list[int], *, note: str = "") -> tuple[int, ...]:
        already = read_revoked(self.revoked_file)
        new = tuple(s for s in dict.fromkeys(serials) if s not in already)
        if not new:
            return ()
        text = self.revoked_file.read_text(encoding="ascii") if self.revoked_file.exists() else ""
        if text and not text.endswith("\n"):
            text += "\n"
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        comment = re.sub(r"[^A-Za-z0-9_.-]", "", note)
        text += "".join(f"{s:x}  # {comment} {stamp}\n" for s in new)
        _write_atomic(self.revoked_file, text.encode("ascii"))
        return new

    def _kiosks(self) -> dict[str, list[dict[str, str]]]:
        path = self.directory / KIOSKS
        if not path.exists():
            if not self.ca_cert.exists():
                raise FleetError(f"{self.directory}: no fleet CA: run `kiosk-center init-fleet DIR` first")
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise FleetError(f"{path}: not the fleet's list of enrolled kiosks") from None
        if not isinstance(data, dict):
            raise FleetError(f"{path}: not the fleet's list of enrolled kiosks")
        return data


_registry_lock = threading.Lock()


def init_fleet(directory: Path, server_names: tuple[str, ...] = ()) -> Fleet:
    return Fleet.init(directory, server_names=server_names)


def enroll_kiosk(kiosk_id: str, out_dir: Path, fleet_dir: Path, days: int = KIOSK_VALIDITY_DAYS) -> Enrolled:
    return Fleet(fleet_dir).enroll_kiosk(kiosk_id, out_dir, days=days)


def revoke_kiosk(kiosk_id: str, fleet_dir: Path) -> tuple[int, ...]:
    return Fleet(fleet_dir).revoke_kiosk(kiosk_id)


def read_revoked(path: Path) -> frozenset[int]:
    """The serials in a revocation file; a line that is not a hex serial stops with FleetError
    (a damaged list must not quietly let a revoked kiosk back in)."""
    if not path.exists():
        return frozenset()
    serials = set()
    for number, raw in enumerate(path.read_text(encoding="ascii", errors="replace").splitlines(), 1):
        line = raw.split("#", 1)[0].strip().lower()
        if not line:
            continue
        if not _SERIAL_LINE.fullmatch(line):
            raise FleetError(f"{path}:{number}: not a hex certificate serial")
        serials.add(int(line, 16))
    return frozenset(serials)


class RevocationList:
    """The revoked serials as the running center sees them: the file is read again whenever its
    modification time, size or inode changes. A file that becomes unreadable keeps refusing
    what was revoked before and refuses everyone until it is fixed (fail closed)."""

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._serials: frozenset[int] = frozenset()
        self._broken = False
        self.refresh()

    def refresh(self) -> None:
        try:
            st = self._path.stat()
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        except FileNotFoundError:
            stamp = (0, 0, 0)
        with self._lock:
            if stamp == self._stamp:
                return
            try:
                serials = read_revoked(self._path)
            except (FleetError, OSError):
                self._broken = True
                self._stamp = None  # try again next time
                return
            self._serials, self._stamp, self._broken = serials, stamp, False

    def is_revoked(self, serial: int) -> bool:
        self.refresh()
        with self._lock:
            return self._broken or serial in self._serials
