"""An external PostgreSQL over TLS, as an operator configures it: the `external-tls` profile
(postgresql.enabled=false, externalDatabase.tls with verify-full and the CA from a Secret made
beforehand) pointed at a private TLS-only server, with that Secret holding its CA.

1. The right CA: the migration Jobs complete, the inventory and gateway pods pass their probes
   and serve load through the gateway with zero failed requests, and the server saw every
   connection of the release arrive over TLS.
2. A CA that did not sign the server's certificate: the inventory migration Job exits non-zero
   at once, its last line naming the failed verification, sslrootcert and the host name.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import yaml

from tests.contract.cluster import LocalCluster
from tests.contract.load import GapLoad
from tests.contract.manifests import CHART, Render, render
from tests.contract.report import REPORT
from tests.contract.rollout import start_ready
from tests.contract.secrets import complete, with_secret
from tests.contract.test_rehearsals import (
    UNLIMITED,
    _deployments,
    _gateway,
    _headers,
    _migrate,
    _pod,
)
from tests.support.services import IN_CI
from tests.support.tls_postgres import PG_BIN, TlsCluster, tls_cluster

PROFILE = "external-tls"
HOST = "localhost"  # a name the server's certificate holds, as the managed database's does
REQUESTS = 3000
# The wrong CA is refused in the TLS handshake; a Job still running after this has hung.
FAIL_FAST_SECONDS = 30


@pytest.fixture(scope="module")
def server() -> Iterator[TlsCluster]:
    if PG_BIN is None:
        if IN_CI:
            pytest.fail("initdb and pg_ctl are required when CI=true")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not installed")
    with tls_cluster() as started:
        yield started


def _admin_dsn(server: TlsCluster) -> str:
    # The harness creates each run's databases over TLS too (the server refuses plain text);
    # it needs no verification, the pods do their own.
    return f"postgresql://postgres@127.0.0.1:{server.port}/postgres?sslmode=require"


def _ca_secret_name() -> str:
    """The Secret the operator's values name for the CA, as they wrote it."""
    values = yaml.safe_load((CHART / "ci" / f"{PROFILE}-values.yaml").read_text())
    tls = values["externalDatabase"]["tls"]
    assert tls["enabled"] and tls["mode"] == "verify-full", tls
    return str(tls["existingSecret"])


def _render(server: TlsCluster, ca: Path) -> Render:
    r = render(
        PROFILE,
        "--set",
        f"externalDatabase.host={HOST}",
        "--set",
        f"externalDatabase.port={server.port}",
        *UNLIMITED,
    )
    return with_secret(complete(r), _ca_secret_name(), {"ca.crt": ca.read_text()})


def _cluster(r: Render, server: TlsCluster, tmp_path: Path) -> LocalCluster:
    cluster = LocalCluster(r, tmp_path)
    cluster.addresses.servers[f"{HOST}:{server.port}"] = _admin_dsn(server)
    return cluster


def _migration_job(r: Render, service: str) -> dict[str, Any]:
    (job,) = [
        j
        for j in r.kind("Job")
        if j["spec"]["template"]["spec"]["containers"][0].get("args", [])[:2]
        == ["migrate", service]
    ]
    return job


async def _client_connections(server: TlsCluster, run_id: str) -> list[tuple[str, bool]]:
    """(database, ssl) of every client connection the server holds for this run's databases."""
    conn = await asyncpg.connect(_admin_dsn(server))
    try:
        rows = await conn.fetch(
            "SELECT a.datname, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) "
            "WHERE a.backend_type = 'client backend' AND a.datname LIKE '%' || $1",
            f"_{run_id}",
        )
    finally:
        await conn.close()
    return [(row["datname"], bool(row["ssl"])) for row in rows]


def test_verify_full_with_the_operators_ca_serves_load(server: TlsCluster, tmp_path: Path) -> None:
    r = _render(server, server.ca_cert)
    cluster = _cluster(r, server, tmp_path)
    try:
        _migrate(cluster, "inventory", "gateway")
        inventory = _deployments(r, "inventory")[0]
        pod = _pod(cluster, inventory, 0)
        # The URL the chart built, with the CA file as the pod sees it: the operator's PEM.
        url = pod.env["ERP_DATABASE_URL"]
        assert url.startswith(f"postgresql://erp_inventory@{HOST}:{server.port}/"), url
        assert "sslmode=verify-full" in url and "sslrootcert=" in url, url
        rootcert = Path(url.split("sslrootcert=", 1)[1].split("&", 1)[0])
        assert rootcert.read_text() == server.ca_cert.read_text()
        start_ready(pod)
        cluster.route_services_to_pods()  # the gateway reaches inventory through its Service
        gateway = _gateway(cluster)
        load = GapLoad(
            f"http://127.0.0.1:{gateway.ports['http']}/api/inventory/items", _headers(gateway)
        )
        load.start()
        try:
            load.run_until(REQUESTS)
        finally:
            load.stop()
        seen = asyncio.run(_client_connections(server, cluster.addresses.run_id))
    finally:
        cluster.close()
    assert load.sent >= REQUESTS, (load.sent, load.statuses)
    assert load.failures == [], f"{load.statuses}\n{load.story()}"
    # The server holds the pods' pooled and listening connections: every one is TLS, and both
    # services' databases are among them.
    assert seen and all(ssl for _, ssl in seen), seen
    databases = {name.rsplit("_", 1)[0] for name, _ in seen}
    assert {"erp_inventory", "erp_gateway"} <= databases, seen
    REPORT.rehearsal(
        "tls",
        PROFILE,
        "inventory",
        load.sent,
        len(load.failures),
        f"verify-full against the operator's CA; {len(seen)} server connections, all TLS",
        gap=load.longest_gap,
    )


def test_a_ca_that_did_not_sign_the_server_fails_in_one_line(
    server: TlsCluster, tmp_path: Path
) -> None:
    r = _render(server, server.other_ca_cert)
    cluster = _cluster(r, server, tmp_path)
    try:
        started = time.monotonic()
        code, log = cluster.run_job(_migration_job(r, "inventory"), timeout=FAIL_FAST_SECONDS)
        elapsed = time.monotonic() - started
    finally:
        cluster.close()
    assert code > 0, f"exit {code} after {elapsed:.1f}s (-1: still running at the timeout)\n{log}"
    last = [line for line in log.splitlines() if line.strip()][-1]
    assert last.startswith("erp migrate inventory: ERP_DATABASE_URL: "), log
    assert f"the certificate of {HOST}:{server.port} failed verification" in last, last
    assert "(sslmode=verify-full)" in last and "sslrootcert" in last, last
    assert "host name" in last, last
