"""Tokens from the gateway: log in, refresh (rotation), log out (revocation), lockout."""

from __future__ import annotations

import time

import httpx
import jwt

from tests.gateway.conftest import ADMIN_PASSWORD, SECRET, bearer, login, new_user


def test_login_returns_a_bearer_token_the_services_accept(client: httpx.Client) -> None:
    r = login(client, "admin", ADMIN_PASSWORD)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0 and body["refresh_token"]
    claims = jwt.decode(body["access_token"], SECRET, algorithms=["HS256"], issuer="erp")
    assert claims["sub"] == "admin" and claims["roles"] == ["admin"] and claims["jti"]
    assert client.get("/api/inventory/items", headers=bearer(body["access_token"])).is_success


def test_wrong_password_and_unknown_user_look_the_same(client: httpx.Client) -> None:
    wrong = login(client, "admin", "not-the-password")
    unknown = login(client, "nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_refresh_rotates_and_a_used_refresh_token_is_refused(client: httpx.Client) -> None:
    first = login(client, "admin", ADMIN_PASSWORD).json()
    second = client.post("/auth/refresh", data={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    assert second.json()["refresh_token"] != first["refresh_token"]
    again = client.post("/auth/refresh", data={"refresh_token": first["refresh_token"]})
    assert again.status_code == 401
    assert again.json()["type"].endswith("/invalid-refresh-token")


def test_logout_revokes_the_refresh_token_and_the_access_token(client: httpx.Client) -> None:
    pair = login(client, "admin", ADMIN_PASSWORD).json()
    access = bearer(pair["access_token"])
    out = client.post("/auth/logout", data={"refresh_token": pair["refresh_token"]}, headers=access)
    assert out.status_code == 204
    refused = client.post("/auth/refresh", data={"refresh_token": pair["refresh_token"]})
    assert refused.status_code == 401
    deadline = time.monotonic() + 7  # other replicas learn it within the refresh interval
    while time.monotonic() < deadline:
        if client.get("/api/inventory/items", headers=access).status_code == 401:
            break
        time.sleep(0.2)
    r = client.get("/api/inventory/items", headers=access)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]


def test_repeated_failures_lock_the_username_out(client: httpx.Client) -> None:
    name = new_user(client, "viewer", password="right-password-1")
    codes = [login(client, name, "wrong-password").status_code for _ in range(5)]
    assert codes == [401] * 5
    locked = login(client, name, "right-password-1")
    assert locked.status_code == 429
    assert locked.json()["type"].endswith("/login-locked")
    assert int(locked.headers["retry-after"]) >= 1
    assert "ratelimit-remaining" not in locked.headers  # the edge quota is not what refused
    time.sleep(int(locked.headers["retry-after"]) + 0.2)
    assert login(client, name, "right-password-1").status_code == 200


def test_a_disabled_user_cannot_log_in_or_refresh(client: httpx.Client) -> None:
    name = new_user(client, "warehouse")
    pair = login(client, name, "user-pass-1234").json()
    admin = bearer(login(client, "admin", ADMIN_PASSWORD).json()["access_token"])
    r = client.patch(f"/api/gateway/users/{name}", json={"active": False}, headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    assert login(client, name, "user-pass-1234").status_code == 401
    assert (
        client.post("/auth/refresh", data={"refresh_token": pair["refresh_token"]}).status_code
        == 401
    )


def test_users_admin_routes_need_the_admin_role(client: httpx.Client) -> None:
    name = new_user(client, "accountant")
    own = bearer(login(client, name, "user-pass-1234").json()["access_token"])
    assert client.get("/api/gateway/users", headers=own).status_code == 403
    admin = bearer(login(client, "admin", ADMIN_PASSWORD).json()["access_token"])
    listed = client.get("/api/gateway/users", headers=admin).json()
    assert {u["username"] for u in listed} >= {"admin", name}
    assert all("password_hash" not in u for u in listed)


def test_jwks_is_absent_with_a_shared_secret(client: httpx.Client) -> None:
    assert client.get("/.well-known/jwks.json").status_code == 404
