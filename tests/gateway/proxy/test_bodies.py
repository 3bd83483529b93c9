"""Large bodies stream through intact in both directions; oversized bodies get 413."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import httpx

from erp.gateway.proxy import GatewayProxy, RouteConfig
from tests.gateway.proxy.backends import EchoBackend, pattern
from tests.gateway.proxy.conftest import ProxyFactory, auth, base_url

MIB = 1024 * 1024


async def chunks(data: bytes, size: int = 100_000) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def big_proxy(start_proxy: ProxyFactory, backend: EchoBackend) -> GatewayProxy:
    return await start_proxy(
        routes=(
            RouteConfig("/api/files/", backend.url, max_body_bytes=16 * MIB),
            RouteConfig("/api/inventory/", backend.url),
        ),
        fallback=backend.url,
    )


async def test_large_chunked_request_body_arrives_intact(
    start_proxy: ProxyFactory, backend: EchoBackend
) -> None:
    proxy = await big_proxy(start_proxy, backend)
    data = pattern(5 * MIB + 17)
    async with httpx.AsyncClient(base_url=base_url(proxy), timeout=30) as client:
        r = await client.post("/api/files/echo", content=chunks(data), headers=auth())
    assert r.status_code == 200
    doc = r.json()
    assert doc["body_size"] == len(data)
    assert doc["body_sha256"] == hashlib.sha256(data).hexdigest()
    assert ["transfer-encoding", "chunked"] in doc["headers"]


async def test_large_content_length_request_body_arrives_intact(
    start_proxy: ProxyFactory, backend: EchoBackend
) -> None:
    proxy = await big_proxy(start_proxy, backend)
    data = pattern(3 * MIB)
    async with httpx.AsyncClient(base_url=base_url(proxy), timeout=30) as client:
        r = await client.put("/api/files/echo", content=data, headers=auth())
    assert r.json()["body_sha256"] == hashlib.sha256(data).hexdigest()


async def test_large_chunked_response_streams_back_intact(proxy: GatewayProxy) -> None:
    size = 6 * MIB + 5
    digest, got = hashlib.sha256(), 0
    async with (
        httpx.AsyncClient(base_url=base_url(proxy), timeout=30) as client,
        client.stream("GET", f"/api/inventory/stream?size={size}", headers=auth()) as r,
    ):
        assert r.headers["transfer-encoding"] == "chunked"
        async for part in r.aiter_raw():
            digest.update(part)
            got += len(part)
    assert got == size and digest.hexdigest() == hashlib.sha256(pattern(size)).hexdigest()


async def test_body_over_the_default_limit_gets_413(proxy: GatewayProxy) -> None:
    async with httpx.AsyncClient(base_url=base_url(proxy), timeout=30) as client:
        by_length = await client.post("/api/inventory/x", content=b"x" * (MIB + 1), headers=auth())
        chunked = await client.post(
            "/api/inventory/x", content=chunks(b"x" * (2 * MIB)), headers=auth()
        )
        fine = await client.post("/api/inventory/x", content=b"x" * MIB, headers=auth())
    for r in (by_length, chunked):
        assert r.status_code == 413
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["type"] == "https://erp.example/problems/payload-too-large"
    assert fine.status_code == 200


async def test_body_limit_is_per_route(start_proxy: ProxyFactory, backend: EchoBackend) -> None:
    proxy = await start_proxy(
        routes=(RouteConfig("/api/tiny/", backend.url, max_body_bytes=100),),
        fallback=backend.url,
    )
    async with httpx.AsyncClient(base_url=base_url(proxy)) as client:
        tiny = await client.post("/api/tiny/x", content=b"x" * 101, headers=auth())
        other = await client.post("/elsewhere", content=b"x" * 101)
    assert tiny.status_code == 413 and other.status_code == 200
