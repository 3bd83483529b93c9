"""Rate limits shared through Redis between proxies; a local fallback when Redis is gone."""

from __future__ import annotations

import asyncio

import httpx
from prometheus_client import REGISTRY

from erp.gateway.proxy import GatewayProxy, RateLimitConfig, RouteConfig
from tests.gateway.proxy.backends import EchoBackend
from tests.gateway.proxy.conftest import ProxyFactory, auth, base_url, closed_port


async def limited_proxy(
    start_proxy: ProxyFactory, backend: EchoBackend, redis_url: str, prefix: str, burst: int
) -> GatewayProxy:
    limits = RateLimitConfig(
        redis_url=redis_url,
        key_prefix=prefix,
        user_rate=0.01,
        user_burst=burst,
        ip_rate=1000,
        ip_burst=1000,
    )
    return await start_proxy(
        routes=(RouteConfig("/api/inventory/", backend.url),),
        fallback=backend.url,
        rate_limit=limits,
    )


async def test_over_the_limit_gets_429_with_headers(
    start_proxy: ProxyFactory, backend: EchoBackend, redis_url: str, key_prefix: str
) -> None:
    proxy = await limited_proxy(start_proxy, backend, redis_url, key_prefix, burst=3)
    async with httpx.AsyncClient(base_url=base_url(proxy)) as client:
        answers = [await client.get("/api/inventory/x", headers=auth()) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.headers["ratelimit-remaining"] for r in answers] == ["2", "1", "0", "0"]
    assert all(r.headers["ratelimit-limit"] == "3" for r in answers)
    refused = answers[-1]
    assert int(refused.headers["retry-after"]) >= 1
    assert int(refused.headers["ratelimit-reset"]) >= 1
    assert refused.json()["type"] == "https://erp.example/problems/rate-limited"


async def test_limit_is_shared_between_two_proxies(
    start_proxy: ProxyFactory, backend: EchoBackend, redis_url: str, key_prefix: str
) -> None:
    one = await limited_proxy(start_proxy, backend, redis_url, key_prefix, burst=4)
    two = await limited_proxy(start_proxy, backend, redis_url, key_prefix, burst=4)
    codes = []
    async with httpx.AsyncClient() as client:
        for proxy in (one, two, one, two, one, two):
            r = await client.get(base_url(proxy) + "/api/inventory/x", headers=auth())
            codes.append(r.status_code)
    assert codes == [200, 200, 200, 200, 429, 429]


async def test_unreachable_redis_falls_back_to_local_buckets(
    start_proxy: ProxyFactory, backend: EchoBackend, key_prefix: str
) -> None:
    dead = f"redis://127.0.0.1:{closed_port()}/0"
    proxy = await limited_proxy(start_proxy, backend, dead, key_prefix, burst=2)
    assert REGISTRY.get_sample_value("erp_gateway_ratelimit_fallback") == 1
    async with httpx.AsyncClient(base_url=base_url(proxy)) as client:
        codes = [(await client.get("/api/inventory/x", headers=auth())).status_code
                 for _ in range(3)]  # fmt: skip
    assert codes == [200, 200, 429]


async def test_fallback_gauge_returns_to_zero_when_redis_is_back(
    start_proxy: ProxyFactory, backend: EchoBackend, redis_url: str, key_prefix: str
) -> None:
    port = closed_port()
    proxy = await start_proxy(
        fallback=backend.url,
        rate_limit=RateLimitConfig(
            redis_url=f"redis://127.0.0.1:{port}/0", key_prefix=key_prefix, reconnect_interval=0.1
        ),
    )
    assert proxy.core is not None and proxy.core.limiter is not None
    assert proxy.core.limiter.fallback
    # A stand-in Redis appears on that port: forward bytes to the real one.
    host, real_port = "127.0.0.1", int(redis_url.rsplit(":", 1)[1].split("/")[0])

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        r2, w2 = await asyncio.open_connection(host, real_port)

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            while data := await src.read(65536):
                dst.write(data)
            dst.close()

        await asyncio.gather(pump(reader, w2), pump(r2, writer), return_exceptions=True)

    server = await asyncio.start_server(relay, host, port)
    try:
        for _ in range(50):
            if not proxy.core.limiter.fallback:
                break
            await asyncio.sleep(0.05)
        assert not proxy.core.limiter.fallback
        assert REGISTRY.get_sample_value("erp_gateway_ratelimit_fallback") == 0
    finally:
        server.close()
