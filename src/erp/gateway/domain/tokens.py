"""Access tokens (signed JWTs) and refresh tokens (opaque, stored hashed, rotated on use)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.gateway.domain.errors import InvalidRefreshToken
from erp.gateway.domain.users import as_dict
from erp.gateway.models import refresh_tokens, users
from erp.platform.auth import ISSUER


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str
    jti: str


class AccessTokenSigner:
    """Signs access tokens with the claims every service verifies (sub, roles, exp, iat, iss,
    typ, jti): HS256 with the shared secret, or RS256 with a private key (kid in the header)."""

    def __init__(
        self,
        *,
        algorithm: str,
        ttl_seconds: int,
        secret: str | None = None,
        private_key: str | None = None,
        public_key: str | None = None,
    ) -> None:
        self.algorithm = algorithm
        self.ttl = ttl_seconds
        self.public_key = public_key
        key = private_key if algorithm == "RS256" else secret
        if not key:
            raise ValueError(f"no signing key for {algorithm}")
        self._key: str = key
        self.kid = _key_id(public_key) if algorithm == "RS256" and public_key else None

    def sign(self, *, subject: str, roles: list[str]) -> tuple[str, str, int]:
        """(token, jti, expires_at)."""
        now = int(time.time())
        jti = uuid.uuid4().hex
        claims = {
            "sub": subject,
            "roles": roles,
            "iat": now,
            "exp": now + self.ttl,
            "iss": ISSUER,
            "typ": "access",
            "jti": jti,
        }
        headers = {"kid": self.kid} if self.kid else None
        token = jwt.encode(claims, self._key, algorithm=self.algorithm, headers=headers)
        return token, jti, now + self.ttl

    def jwks(self) -> dict[str, Any] | None:
        """The JSON Web Key Set of the public key (RS256 only)."""
        if self.algorithm != "RS256" or not self.public_key:
            return None
        key = json.loads(RSAAlgorithm.to_jwk(RSAAlgorithm(RSAAlgorithm.SHA256).prepare_key(
            self.public_key)))  # fmt: skip
        key.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [key]}


def _key_id(public_key: str) -> str:
    digest = hashlib.sha256(public_key.strip().encode()).digest()[:12]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(
    conn: AsyncConnection,
    signer: AccessTokenSigner,
    *,
    user: dict[str, Any],
    refresh_ttl_seconds: int,
) -> TokenPair:
    """A new access token and a new refresh token for `user`."""
    access, jti, _ = signer.sign(subject=user["username"], roles=list(user["roles"]))
    refresh = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    await conn.execute(
        refresh_tokens.insert().values(
            token_hash=_hash(refresh),
            user_id=user["id"],
            created_at=now,
            expires_at=now + timedelta(seconds=refresh_ttl_seconds),
            revoked_at=None,
        )
    )
    return TokenPair(access, signer.ttl, refresh, jti)


async def redeem(conn: AsyncConnection, *, refresh_token: str) -> dict[str, Any]:
    """Revoke a valid refresh token (it is used once) and return its active user."""
    now = datetime.now(UTC)
    statement = (
        refresh_tokens.update()
        .where(
            refresh_tokens.c.token_hash == _hash(refresh_token),
            refresh_tokens.c.revoked_at.is_(None),
            refresh_tokens.c.expires_at > now,
        )
        .values(revoked_at=now)
        .returning(refresh_tokens.c.user_id)
    )
    user_id = (await conn.execute(statement)).scalar_one_or_none()
    if user_id is None:
        raise InvalidRefreshToken("the refresh token is invalid, expired or revoked")
    row = (await conn.execute(select(users).where(users.c.id == user_id))).one()
    if not row.active:
        raise InvalidRefreshToken("the account is disabled")
    return as_dict(row)


async def revoke(conn: AsyncConnection, *, refresh_token: str) -> bool:
    """Revoke a refresh token; False when it was unknown or already revoked."""
    statement = (
        refresh_tokens.update()
        .where(
            refresh_tokens.c.token_hash == _hash(refresh_token),
            refresh_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=datetime.now(UTC))
    )
    return bool((await conn.execute(statement)).rowcount)


async def revoke_all_for(conn: AsyncConnection, *, user_id: int) -> None:
    """Revoke every refresh token of a user (disabled account, new password)."""
    await conn.execute(
        refresh_tokens.update()
        .where(refresh_tokens.c.user_id == user_id, refresh_tokens.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
