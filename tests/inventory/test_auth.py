"""Every inventory route needs a valid token and one of the roles it declares."""

from __future__ import annotations

import time

import jwt
import pytest

from erp.platform.auth import ISSUER
from tests.support.clients import JWT_SECRET, ServiceClient

OPEN_PATHS = {"/healthz", "/readyz", "/metrics", "/docs", "/openapi.json", "/docs/oauth2-redirect"}


def _routes(client: ServiceClient) -> list[tuple[str, str]]:
    """Every documented (method, path), path parameters filled in."""
    pairs = []
    for path, operations in client.app.openapi()["paths"].items():
        if path in OPEN_PATHS:
            continue
        concrete = path.replace("{sku}", "X").replace("{code}", "X")
        concrete = concrete.replace("{movement_id}", "1").replace("{reservation_id}", "1")
        concrete = concrete.replace("{order_id}", "1")
        pairs += [(method.upper(), concrete) for method in operations]
    return pairs


async def test_every_route_refuses_a_missing_token(inventory: ServiceClient) -> None:
    routes = _routes(inventory)
    assert len(routes) >= 12
    for method, path in routes:
        response = await inventory.request(method, path, headers={"Authorization": ""})
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"] == "Bearer"


async def test_viewer_may_read_but_not_write(inventory: ServiceClient) -> None:
    viewer = inventory.auth("viewer")
    for method, path in _routes(inventory):
        response = await inventory.request(method, path, headers=viewer, json={})
        if method == "GET":
            assert response.status_code in (200, 404), (method, path, response.text)
        else:
            assert response.status_code == 403, (method, path)


def _token(**claims: object) -> str:
    now = int(time.time())
    body = {
        "sub": "x",
        "roles": ["admin"],
        "iat": now,
        "exp": now + 60,
        "iss": ISSUER,
        "typ": "access",
        **claims,
    }
    return jwt.encode(body, JWT_SECRET, algorithm="HS256")


@pytest.mark.parametrize(
    "token",
    [
        _token(exp=int(time.time()) - 5),
        _token() + "x",
        jwt.encode(
            {
                "sub": "x",
                "roles": ["admin"],
                "exp": int(time.time()) + 60,
                "iat": int(time.time()),
                "iss": ISSUER,
            },
            "another-key-0123456789-0123456789",
            algorithm="HS256",
        ),
        jwt.encode(
            {
                "sub": "x",
                "roles": ["admin"],
                "exp": int(time.time()) + 60,
                "iat": int(time.time()),
                "iss": ISSUER,
            },
            None,
            algorithm="none",
        ),  # type: ignore[arg-type]
        _token(iss="someone-else"),
        _token(typ="refresh"),
        _token(roles="admin"),
        "not.a.jwt",
    ],
    ids=[
        "expired",
        "tampered",
        "wrong-key",
        "alg-none",
        "wrong-issuer",
        "refresh-token",
        "roles-not-list",
        "garbage",
    ],
)
async def test_bad_tokens_are_401(inventory: ServiceClient, token: str) -> None:
    response = await inventory.get("/items", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text


async def test_open_endpoints_need_no_token(inventory: ServiceClient) -> None:
    for path in ("/healthz", "/readyz", "/metrics"):
        response = await inventory.get(path, headers={"Authorization": ""})
        assert response.status_code == 200, path
