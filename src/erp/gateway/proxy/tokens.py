"""Access-token verification at the edge, with a cache of verified tokens until their expiry."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from erp.platform.tokens import (
    ISSUER,
    TOKEN_TYPE,
    KeyRule,
    TokenRejectedError,
    verification_keys,
    verify_token,
)

__all__ = ["Identity", "TokenRejectedError", "TokenVerifier"]


@dataclass(frozen=True, slots=True)
class Identity:
    """A verified token: who, until when, and the header lines forwarded upstream."""

    sub: str
    roles: tuple[str, ...]
    exp: float
    jti: str | None
    header_lines: bytes


class TokenVerifier:
    """Verify access tokens by the rules of erp.platform.tokens (HS256 with the shared secret,
    RS256 with the public key); remember good ones until they expire."""

    def __init__(
        self,
        *,
        secret: str | None,
        public_key: str | None = None,
        issuer: str = ISSUER,
        token_type: str = TOKEN_TYPE,
        cache_size: int = 10_000,
        is_revoked: Callable[[str], bool] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        # Issuer and type are not choices: this verifier accepts what every service accepts.
        if issuer != ISSUER or token_type != TOKEN_TYPE:
            raise ValueError(f"access tokens are {TOKEN_TYPE!r} tokens issued by {ISSUER!r}")
        self._keys: tuple[KeyRule, ...] = verification_keys(secret, public_key)
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
        principal = verify_token(token, self._keys, now)
        sub = principal.username
        roles = tuple(sorted(principal.roles))
        lines = f"x-authenticated-user: {sub}\r\nx-authenticated-roles: {','.join(roles)}\r\n"
        return Identity(
            sub=sub,
            roles=roles,
            exp=principal.expires_at,
            jti=principal.jti,
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
