"""Malformed and slow clients: injection attempts, oversized heads, slowloris."""

from __future__ import annotations

import asyncio

import pytest

from erp.gateway.proxy import GatewayProxy
from tests.gateway.proxy.backends import EchoBackend
from tests.gateway.proxy.conftest import ProxyFactory


async def exchange_raw(port: int, data: bytes, *, wait: float = 5.0) -> bytes:
    """Send raw bytes; read until the proxy closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(), wait)
    finally:
        writer.close()


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET / HTTP/1.1\r\nHost: a\r\nX-Foo: bar\rX-Injected: 1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nX-Foo: bar\nX-Injected: 1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nX-Foo: bar\r\n X-Injected: 1\r\n\r\n",
        b"GET /a\r\nX-Injected: y HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nX-Foo: b\x00r\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        # Chunked not last: the end of the body cannot be known (RFC 9112 6.3).
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n3\r\nabc\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nabc",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}",
        # RFC 9112 3.2: an HTTP/1.1 request without Host, or with two, is answered 400.
        b"GET / HTTP/1.1\r\nX-A: 1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: evil.example\r\n\r\n",
    ],
    ids=[
        "bare-cr",
        "bare-lf",
        "obs-fold",
        "crlf-in-target",
        "nul",
        "cl-and-te",
        "te-not-chunked",
        "te-gzip",
        "two-content-lengths",
        "no-host",
        "two-hosts",
    ],
)
async def test_header_injection_is_rejected(
    proxy: GatewayProxy, backend: EchoBackend, request_bytes: bytes
) -> None:
    reply = await exchange_raw(proxy.port, request_bytes)
    assert reply.startswith(b"HTTP/1.1 400 ")
    assert b"application/problem+json" in reply
    assert backend.hits == 0


async def test_oversized_head_gets_431(start_proxy: ProxyFactory, backend: EchoBackend) -> None:
    proxy = await start_proxy(fallback=backend.url, max_header_bytes=1024)
    reply = await exchange_raw(proxy.port, b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 2000 + b"\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 431 ")
    assert backend.hits == 0


async def test_slow_headers_time_out_with_408(
    start_proxy: ProxyFactory, backend: EchoBackend
) -> None:
    proxy = await start_proxy(fallback=backend.url, header_timeout=0.3)
    reply = await exchange_raw(proxy.port, b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ")
    assert reply.startswith(b"HTTP/1.1 408 ")
    assert backend.hits == 0


async def test_silent_connection_is_closed(start_proxy: ProxyFactory, backend: EchoBackend) -> None:
    proxy = await start_proxy(fallback=backend.url, header_timeout=0.3)
    reply = await exchange_raw(proxy.port, b"")
    assert reply == b"" or reply.startswith(b"HTTP/1.1 408 ")


async def test_stalled_body_times_out(start_proxy: ProxyFactory, backend: EchoBackend) -> None:
    proxy = await start_proxy(fallback=backend.url, body_idle_timeout=0.3)
    reply = await exchange_raw(
        proxy.port, b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789"
    )
    assert reply == b"" or reply.startswith(b"HTTP/1.1 408 ")


async def test_pipelined_requests_are_answered_in_order(proxy: GatewayProxy) -> None:
    reqs = (
        b"".join(b"GET /p%d HTTP/1.1\r\nHost: a\r\n\r\n" % i for i in range(3))
        + b"GET /p3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    )
    reply = await exchange_raw(proxy.port, reqs)
    assert reply.count(b"HTTP/1.1 200 OK") == 4
    positions = [reply.index(b'"target": "/p%d"' % i) for i in range(4)]
    assert positions == sorted(positions)


async def test_http10_without_host_is_served(proxy: GatewayProxy, backend: EchoBackend) -> None:
    reply = await exchange_raw(proxy.port, b"GET /old HTTP/1.0\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 200 ") and backend.hits == 1


async def test_a_chunk_that_breaks_mid_body_is_answered_400_at_once(
    proxy: GatewayProxy, backend: EchoBackend
) -> None:
    """The head was already forwarded: the upstream must not keep waiting for the rest (the
    client would have waited for the whole response timeout)."""
    reply = await exchange_raw(
        proxy.port,
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\nFFFFFFFFFFFFFFFFFFFF\r\n",
        wait=3.0,
    )
    assert reply.startswith(b"HTTP/1.1 400 ") and b"connection: close" in reply
    assert b"Chunk size overflow" in reply


@pytest.mark.parametrize(
    "upgrade",
    [b"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: x\r\n",
     b"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABk\r\n"],
    ids=["websocket", "h2c"],
)  # fmt: skip
async def test_an_upgrade_request_is_served_as_plain_http_then_closed(
    proxy: GatewayProxy, backend: EchoBackend, upgrade: bytes
) -> None:
    reply = await exchange_raw(
        proxy.port,
        b"GET /ws HTTP/1.1\r\nHost: a\r\n" + upgrade + b"\r\nbytes of another protocol",
        wait=3.0,
    )
    assert reply.startswith(b"HTTP/1.1 200 ") and b"connection: close" in reply.lower()
    forwarded = reply.split(b"\r\n\r\n", 1)[1].lower()
    assert b"upgrade" not in forwarded and b"another protocol" not in forwarded
    assert backend.hits == 1


async def test_connect_is_refused(proxy: GatewayProxy, backend: EchoBackend) -> None:
    reply = await exchange_raw(
        proxy.port, b"CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n"
    )
    assert reply.startswith(b"HTTP/1.1 405 ") and b"application/problem+json" in reply
    assert backend.hits == 0


async def test_connections_past_the_limit_get_503_and_close(
    start_proxy: ProxyFactory, backend: EchoBackend
) -> None:
    proxy = await start_proxy(fallback=backend.url, max_client_connections=2)
    idle = [await asyncio.open_connection("127.0.0.1", proxy.port) for _ in range(2)]
    await asyncio.sleep(0.05)  # both accepted
    reply = await exchange_raw(proxy.port, b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 503 ") and b"too-many-connections" in reply
    assert b"connection: close" in reply and backend.hits == 0
    _, writer = idle.pop()
    writer.close()
    await writer.wait_closed()
    await asyncio.sleep(0.05)  # the proxy saw it go
    reply = await exchange_raw(
        proxy.port, b"GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    )
    assert reply.startswith(b"HTTP/1.1 200 ") and backend.hits == 1
    for _, writer in idle:
        writer.close()
