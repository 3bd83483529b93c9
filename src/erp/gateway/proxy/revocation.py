"""Revoked token ids, kept in memory and refreshed from a Redis set in the background."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import redis.asyncio as aioredis

log = logging.getLogger("erp.gateway.proxy")


async def cancel_and_wait(task: asyncio.Task[None] | None) -> None:
    """Cancel a background task and wait until it has finished (nothing to do for None)."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class RevokedTokens:
    """A set of revoked `jti`s; `__contains__` is what the token verifier calls per request."""

    def __init__(self, redis_url: str | None, key: str, refresh_seconds: float) -> None:
        self._ids: frozenset[str] = frozenset()
        self._url = redis_url
        self._key = key
        self._interval = refresh_seconds
        self._task: asyncio.Task[None] | None = None
        self._client: aioredis.Redis | None = None

    def __contains__(self, jti: str) -> bool:
        return jti in self._ids

    def replace(self, ids: set[str] | frozenset[str]) -> None:
        """Swap in a new revocation list (also usable without Redis)."""
        self._ids = frozenset(ids)

    def add(self, jti: str) -> None:
        """Revoke one more id at once (a logout in this process)."""
        self._ids = self._ids | {jti}

    async def refresh(self) -> None:
        """Read the revoked ids from Redis once."""
        if self._url is None:
            return
        if self._client is None:
            self._client = aioredis.Redis.from_url(self._url, socket_timeout=1.0)
        members: set[Any] = await self._client.smembers(self._key)  # type: ignore[misc]
        self.replace({m.decode() if isinstance(m, bytes) else str(m) for m in members})

    def start(self) -> None:
        """Refresh periodically until `stop`."""
        if self._url is not None and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        failing = False
        while True:
            try:
                await self.refresh()
                if failing:
                    log.warning("revocation list refresh recovered")
                failing = False
            except (OSError, aioredis.RedisError) as exc:
                if not failing:
                    log.warning("revocation list refresh failed, keeping the last list: %s", exc)
                failing = True
            await asyncio.sleep(self._interval)

    async def stop(self) -> None:
        """Stop refreshing and close the Redis client."""
        await cancel_and_wait(self._task)
        self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None
