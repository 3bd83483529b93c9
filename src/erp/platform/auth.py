"""JWT verification and per-route roles. Token issuing for users lives in the gateway;
`mint_token` serves `erp token` (development, tests) and the gateway alike."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import jwt
from fastapi import Request

from erp.platform.errors import Forbidden, Unauthorized
from erp.platform.tokens import (
    HMAC_ALGORITHMS,
    ISSUER,
    ROLES,
    TOKEN_TYPE,
    KeyRule,
    Principal,
    TokenRejectedError,
    verification_keys,
    verify_token,
)

# ISSUER, ROLES and Principal are re-exported: routes and tools import them from here.
__all__ = [
    "ALGORITHM",
    "ISSUER",
    "ROLES",
    "Principal",
    "TokenVerifier",
    "bearer_token",
    "mint_token",
    "require_roles",
]

ALGORITHM = HMAC_ALGORITHMS[0]
_CACHE_LIMIT = 10_000


def mint_token(
    secret: str,
    *,
    subject: str,
    roles: list[str],
    ttl_seconds: int = 900,
    token_type: str = TOKEN_TYPE,
) -> str:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ValueError(f"unknown role(s): {', '.join(unknown)}; known: {', '.join(ROLES)}")
    now = int(time.time())
    claims = {
        "sub": subject,
        "roles": roles,
        "iat": now,
        "exp": now + ttl_seconds,
        "iss": ISSUER,
        "typ": token_type,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


class TokenVerifier:
    """Verifies access tokens by the rules of erp.platform.tokens; a verified token is cached by
    hash until it expires, because decoding costs far more than the request it guards."""

    def __init__(self, secret: str | None = None, *, public_key: str | None = None) -> None:
        self._keys: tuple[KeyRule, ...] = verification_keys(secret, public_key)
        self._cache: dict[bytes, Principal] = {}

    def verify(self, token: str) -> Principal:
        key = hashlib.blake2b(token.encode(), digest_size=16).digest()
        now = time.time()
        cached = self._cache.get(key)
        if cached is not None:
            if cached.expires_at > now:
                return cached
            del self._cache[key]
        try:
            principal = verify_token(token, self._keys, now)
        except TokenRejectedError as error:
            raise Unauthorized(str(error)) from None
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = principal
        return principal


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized("missing Authorization header")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization header must be 'Bearer <token>'")
    return token.strip()


def require_roles(*allowed: str) -> Callable[[Request], Coroutine[Any, Any, Principal]]:
    """A dependency that admits a verified caller holding one of `allowed` roles."""
    unknown = set(allowed) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")
    allowed_set = frozenset(allowed)

    async def dependency(request: Request) -> Principal:
        verifier: TokenVerifier = request.app.state.token_verifier
        principal = verifier.verify(bearer_token(request))
        if not principal.roles & allowed_set:
            raise Forbidden(f"this route needs one of the roles: {', '.join(sorted(allowed))}")
        return principal

    dependency.allowed_roles = allowed_set  # type: ignore[attr-defined]
    return dependency
