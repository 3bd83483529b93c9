"""Routing, prefix stripping and the headers the proxy sets, keeps and strips."""

from __future__ import annotations

import asyncio

import httpx

from erp.gateway.proxy import GatewayProxy, RouteConfig
from erp.gateway.proxy.forwarding import ResponseHeads
from erp.gateway.proxy.routing import RouteTable, parse_upstream
from tests.gateway.proxy.backends import RawBackend, ok
from tests.gateway.proxy.conftest import ProxyFactory, auth, base_url


def headers_of(doc: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in doc["headers"]:
        out.setdefault(name, []).append(value)
    return out


def test_route_table_picks_longest_prefix_and_strips_it() -> None:
    table = RouteTable(
        (RouteConfig("/api/", "http://a:1"), RouteConfig("/api/inventory/", "http://b:2")),
        "unix:/tmp/control.sock",
        max_body_bytes=10,
        response_timeout=1,
    )
    route, target = table.match(b"/api/inventory/items?x=1")
    assert route is not None and route.upstream.port == 2 and target == b"/items?x=1"
    route, target = table.match(b"/api/inventory?x=1")
    assert route is not None and route.upstream.port == 2 and target == b"/?x=1"
    route, target = table.match(b"/api/inventoryx/items")
    assert route is not None and route.upstream.port == 1 and target == b"/inventoryx/items"
    route, target = table.match(b"/docs")
    assert route is not None and route.label == "fallback" and target == b"/docs"
    assert route.upstream.unix_path == "/tmp/control.sock"
    # absolute-form is routed by its path (RFC 9112 3.2.2); other forms reach no upstream
    route, target = table.match(b"http://erp.example/api/inventory/items?x=1")
    assert route is not None and route.upstream.port == 2 and target == b"/items?x=1"
    route, target = table.match(b"HTTPS://erp.example?x=1")
    assert route is not None and route.label == "fallback" and target == b"/?x=1"
    for other in (b"erp.example:443", b"*", b"ftp://erp.example/api/x"):
        assert table.match(other)[0] is None


def test_parse_upstream_refuses_what_it_cannot_reach() -> None:
    assert parse_upstream("unix:///run/x.sock").unix_path == "/run/x.sock"
    for bad in ("https://a:1", "http://a:1/base", "unix:"):
        try:
            parse_upstream(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


async def test_route_strips_prefix_and_keeps_query(proxy: GatewayProxy) -> None:
    async with httpx.AsyncClient(base_url=base_url(proxy)) as client:
        r = await client.get("/api/inventory/items?sku=A-1&limit=5", headers=auth())
        fallback = await client.get("/docs?x=1")
    assert r.status_code == 200
    assert r.json()["target"] == "/items?sku=A-1&limit=5"
    assert fallback.status_code == 200 and fallback.json()["target"] == "/docs?x=1"


async def test_forwarded_headers_are_set_and_spoofed_ones_replaced(proxy: GatewayProxy) -> None:
    sent = {
        **auth(),
        "x-forwarded-for": "10.1.2.3",
        "x-authenticated-user": "mallory",
        "x-authenticated-roles": "admin",
        "x-request-id": "client-id-42",
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "keep-alive": "timeout=5",
        "proxy-authorization": "Basic eA==",
        "te": "trailers",
        "x-secret-hop": "1",
        "connection": "keep-alive, x-secret-hop",
        "x-custom": "kept",
    }
    async with httpx.AsyncClient(base_url=base_url(proxy)) as client:
        r = await client.get("/api/inventory/items", headers=sent)
    got = headers_of(r.json())
    assert got["x-forwarded-for"] == ["10.1.2.3, 127.0.0.1"]
    assert got["x-forwarded-proto"] == ["http"]
    assert got["x-forwarded-host"] == [f"127.0.0.1:{proxy.port}"]
    assert got["x-authenticated-user"] == ["alice"]
    assert got["x-authenticated-roles"] == ["admin"]
    assert got["x-request-id"] == ["client-id-42"]
    assert got["traceparent"] == [sent["traceparent"]]
    assert got["x-custom"] == ["kept"]
    assert got["authorization"] == [sent["authorization"]]
    for hop in ("keep-alive", "proxy-authorization", "te", "x-secret-hop", "connection"):
        assert hop not in got, hop
    assert r.headers["x-request-id"] == "client-id-42"


async def test_bad_request_id_and_traceparent_are_replaced(proxy: GatewayProxy) -> None:
    bad = {
        "x-request-id": "no spaces allowed",
        "traceparent": "00-" + "0" * 32 + "-" + "1" * 16 + "-01",
    }
    async with httpx.AsyncClient(base_url=base_url(proxy)) as client:
        r = await client.get("/whatever", headers=bad)
    got = headers_of(r.json())
    rid, trace = got["x-request-id"][0], got["traceparent"][0]
    assert rid != bad["x-request-id"] and len(rid) == 32
    assert trace != bad["traceparent"] and len(trace) == 55 and trace.startswith("00-")
    assert r.headers["x-request-id"] == rid


async def test_fallback_not_configured_gives_404(start_proxy: ProxyFactory) -> None:
    proxy = await start_proxy(routes=())
    async with httpx.AsyncClient(base_url=base_url(proxy)) as client:
        r = await client.get("/nothing")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "https://erp.example/problems/not-found"


async def test_response_hop_by_hop_headers_are_stripped(start_proxy: ProxyFactory) -> None:
    extra = (
        b"connection: keep-alive, x-hop\r\nkeep-alive: timeout=5\r\nx-hop: 1\r\n"
        b"proxy-authenticate: Basic\r\nupgrade: h2c\r\nx-kept: yes\r\n"
    )
    raw = await RawBackend(lambda c, n, m, t: ok(b"hi", extra)).start()
    proxy = await start_proxy(fallback=raw.url)
    async with httpx.AsyncClient(base_url=base_url(proxy)) as client:
        r = await client.get("/x")
    await raw.stop()
    assert r.status_code == 200 and r.text == "hi"
    for hop in ("keep-alive", "x-hop", "proxy-authenticate", "upgrade"):
        assert hop not in r.headers, hop
    assert r.headers["x-kept"] == "yes" and "x-request-id" in r.headers


async def test_unix_socket_fallback(start_proxy: ProxyFactory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "control.sock")

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(ok(b"control"))
        await writer.drain()
        writer.close()

    server = await asyncio.start_unix_server(serve, path)
    proxy = await start_proxy(fallback=f"unix:{path}")
    async with httpx.AsyncClient(base_url=base_url(proxy)) as client:
        r = await client.get("/healthz")
    server.close()
    assert r.status_code == 200 and r.text == "control"


def test_response_heads_share_one_entry_across_echoed_request_ids() -> None:
    heads = ResponseHeads(None)
    first = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nx-request-id: aaa1\r\nx-kept: 1\r\n\r\n"
    second = first.replace(b"aaa1", b"bbb2")
    kept, _, framed, has_rid = heads.get(first, b"aaa1")
    assert heads.get(second, b"bbb2") == (kept, b"", framed, has_rid)
    assert len(heads._cache) == 1
    # The echo is cut (the proxy writes the id back itself); everything else stays in order.
    assert kept == b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nx-kept: 1\r\n"
    assert framed and not has_rid
    # An id the upstream chose itself is not ours: it is passed through and not added again.
    kept, _, _, has_rid = heads.get(first, b"other")
    assert b"x-request-id: aaa1\r\n" in kept and has_rid
