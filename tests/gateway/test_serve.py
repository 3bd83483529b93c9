"""`erp serve gateway` keeps the platform's shutdown contract."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

import httpx
import pytest

from erp.gateway.main import SPEC as GATEWAY
from erp.gateway.serve import client_connection_limit
from erp.platform.db.migrations import upgrade
from tests.gateway.conftest import ADMIN_PASSWORD, start_gateway
from tests.support.processes import status_of, wait_until


def test_sigterm_turns_readyz_503_keeps_serving_then_exits_0(tmp_path: Path) -> None:
    cm, _ = start_gateway(
        tmp_path, upstream="http://127.0.0.1:9", redis_url=None, ERP_SHUTDOWN_DELAY_SECONDS="2"
    )
    with cm as gateway:
        gateway.wait_ready()
        gateway.terminate()
        assert wait_until(lambda: status_of(gateway.url + "/readyz") == 503, 1.0)
        assert httpx.get(gateway.url + "/healthz").status_code == 200  # still serving
        started = time.monotonic()
        assert gateway.proc.wait(timeout=15) == 0, gateway.log.read_text()[-2000:]
        assert time.monotonic() - started < 10


def test_bootstrap_admin_gets_a_generated_password_printed_once(tmp_path: Path) -> None:
    cm, _ = start_gateway(
        tmp_path, upstream="http://127.0.0.1:9", redis_url=None, ERP_ADMIN_PASSWORD=""
    )
    with cm as gateway:
        gateway.wait_ready()
        shown = "created user 'admin' with password"
        # Generated once the gateway listens, so shown after the start-up logs.
        assert wait_until(lambda: shown in gateway.log.read_text(), 10), gateway.log.read_text()
        log = gateway.log.read_text()
        assert log.index("gateway_listening") < log.index(shown)
        line = next(ln for ln in log.splitlines() if shown in ln)
        password = line.split("with password ", 1)[1].split(" ", 1)[0]
        r = httpx.post(
            gateway.url + "/auth/token", data={"username": "admin", "password": password}
        )
        assert r.status_code == 200, r.text


def test_a_gateway_started_before_its_schema_creates_the_admin_once_migrated(
    tmp_path: Path,
) -> None:
    """A first install starts the pods together with the migration Jobs: the gateway waits,
    unready, and the admin can sign in once the schema is there, without a restart."""
    cm, data = start_gateway(tmp_path, upstream="http://127.0.0.1:9", redis_url=None, migrate=False)
    with cm as gateway:
        assert wait_until(lambda: status_of(gateway.url + "/healthz") == 200, 20)
        assert status_of(gateway.url + "/readyz") == 503

        def signs_in() -> bool:
            r = httpx.post(
                gateway.url + "/auth/token",
                data={"username": "admin", "password": ADMIN_PASSWORD},
            )
            return r.status_code == 200

        assert not signs_in()
        upgrade(GATEWAY.migrations, f"sqlite+aiosqlite:///{data / 'gateway.db'}")
        assert wait_until(lambda: status_of(gateway.url + "/readyz") == 200, 20)
        assert wait_until(signs_in, 10), gateway.log.read_text()[-2000:]
        assert "bootstrap_admin_waiting" in gateway.log.read_text()


def test_socket_directory_fits_unix_path_limit_under_a_long_tmpdir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from erp.gateway.serve import _MAX_SOCKET_PATH, _socket_dir

    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    workdir = _socket_dir()
    try:
        assert len(str(workdir / "reporting.sock")) <= _MAX_SOCKET_PATH
    finally:
        workdir.rmdir()


def test_client_connection_limit_leaves_descriptors_for_upstreams() -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = client_connection_limit()
    assert 64 <= limit <= 10_000
    if soft != resource.RLIM_INFINITY and soft >= 128:
        assert limit <= soft // 2


@pytest.mark.skipif(not hasattr(os, "sched_getscheduler"), reason="Linux CPU policies only")
@pytest.mark.parametrize(("setting", "policy"), [(None, "SCHED_BATCH"), ("normal", "SCHED_OTHER")])
def test_cpu_policy_of_every_gateway_thread(
    tmp_path: Path, setting: str | None, policy: str
) -> None:
    extra = {"ERP_SCHED_POLICY": setting} if setting else {}
    cm, _ = start_gateway(tmp_path, upstream="http://127.0.0.1:9", redis_url=None, **extra)
    with cm as gateway:
        gateway.wait_ready()
        threads = [int(t.name) for t in Path(f"/proc/{gateway.proc.pid}/task").iterdir()]
        assert {os.sched_getscheduler(t) for t in threads} == {getattr(os, policy)}


def test_an_unknown_cpu_policy_is_refused_naming_the_setting(tmp_path: Path) -> None:
    cm, _ = start_gateway(
        tmp_path, upstream="http://127.0.0.1:9", redis_url=None, ERP_SCHED_POLICY="fifo"
    )
    with cm as gateway:
        assert gateway.proc.wait(timeout=20) != 0
        assert "ERP_SCHED_POLICY" in gateway.log.read_text()
