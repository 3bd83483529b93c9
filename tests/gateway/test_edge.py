"""The edge itself: malformed heads, body limits, slow clients, CORS, security headers."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from erp.gateway.proxy.config import EdgeHeadersConfig
from erp.gateway.proxy.edge import JSON_CSP, EdgeHeaders
from erp.gateway.proxy.forwarding import parse_response_head
from erp.platform.db.migrations import upgrade
from erp.reporting.main import SPEC as REPORTING
from tests.gateway.conftest import ORIGIN, SECRET, Stack, bearer, start_gateway, token
from tests.support.processes import erp_process

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


def test_an_upstream_policy_is_kept_and_json_gets_the_default() -> None:
    edge = EdgeHeaders(EdgeHeadersConfig())
    html = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\n"
        b"content-security-policy: default-src 'none'; script-src 'nonce-abc'\r\n"
        b"content-length: 10\r\n\r\n"
    )
    _, lines, _, _ = parse_response_head(html, edge)
    assert b"content-security-policy" not in lines  # the page's own policy stands alone
    assert b"x-content-type-options: nosniff" in lines
    json = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n"
    _, lines, _, _ = parse_response_head(json, edge)
    assert f"content-security-policy: {JSON_CSP}\r\n".encode() in lines


@pytest.fixture(scope="module")
def with_reporting(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A gateway in front of a real reporting service (which serves the dashboard)."""
    tmp = tmp_path_factory.mktemp("edge-reporting")
    url = f"sqlite+aiosqlite:///{tmp / 'reporting.db'}"
    upgrade(REPORTING.migrations, url)
    env = {"ERP_DATABASE_URL": url, "ERP_JWT_SECRET": SECRET, "ERP_SHUTDOWN_DELAY_SECONDS": "0"}
    with erp_process(["serve", "reporting"], env, tmp) as reporting:
        reporting.wait_ready()
        gateway_cm, _ = start_gateway(
            tmp, upstream=stack.inventory.url, redis_url=None, ERP_REPORTING_URL=reporting.url
        )
        with gateway_cm as gateway:
            gateway.wait_ready()
            yield gateway.url


def test_the_dashboard_keeps_its_own_policy_behind_the_gateway(with_reporting: str) -> None:
    page = httpx.get(with_reporting + "/dashboard", timeout=10)
    assert page.status_code == 200 and "<form id='login'" in page.text
    policies = page.headers.get_list("content-security-policy")
    assert len(policies) == 1, policies  # one policy: the strictest of two would win
    [policy] = policies
    assert "script-src 'nonce-" in policy and "form-action 'self'" in policy
    assert "connect-src 'self'" in policy
    for name, value in SECURITY_HEADERS.items():
        assert page.headers.get(name) == value
    # JSON from the same service keeps the edge's default.
    report = httpx.get(with_reporting + "/reports/trial-balance", timeout=10)
    assert report.status_code == 401
    assert report.headers["content-security-policy"] == JSON_CSP
