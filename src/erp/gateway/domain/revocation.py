"""Revoked access tokens: a DB table always, plus the Redis set the edge reads when configured.

The set holds `jti`s; a sorted set beside it (score: expiry) lets old entries be pruned, so
the set stays as small as the number of revoked tokens not yet expired.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import redis.asyncio as aioredis
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.gateway.models import revoked_tokens
from erp.platform.logging import get_logger

REVOKED_KEY = "erp:revoked-jti"
log = get_logger(__name__)


class AccessRevocations:
    def __init__(
        self,
        redis: aioredis.Redis | None,
        *,
        key: str = REVOKED_KEY,
        on_revoke: Callable[[str], None] | None = None,
    ) -> None:
        self.redis = redis
        self.key = key
        self.on_revoke = on_revoke  # the in-process edge, told at once

    async def revoke(self, conn: AsyncConnection, *, jti: str, expires_at: float) -> None:
        now = time.time()
        if expires_at <= now:
            return
        try:
            async with conn.begin_nested():
                await conn.execute(
                    revoked_tokens.insert().values(
                        jti=jti, expires_at=datetime.fromtimestamp(expires_at, UTC)
                    )
                )
        except IntegrityError:
            pass  # revoked already
        await conn.execute(
            delete(revoked_tokens).where(revoked_tokens.c.expires_at <= datetime.now(UTC))
        )
        if self.on_revoke is not None:
            self.on_revoke(jti)
        if self.redis is not None:
            await self._publish(jti, expires_at, now)

    async def _publish(self, jti: str, expires_at: float, now: float) -> None:
        index = self.key + ":exp"
        try:
            expired = await self.redis.zrangebyscore(index, "-inf", now)  # type: ignore[union-attr]
            async with self.redis.pipeline(transaction=True) as pipe:  # type: ignore[union-attr]
                pipe.sadd(self.key, jti)
                pipe.zadd(index, {jti: expires_at})
                if expired:
                    pipe.srem(self.key, *expired)
                    pipe.zrem(index, *expired)
                await pipe.execute()
        except (OSError, aioredis.RedisError) as error:
            # The DB row stays; replicas without the Redis entry still honour refresh revocation.
            log.warning("revocation_publish_failed", error=str(error))


async def active_revoked_ids(conn: AsyncConnection) -> set[str]:
    """Revoked access-token ids not yet expired (what the edge loads when there is no Redis)."""
    rows = await conn.execute(
        select(revoked_tokens.c.jti).where(revoked_tokens.c.expires_at > datetime.now(UTC))
    )
    return {r.jti for r in rows}
