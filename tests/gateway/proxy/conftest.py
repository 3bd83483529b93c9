"""Fixtures: real backends, proxies on random ports, signed tokens, a reachable Redis."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import jwt
import pytest

from erp.gateway.proxy import GatewayProxy, JwtConfig, ProxyConfig, RateLimitConfig, RouteConfig
from tests.gateway.proxy.backends import EchoBackend

SECRET = "test-signing-key-that-is-long-enough-for-hs256"
REDIS_URL = os.environ.get("ERP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
NO_RATE_LIMIT = RateLimitConfig(enabled=False)


def make_token(
    sub: str = "alice",
    roles: list[str] | None = None,
    *,
    exp_in: float = 300,
    key: str = SECRET,
    algorithm: str = "HS256",
    **claims: Any,
) -> str:
    now = int(time.time())
    payload = {
        "sub": sub,
        "roles": ["admin"] if roles is None else roles,
        "iat": now,
        "exp": now + exp_in,
        "iss": "erp",
        "typ": "access",
        **claims,
    }
    return jwt.encode(payload, key, algorithm=algorithm)


def auth(token: str | None = None) -> dict[str, str]:
    return {"authorization": f"Bearer {token or make_token()}"}


def closed_port() -> int:
    """A TCP port on which nothing listens."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


@pytest.fixture
async def backend() -> AsyncIterator[EchoBackend]:
    b = await EchoBackend().start()
    yield b
    await b.stop()


ProxyFactory = Callable[..., Awaitable[GatewayProxy]]


@pytest.fixture
async def start_proxy() -> AsyncIterator[ProxyFactory]:
    """Start proxies with `ProxyConfig` keyword overrides; all are shut down afterwards."""
    started: list[GatewayProxy] = []

    async def start(**overrides: Any) -> GatewayProxy:
        overrides.setdefault("jwt", JwtConfig(secret=SECRET))
        overrides.setdefault("rate_limit", NO_RATE_LIMIT)
        proxy = GatewayProxy(ProxyConfig(**overrides))
        await proxy.start("127.0.0.1", 0)
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        await proxy.shutdown(timeout=1)


@pytest.fixture
async def proxy(start_proxy: ProxyFactory, backend: EchoBackend) -> GatewayProxy:
    """A proxy with /api/inventory/ and a fallback, both on the echo backend."""
    return await start_proxy(
        routes=(RouteConfig("/api/inventory/", backend.url),),
        fallback=backend.url,
    )


def base_url(proxy: GatewayProxy) -> str:
    return f"http://127.0.0.1:{proxy.port}"


@pytest.fixture
def redis_url() -> str:
    """The test Redis; required when CI=true, otherwise its absence skips the test."""
    host, port = "127.0.0.1", int(REDIS_URL.rsplit(":", 1)[1].split("/")[0])
    try:
        socket.create_connection((host, port), timeout=0.5).close()
    except OSError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required with CI=true but {REDIS_URL} is unreachable")
        pytest.skip(f"Redis at {REDIS_URL} is unreachable")
    return REDIS_URL


@pytest.fixture
def key_prefix() -> str:
    return f"erp:test:{uuid.uuid4().hex[:12]}:"
