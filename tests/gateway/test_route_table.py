"""Every route of every service, as the gateway's combined OpenAPI lists them: refused at the
edge without a valid token, refused by the service behind for a role it does not allow."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.gateway.conftest import Stack, bad_tokens, bearer, token

OPEN = {"/auth/token", "/auth/refresh", "/auth/logout"}
READ_METHODS = {"get", "head"}


def operations(stack: Stack) -> list[tuple[str, str]]:
    doc = httpx.get(stack.url + "/openapi.json", timeout=10).json()
    ops = []
    for path, item in doc["paths"].items():
        if path in OPEN:
            continue
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        ops.extend((method.upper(), concrete) for method in item if method != "parameters")
    return ops


def test_route_table_covers_every_service(stack: Stack) -> None:
    paths = {path for _, path in operations(stack)}
    assert any(p.startswith("/api/inventory/items") for p in paths)
    assert any(p.startswith("/api/gateway/users") for p in paths)
    assert "/status" in paths


def test_no_token_is_401_on_every_route(stack: Stack, client: httpx.Client) -> None:
    for method, path in operations(stack):
        r = client.request(method, path, json={})
        assert r.status_code == 401, (method, path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("kind", list(bad_tokens()))
def test_bad_token_is_401_on_every_route(stack: Stack, client: httpx.Client, kind: str) -> None:
    bad = bad_tokens()[kind]
    for method, path in operations(stack):
        r = client.request(method, path, json={}, headers=bearer(bad))
        assert r.status_code == 401, (kind, method, path, r.text)


def test_wrong_role_is_403_from_the_service_behind(stack: Stack, client: httpx.Client) -> None:
    viewer = bearer(token("viewer"))
    checked = 0
    for method, path in operations(stack):
        r = client.request(method, path, json={}, headers=viewer)
        admin_only = path.startswith("/api/gateway/users")
        if method.lower() in READ_METHODS and not admin_only:
            assert r.status_code not in (401, 403), (method, path, r.text)
            continue
        assert r.status_code == 403, (method, path, r.text)
        assert r.json()["type"].endswith("/forbidden")
        checked += 1
    assert checked >= 10


def test_a_good_token_passes_to_the_service(client: httpx.Client) -> None:
    r = client.get("/api/inventory/items", headers=bearer(token("viewer")))
    assert r.status_code == 200
    assert r.json() == {"items": r.json()["items"], "next_cursor": r.json()["next_cursor"]}


def test_early_answer_before_the_body_keeps_the_connection_usable(stack: Stack) -> None:
    """An upstream that answers a request before its body has arrived (here: a GET with a
    body) must not cost the next request on the same client connection."""
    import socket
    import time

    viewer = bearer(token("viewer"))["Authorization"]
    sock = socket.create_connection(("127.0.0.1", stack.gateway.port))
    sock.settimeout(10)
    reader = sock.makefile("rb")
    try:
        for i in range(10):
            method = "GET" if i % 2 == 0 else "PATCH"
            sock.sendall(
                f"{method} /api/gateway/users/1 HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: {viewer}\r\nContent-Type: application/json\r\n"
                "Content-Length: 2\r\n\r\n".encode()
            )
            time.sleep(0.005)  # the head travels first, as clients often send it
            sock.sendall(b"{}")
            status = reader.readline()
            assert status.startswith(b"HTTP/1.1 403"), (i, method, status)
            length = 0
            while (line := reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                assert not line.lower().startswith(b"connection: close"), (i, line)
            reader.read(length)
    finally:
        sock.close()
