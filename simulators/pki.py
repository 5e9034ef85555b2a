"""A test PKI standing in for the ROC "cercle de confiance": CA, server certificate, one client per FINESS.

Also negative material: an expired client certificate and one issued by another CA, so a GAP (or the bench
itself) can prove that unknown and expired certificates are refused. Built with `cryptography`.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from simulators import clock


@dataclass(frozen=True)
class PkiPaths:
    root: Path

    @property
    def ca_cert(self) -> Path:
        return self.root / "ca.pem"

    @property
    def server_cert(self) -> Path:
        return self.root / "server.pem"

    @property
    def server_key(self) -> Path:
        return self.root / "server-key.pem"

    def client(self, name: str) -> tuple[Path, Path]:
        return self.root / "clients" / f"{name}.pem", self.root / "clients" / f"{name}-key.pem"


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str, organisation: str = "simphonie-bench test PKI") -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _write(path: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey | None = None,
           key_path: Path | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None and key_path is not None:
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        key_path.chmod(0o600)


def _ca(common_name: str, now: dt.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name)).issuer_name(_name(common_name))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _leaf(subject: x509.Name, issuer: x509.Certificate, issuer_key: ec.EllipticCurvePrivateKey, *,
          not_before: dt.datetime, not_after: dt.datetime, server: bool,
          hosts: tuple[str, ...] = ()) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(issuer.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage(
            [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    )
    if hosts:
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256()), key


def client_subject(finess: str, label: str = "") -> x509.Name:
    """Client certificates carry the FINESS as CN (and the establishment as O), compared as RFC 2253."""
    return _name(finess, organisation=label or f"Etablissement {finess}")


def generate_pki(root: str | Path, finess_list: list[str], *, hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "::1"),
                 now: dt.datetime | None = None) -> PkiPaths:
    """Write the whole test PKI under `root` and return where each file is."""
    now = now or clock.real_now()
    paths = PkiPaths(Path(root))
    paths.root.mkdir(parents=True, exist_ok=True)
    ca, ca_key = _ca("simphonie-bench test CA", now)
    _write(paths.ca_cert, ca)
    (paths.root / "ca-key.pem").write_bytes(ca_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (paths.root / "ca-key.pem").chmod(0o600)
    server, server_key = _leaf(_name("simphonie-bench server"), ca, ca_key, not_before=now - dt.timedelta(days=1),
                               not_after=now + dt.timedelta(days=825), server=True, hosts=hosts)
    _write(paths.server_cert, server, server_key, paths.server_key)
    for finess in finess_list:
        cert, key = _leaf(client_subject(finess), ca, ca_key, not_before=now - dt.timedelta(days=1),
                          not_after=now + dt.timedelta(days=825), server=False)
        _write(*paths.client(finess)[:1], cert, key, paths.client(finess)[1])
    if finess_list:
        expired, expired_key = _leaf(client_subject(finess_list[0]), ca, ca_key,
                                     not_before=now - dt.timedelta(days=400), not_after=now - dt.timedelta(days=30),
                                     server=False)
        _write(paths.client("expired")[0], expired, expired_key, paths.client("expired")[1])
        rogue_ca, rogue_key = _ca("another CA (not trusted by the bench)", now)
        rogue, rogue_leaf_key = _leaf(client_subject(finess_list[0]), rogue_ca, rogue_key,
                                      not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=825),
                                      server=False)
        _write(paths.client("wrong-ca")[0], rogue, rogue_leaf_key, paths.client("wrong-ca")[1])
    (paths.root / "README.txt").write_text(
        "Test PKI generated by `simphonie pki`. Never use it outside tests.\n"
        "ca.pem: trust anchor for the bench's server and clients.\n"
        "server.pem / server-key.pem: the bench's server certificate (localhost, 127.0.0.1, ::1).\n"
        "clients/<FINESS>.pem + -key.pem: one client certificate per FINESS (CN = FINESS).\n"
        "clients/expired.pem: expired; clients/wrong-ca.pem: issued by another CA. Both must be refused.\n",
        encoding="utf-8",
    )
    return paths


def finess_from_certificate(pem_or_der: bytes) -> str | None:
    """The FINESS a client certificate speaks for (its CN)."""
    cert = (x509.load_pem_x509_certificate(pem_or_der) if pem_or_der.lstrip().startswith(b"-----")
            else x509.load_der_x509_certificate(pem_or_der))
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else None
