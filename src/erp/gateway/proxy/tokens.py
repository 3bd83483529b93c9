"""Access-token verification at the edge, with a cache of verified tokens until their expiry."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import jwt

ROLES = frozenset({"admin", "accountant", "warehouse", "viewer"})


class TokenRejectedError(Exception):
    """The bearer token is missing, malformed, expired, revoked or not ours."""


@dataclass(frozen=True, slots=True)
class Identity:
    """A verified token: who, until when, and the header lines forwarded upstream."""

    sub: str
    roles: tuple[str, ...]
    exp: float
    jti: str | None
    header_lines: bytes


class TokenVerifier:
    """Verify HS256 (or RS256) access tokens; remember good ones until they expire."""

    def __init__(
        self,
        *,
        secret: str | None,
        public_key: str | None = None,
        issuer: str = "erp",
        token_type: str = "access",
        cache_size: int = 10_000,
        is_revoked: Callable[[str], bool] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secret and not public_key:
            raise ValueError("token verification needs a shared secret or a public key")
        self._keys: list[tuple[str | bytes, list[str]]] = []
        if secret:
            self._keys.append((secret, ["HS256"]))
        if public_key:
            self._keys.append((public_key, ["RS256"]))
        self._issuer = issuer
        self._type = token_type
        self._cache: dict[bytes, Identity] = {}
        self._cache_size = cache_size
        self.is_revoked = is_revoked
        self._clock = clock

    def verify_header(self, authorization: bytes | None) -> Identity:
        """The identity behind an `Authorization: Bearer <jwt>` header value."""
        if not authorization or authorization[:7].lower() != b"bearer ":
            raise TokenRejectedError("a bearer token is required")
        token = authorization[7:].strip()
        ident = self._cache.get(token)
        now = self._clock()
        if ident is None or ident.exp <= now:
            if ident is not None:
                del self._cache[token]
            ident = self._decode(token, now)
            self._remember(token, ident, now)
        if ident.jti is not None and self.is_revoked is not None and self.is_revoked(ident.jti):
            raise TokenRejectedError("the token has been revoked")
        return ident

    def _decode(self, token: bytes, now: float) -> Identity:
        claims = None
        for key, algorithms in self._keys:
            try:
                claims = jwt.decode(
                    token,
                    key,
                    algorithms=algorithms,
                    issuer=self._issuer,
                    options={"require": ["exp", "iat", "sub", "iss"]},
                )
                break
            except jwt.ExpiredSignatureError as exc:
                raise TokenRejectedError("the token has expired") from exc
            except jwt.PyJWTError:
                continue
        if claims is None:
            raise TokenRejectedError("the token is invalid")
        if claims.get("typ") != self._type:
            raise TokenRejectedError(f"the token is not an {self._type} token")
        sub, roles, exp = claims["sub"], claims.get("roles", []), claims["exp"]
        valid_roles = isinstance(roles, list) and all(r in ROLES for r in roles)
        if not isinstance(sub, str) or not sub or not valid_roles:
            raise TokenRejectedError("the token's subject or roles are invalid")
        if not sub.isprintable() or not sub.isascii() or float(exp) <= now:
            raise TokenRejectedError("the token is invalid")
        jti = claims.get("jti")
        lines = f"x-authenticated-user: {sub}\r\nx-authenticated-roles: {','.join(roles)}\r\n"
        return Identity(
            sub=sub,
            roles=tuple(roles),
            exp=float(exp),
            jti=str(jti) if jti is not None else None,
            header_lines=lines.encode("ascii"),
        )

    def _remember(self, token: bytes, ident: Identity, now: float) -> None:
        cache = self._cache
        if len(cache) >= self._cache_size:
            for key in [k for k, v in cache.items() if v.exp <= now]:
                del cache[key]
            while len(cache) >= self._cache_size:
                del cache[next(iter(cache))]  # oldest insertion first
        cache[token] = ident

    def cached(self) -> int:
        """How many verified tokens are remembered."""
        return len(self._cache)
