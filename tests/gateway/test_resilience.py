"""A backend that is down or hangs: fast problem answers, an opening breaker, /status shows it,
and the gateway's own readiness does not follow the backend's (no Redis here: local fallbacks)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.gateway.conftest import bearer, start_gateway, token
from tests.support.processes import ErpProcess


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def dead_backend_gateway(tmp_path: Path) -> Iterator[ErpProcess]:
    cm, _ = start_gateway(tmp_path, upstream=f"http://127.0.0.1:{closed_port()}", redis_url=None)
    with cm as gateway:
        gateway.wait_ready()
        yield gateway


def test_a_down_backend_gives_problems_fast_and_opens_the_breaker(
    dead_backend_gateway: ErpProcess,
) -> None:
    headers = bearer(token("viewer"))
    with httpx.Client(base_url=dead_backend_gateway.url, timeout=10) as client:
        codes = []
        for _ in range(6):
            started = time.monotonic()
            r = client.get("/api/inventory/items", headers=headers)
            assert time.monotonic() - started < 2.5
            assert r.status_code == 503
            assert r.headers["content-type"] == "application/problem+json"
            codes.append(r.json()["type"].rsplit("/", 1)[-1])
        # Refused connections (a GET is retried once, so each counts two failures) until the
        # breaker opens after five; then the answer comes without trying.
        assert codes[0] == "upstream-unreachable" and codes[-1] == "upstream-unavailable"
        assert codes == sorted(codes, reverse=True)
        assert client.get("/api/inventory/items", headers=headers).headers["retry-after"] == "1"
        status = client.get("/status", headers=headers).json()
        assert status["status"] == "degraded"
        assert status["upstreams"]["inventory"]["breaker"] == "open"
        assert status["upstreams"]["inventory"]["ready"] is False
        assert client.get("/readyz").status_code == 200  # the gateway itself is fine


@pytest.fixture
def hanging_backend() -> Iterator[int]:
    """Accepts connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield int(server.getsockname()[1])


def test_a_hanging_backend_gives_504_within_the_timeout(
    tmp_path: Path, hanging_backend: int
) -> None:
    cm, _ = start_gateway(
        tmp_path,
        upstream=f"http://127.0.0.1:{hanging_backend}",
        redis_url=None,
        ERP_UPSTREAM_TIMEOUT_SECONDS="1",
    )
    with cm as gateway, httpx.Client(base_url=gateway.url, timeout=10) as client:
        gateway.wait_ready()
        started = time.monotonic()
        r = client.get("/api/inventory/items", headers=bearer(token("viewer")))
        assert r.status_code == 504
        assert r.json()["type"].endswith("/gateway-timeout")
        assert time.monotonic() - started < 3
