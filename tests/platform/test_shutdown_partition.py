"""Shutdown stays bounded when PostgreSQL and Redis go silent mid-load (a failover or a
partition, which is when pods are replaced): exit 0 inside the grace period, as a kubelet
would allow it."""

from __future__ import annotations

import asyncio
import importlib
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from erp.platform.auth import mint_token
from tests.support.blackhole import blackhole
from tests.support.processes import erp_process
from tests.support.services import PG_HOST, PG_PORT, REDIS_HOST, REDIS_PORT

SECRET = "partition-test-secret-0123456789-0123456789"
DELAY, DRAIN = 1.0, 3.0
# The chart's grace period: preStop sleep (here the app's own delay) + drain + margin.
GRACE_SECONDS = DELAY + DRAIN + 5


def _load(url: str, token: str, stop: threading.Event) -> None:
    """Keep requests going that touch the database; they hang once it goes silent."""

    def one() -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                try:
                    client.get(url, headers={"Authorization": f"Bearer {token}"})
                except httpx.HTTPError:
                    time.sleep(0.05)

    for _ in range(4):
        threading.Thread(target=one, daemon=True).start()


@pytest.mark.parametrize(
    ("service", "path"), [("inventory", "/items"), ("reporting", "/reports/trial-balance")]
)
def test_sigterm_exits_zero_in_the_grace_period_with_dependencies_silent(
    service: str, path: str, postgres: Any, redis_url: str, tmp_path: Path
) -> None:
    spec = importlib.import_module(f"erp.{service}.main").SPEC
    database = make_url(asyncio.run(postgres.fresh(spec)))
    with blackhole(PG_HOST, PG_PORT) as pg, blackhole(REDIS_HOST, REDIS_PORT) as redis:
        env = {
            "ERP_DATABASE_URL": database.set(port=pg.port).render_as_string(False),
            "ERP_REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
            "ERP_EVENT_TRANSPORT": "redis",
            "ERP_EVENT_STREAM_PREFIX": f"erp-partition-{uuid.uuid4().hex[:8]}",
            "ERP_JWT_SECRET": SECRET,
            "ERP_DATA_DIR": str(tmp_path),
            "ERP_SHUTDOWN_DELAY_SECONDS": str(DELAY),
            "ERP_DRAIN_TIMEOUT_SECONDS": str(DRAIN),
        }
        stop = threading.Event()
        with erp_process(["serve", service], env, tmp_path) as server:
            server.wait_ready(timeout=30)
            token = mint_token(SECRET, subject="t", roles=["admin"])
            _load(server.url + path, token, stop)
            time.sleep(1.0)
            pg.cut()
            redis.cut()
            time.sleep(1.0)  # requests, the relay and the consumers now wait on silence
            signalled = time.monotonic()
            server.terminate()
            try:
                server.proc.wait(timeout=GRACE_SECONDS)
            except Exception:
                pytest.fail(
                    f"still running {GRACE_SECONDS}s after SIGTERM (a kubelet would SIGKILL):\n"
                    + server.log.read_text()[-3000:]
                )
            finally:
                stop.set()
            elapsed = time.monotonic() - signalled
            assert server.proc.returncode == 0, server.log.read_text()[-3000:]
            assert elapsed < GRACE_SECONDS
