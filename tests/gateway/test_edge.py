"""The edge itself: malformed heads, body limits, slow clients, CORS, security headers."""

from __future__ import annotations

import socket
import time

import httpx

from tests.gateway.conftest import ORIGIN, Stack, bearer, token

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def raw(stack: Stack, data: bytes, *, timeout: float = 5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", stack.gateway.port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def test_crlf_injection_in_a_header_is_rejected(stack: Stack) -> None:
    auth = f"Authorization: Bearer {token('admin')}\r\n".encode()
    for evil in (
        b"X-Note: a\rInjected: 1\r\n",
        b"X-Note: a\nInjected: 1\r\n",
        b"X-Note: a\x00b\r\n",
    ):
        answer = raw(
            stack, b"GET /api/inventory/items HTTP/1.1\r\nHost: x\r\n" + auth + evil + b"\r\n"
        )
        assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
        assert b"application/problem+json" in answer


def test_crlf_in_the_target_is_rejected(stack: Stack) -> None:
    answer = raw(stack, b"GET /api/inventory/items\r\nInjected: 1 HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]


def test_oversize_body_is_413(client: httpx.Client) -> None:
    r = client.post(
        "/api/inventory/items",
        content=b"x" * 70_000,
        headers={**bearer(token("admin")), "content-type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["type"].endswith("/payload-too-large")


def test_oversize_chunked_body_is_413(client: httpx.Client) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"y" * 4096

    r = client.post("/api/inventory/items", content=chunks(), headers=bearer(token("admin")))
    assert r.status_code == 413


def test_slow_body_times_out(stack: Stack) -> None:
    head = (
        f"POST /api/inventory/items HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
        f"Authorization: Bearer {token('admin')}\r\n\r\n"
    ).encode()
    started = time.monotonic()
    answer = raw(stack, head + b'{"sku":', timeout=10)  # then nothing more
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert time.monotonic() - started < 5


def test_slow_head_times_out(stack: Stack) -> None:
    started = time.monotonic()
    answer = raw(stack, b"GET /api/inventory/items HTTP/1.1\r\nHost: x\r\n", timeout=10)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert time.monotonic() - started < 5


def test_security_headers_on_proxied_own_and_error_responses(client: httpx.Client) -> None:
    answers = [
        client.get("/api/inventory/items", headers=bearer(token("viewer"))),  # a service
        client.get("/api/inventory/items"),  # refused at the edge
        client.get("/healthz"),  # the control app
        client.post("/auth/token", data={"username": "x", "password": "y"}),
    ]
    for r in answers:
        for name, value in SECURITY_HEADERS.items():
            assert r.headers.get(name) == value, (r.request.url, name)
        assert "default-src 'none'" in r.headers["content-security-policy"]
        assert "strict-transport-security" not in r.headers  # plain http here
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "script-src 'self';" in docs.headers["content-security-policy"]  # its own, no CDN


def test_cors_preflight_for_an_allowed_origin(client: httpx.Client) -> None:
    r = client.options(
        "/api/inventory/items",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "authorization" in r.headers["access-control-allow-headers"]


def test_cors_preflight_for_another_origin_is_refused(client: httpx.Client) -> None:
    r = client.options(
        "/api/inventory/items",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert r.status_code == 403
    assert "access-control-allow-origin" not in r.headers


def test_cors_headers_on_actual_requests(client: httpx.Client) -> None:
    ok = client.get("/api/inventory/items", headers={**bearer(token("viewer")), "Origin": ORIGIN})
    assert ok.headers["access-control-allow-origin"] == ORIGIN
    assert "ratelimit-remaining" in ok.headers["access-control-expose-headers"]
    refused = client.get("/api/inventory/items", headers={"Origin": ORIGIN})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == ORIGIN
    other = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_request_id_and_traceparent_reach_the_service(client: httpx.Client) -> None:
    r = client.get(
        "/api/inventory/items", headers={**bearer(token("viewer")), "X-Request-ID": "abc-123"}
    )
    assert r.headers["x-request-id"] == "abc-123"


def test_metrics_count_each_request_once(client: httpx.Client) -> None:
    client.get("/api/inventory/items", headers=bearer(token("viewer")))
    client.get("/healthz")
    text = client.get("/metrics").text
    assert 'route="/api/inventory"' in text  # counted by the edge
    assert 'route="fallback"' not in text  # the control app counts its own requests
