"""A private PostgreSQL cluster that speaks only TLS, with a throwaway CA.

Managed databases (RDS, Cloud SQL, Azure) accept TLS connections only and sign their
certificates with their own CA; this cluster does the same on a free port: `pg_hba.conf`
rejects every connection that is not TLS, so a URL that silently fell back to plain text
could not connect at all.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _pg_bin() -> Path | None:
    for found in sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True):
        return found.parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


PG_BIN = _pg_bin()


@dataclass(frozen=True)
class TlsCluster:
    port: int
    ca_cert: Path  # the CA that signed the server's certificate
    other_ca_cert: Path  # a CA that did not
    client_cert: Path
    client_key: Path

    def url(self, host: str = "localhost", **query: str) -> str:
        params = "&".join(f"{k}={v}" for k, v in query.items())
        return f"postgresql://postgres@{host}:{self.port}/postgres" + (
            f"?{params}" if params else ""
        )


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[str, ec.EllipticCurvePrivateKey] | None = None,
    *,
    ca: bool = False,
    names: list[x509.GeneralName] | None = None,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    issuer_name, issuer_key = issuer or (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path: Path, data: bytes, mode: int = 0o644) -> Path:
    path.write_bytes(data)
    path.chmod(mode)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_postgres(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    # initdb and postgres refuse to run as root; CI machines run tests as root.
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(argv, check=True, capture_output=True, **kwargs)  # type: ignore[call-overload,no-any-return]


@contextlib.contextmanager
def tls_cluster() -> Iterator[TlsCluster]:
    """Start the cluster, yield how to reach it, stop it and remove its files."""
    assert PG_BIN is not None, "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
    root = Path(tempfile.mkdtemp(prefix="erp-tls-pg-"))
    try:
        ca_key, other_key, server_key, client_key = _key(), _key(), _key(), _key()
        ca = _certificate("erp test CA", ca_key, ca=True)
        other = _certificate("another CA", other_key, ca=True)
        server = _certificate(
            "localhost",
            server_key,
            ("erp test CA", ca_key),
            names=[x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
        )
        client = _certificate("postgres", client_key, ("erp test CA", ca_key))
        pem = serialization.Encoding.PEM
        tls = root / "tls"
        tls.mkdir()
        ca_path = _write(tls / "ca.crt", ca.public_bytes(pem))
        other_path = _write(tls / "other-ca.crt", other.public_bytes(pem))
        _write(tls / "server.crt", server.public_bytes(pem))
        _write(tls / "server.key", _pem_key(server_key), 0o600)
        client_cert = _write(tls / "client.crt", client.public_bytes(pem))
        client_key_path = _write(tls / "client.key", _pem_key(client_key), 0o600)
        data = root / "data"
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            root.chmod(0o755)
            for path in (root, tls, tls / "server.key", tls / "server.crt"):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        _as_postgres(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
            cwd=root,
        )
        port = _free_port()
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{root}'\nssl = on\n"
                f"ssl_cert_file = '{tls / 'server.crt'}'\nssl_key_file = '{tls / 'server.key'}'\n"
                f"ssl_ca_file = '{ca_path}'\nfsync = off\nmax_connections = 40\n"
            )
        (data / "pg_hba.conf").write_text(
            "local all all trust\n"
            "hostssl all all 127.0.0.1/32 trust\n"
            "hostnossl all all 127.0.0.1/32 reject\n"
        )
        _as_postgres(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(root / "server.log"),
                "-w",
                "start",
            ],
            cwd=root,
        )
        try:
            yield TlsCluster(port, ca_path, other_path, client_cert, client_key_path)
        finally:
            _as_postgres(
                [str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                cwd=root,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)
