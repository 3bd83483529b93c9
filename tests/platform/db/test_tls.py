"""ERP_DATABASE_URL with libpq's TLS options against a PostgreSQL that accepts only TLS."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from erp.platform.db import Database, normalise_url
from erp.platform.db.url import describe_connect_error
from tests.support.services import IN_CI
from tests.support.tls_postgres import PG_BIN, TlsCluster, tls_cluster


@pytest.fixture(scope="module")
def cluster() -> Iterator[TlsCluster]:
    if PG_BIN is None:
        if IN_CI:
            pytest.fail("initdb and pg_ctl are required when CI=true")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not installed")
    with tls_cluster() as started:
        yield started


async def _ssl_in_use(url: str) -> bool:
    db = Database(normalise_url(url, service="probe", data_dir=Path()), pool_size=1, max_overflow=0)
    try:
        async with db.read() as conn:
            row = await conn.execute(
                text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            )
            return bool(row.scalar())
    finally:
        await db.dispose()


async def test_require_connects_over_tls(cluster: TlsCluster) -> None:
    assert await _ssl_in_use(cluster.url(sslmode="require"))


async def test_verify_full_with_the_ca_connects(cluster: TlsCluster) -> None:
    url = cluster.url(sslmode="verify-full", sslrootcert=str(cluster.ca_cert))
    assert await _ssl_in_use(url)


async def test_client_certificates_are_presented(cluster: TlsCluster) -> None:
    url = cluster.url(
        sslmode="verify-full",
        sslrootcert=str(cluster.ca_cert),
        sslcert=str(cluster.client_cert),
        sslkey=str(cluster.client_key),
        application_name="erp-tls-test",
    )
    db = Database(normalise_url(url, service="probe", data_dir=Path()), pool_size=1, max_overflow=0)
    try:
        async with db.read() as conn:
            row = await conn.execute(
                text(
                    "SELECT s.client_dn, a.application_name FROM pg_stat_ssl s "
                    "JOIN pg_stat_activity a USING (pid) WHERE pid = pg_backend_pid()"
                )
            )
            client_dn, application_name = row.one()
    finally:
        await db.dispose()
    assert client_dn == "/CN=postgres" and application_name == "erp-tls-test"


async def test_disable_is_refused_by_a_tls_only_server(cluster: TlsCluster) -> None:
    with pytest.raises(Exception, match=r"no encryption|rejected"):
        await _ssl_in_use(cluster.url(sslmode="disable"))


async def test_a_certificate_from_another_ca_fails_with_one_line(cluster: TlsCluster) -> None:
    url = cluster.url(sslmode="verify-full", sslrootcert=str(cluster.other_ca_cert))
    with pytest.raises(Exception) as caught:
        await _ssl_in_use(url)
    line = describe_connect_error(caught.value, url)
    assert line is not None and "\n" not in line
    assert line.startswith(f"ERP_DATABASE_URL: the certificate of localhost:{cluster.port}")
    assert "(sslmode=verify-full): self-signed certificate in certificate chain" in line


async def test_a_host_name_not_in_the_certificate_fails_verify_full(cluster: TlsCluster) -> None:
    # The certificate names localhost and 127.0.0.1; 127.0.0.2 reaches the same server.
    url = cluster.url(host="127.0.0.2", sslmode="verify-full", sslrootcert=str(cluster.ca_cert))
    with pytest.raises(Exception) as caught:
        await _ssl_in_use(url)
    line = describe_connect_error(caught.value, url)
    assert line is not None and "127.0.0.2" in line
    # verify-ca checks the chain only, as libpq does.
    same = cluster.url(host="127.0.0.1", sslmode="verify-ca", sslrootcert=str(cluster.ca_cert))
    assert await _ssl_in_use(same)


def _erp(*args: str, url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ERP_")}
    env.update(ERP_DATABASE_URL=url, ERP_DATA_DIR=str(tmp_path), ERP_LOG_FORMAT="json")
    return subprocess.run(
        [sys.executable, "-m", "erp", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_erp_migrate_runs_over_verify_full(cluster: TlsCluster, tmp_path: Path) -> None:
    url = cluster.url(sslmode="verify-full", sslrootcert=str(cluster.ca_cert))
    done = _erp("migrate", "inventory", url=url, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr


def test_erp_migrate_with_the_wrong_ca_says_so_in_one_line(
    cluster: TlsCluster, tmp_path: Path
) -> None:
    url = cluster.url(sslmode="verify-full", sslrootcert=str(cluster.other_ca_cert))
    done = _erp("migrate", "inventory", url=url, tmp_path=tmp_path)
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "erp migrate inventory: ERP_DATABASE_URL: the certificate of localhost" in lines[0]
