"""Bearer tokens at the edge: every bad token is a 401; the cache never outlives `exp`."""

from __future__ import annotations

import base64
import json
import time

import httpx
import jwt
import pytest

from erp.gateway.proxy import GatewayProxy, JwtConfig, RouteConfig
from erp.gateway.proxy.tokens import TokenRejectedError, TokenVerifier
from tests.gateway.proxy.backends import EchoBackend
from tests.gateway.proxy.conftest import SECRET, ProxyFactory, base_url, make_token
from tests.support.keys import rsa_pem_pair


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def alg_none_token() -> str:
    now = int(time.time())
    claims = {"sub": "eve", "roles": ["admin"], "iat": now, "exp": now + 60, "iss": "erp",
              "typ": "access"}  # fmt: skip
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."


def tampered_token() -> str:
    header, _, signature = make_token(roles=["viewer"]).split(".")
    now = int(time.time())
    claims = {"sub": "alice", "roles": ["admin"], "iat": now, "exp": now + 60, "iss": "erp",
              "typ": "access"}  # fmt: skip
    return f"{header}.{b64(claims)}.{signature}"


BAD_AUTHORIZATION = {
    "missing": None,
    "not-bearer": "Basic YWxpY2U6c2VjcmV0",
    "garbage": "Bearer not.a.jwt",
    "expired": "Bearer " + make_token(exp_in=-10),
    "tampered": "Bearer " + tampered_token(),
    "alg-none": "Bearer " + alg_none_token(),
    "wrong-key": "Bearer " + make_token(key="another-key-that-is-long-enough-for-hs256"),
    "wrong-issuer": "Bearer " + make_token(iss="someone-else"),
    "refresh-token": "Bearer " + make_token(typ="refresh"),
    "unknown-role": "Bearer " + make_token(roles=["root"]),
}


@pytest.mark.parametrize("case", list(BAD_AUTHORIZATION))
async def test_bad_tokens_get_401(proxy: GatewayProxy, backend: EchoBackend, case: str) -> None:
    value = BAD_AUTHORIZATION[case]
    headers = {} if value is None else {"authorization": value}
    async with httpx.AsyncClient(base_url=base_url(proxy)) as client:
        r = await client.get("/api/inventory/items", headers=headers)
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 401
    assert backend.hits == 0


async def test_revoked_jti_gets_401(proxy: GatewayProxy) -> None:
    assert proxy.core is not None
    token = make_token(jti="t-1")
    async with httpx.AsyncClient(base_url=base_url(proxy)) as client:
        first = await client.get("/api/inventory/x", headers={"authorization": f"Bearer {token}"})
        proxy.core.revoked.replace({"t-1"})
        second = await client.get("/api/inventory/x", headers={"authorization": f"Bearer {token}"})
    assert first.status_code == 200 and second.status_code == 401


async def test_revoked_jtis_are_read_from_redis(
    start_proxy: ProxyFactory, backend: EchoBackend, redis_url: str, key_prefix: str
) -> None:
    import redis.asyncio as aioredis

    key = key_prefix + "revoked"
    client = aioredis.Redis.from_url(redis_url)
    await client.sadd(key, "gone")
    try:
        proxy = await start_proxy(
            routes=(RouteConfig("/api/inventory/", backend.url),),
            jwt=JwtConfig(secret=SECRET, revocation_redis_url=redis_url, revocation_key=key),
        )
        async with httpx.AsyncClient(base_url=base_url(proxy)) as http:
            revoked = await http.get("/api/inventory/x", headers={
                "authorization": "Bearer " + make_token(jti="gone")})  # fmt: skip
            fine = await http.get("/api/inventory/x", headers={
                "authorization": "Bearer " + make_token(jti="kept")})  # fmt: skip
    finally:
        await client.delete(key)
        await client.aclose()
    assert revoked.status_code == 401 and fine.status_code == 200


def test_cache_never_serves_an_expired_token() -> None:
    now = [1_000_000.0]
    verifier = TokenVerifier(secret=SECRET, clock=lambda: now[0])
    token = jwt.encode(
        {"sub": "bob", "roles": ["viewer"], "iat": int(time.time()), "exp": int(time.time()) + 30,
         "iss": "erp", "typ": "access"},
        SECRET,
    )  # fmt: skip
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    now[0] = exp - 5
    header = f"Bearer {token}".encode()
    assert verifier.verify_header(header).sub == "bob"
    assert verifier.cached() == 1
    now[0] = exp  # the cached entry is now expired: it must be re-verified and refused
    with pytest.raises(TokenRejectedError):
        verifier.verify_header(header)
    assert verifier.cached() == 0


def test_cache_is_bounded() -> None:
    verifier = TokenVerifier(secret=SECRET, cache_size=3)
    for i in range(10):
        verifier.verify_header(f"Bearer {make_token(sub=f'u{i}')}".encode())
    assert verifier.cached() <= 3


def test_rs256_tokens_verify_with_the_public_key() -> None:
    pem, public = rsa_pem_pair()
    verifier = TokenVerifier(secret=None, public_key=public)
    token = make_token(key=pem, algorithm="RS256", roles=["accountant"])
    assert verifier.verify_header(f"Bearer {token}".encode()).roles == ("accountant",)
    with pytest.raises(TokenRejectedError):
        verifier.verify_header(f"Bearer {make_token()}".encode())  # HS256 is not accepted here
