"""Brute-force protection for /auth/token: failures per username and client IP, then an
exponentially growing lockout (2 s, 4 s, 8 s ... at most 15 min). Kept in Redis when configured
(shared by every replica), in process memory otherwise or while Redis is unreachable."""

from __future__ import annotations

import hashlib
import math
import time

import redis.asyncio as aioredis

from erp.gateway.domain.errors import LockedOut
from erp.platform.logging import get_logger

MAX_LOCK_SECONDS = 900
FORGET_AFTER_SECONDS = 86_400
log = get_logger(__name__)


def lock_seconds(failures: int, allowed: int) -> int:
    """How long the `failures`-th consecutive failure locks the pair out (0: not yet)."""
    if failures < allowed:
        return 0
    return int(min(MAX_LOCK_SECONDS, 2 ** min(failures - allowed + 1, 20)))


class LoginGuard:
    def __init__(
        self, redis: aioredis.Redis | None, *, max_failures: int, key_prefix: str = "erp:"
    ) -> None:
        self.redis = redis
        self.key_prefix = key_prefix
        self.max_failures = max_failures
        self._local: dict[str, tuple[int, float]] = {}  # key -> (failures, locked until)

    def _key(self, username: str, ip: str) -> str:
        digest = hashlib.sha256(f"{username.lower()}\n{ip}".encode()).hexdigest()[:32]
        return f"{self.key_prefix}login:{digest}"

    async def _read(self, key: str) -> tuple[int, float]:
        if self.redis is not None:
            try:
                values = await self.redis.hmget(key, ["n", "until"])  # type: ignore[misc]
                return int(values[0] or 0), float(values[1] or 0)
            except (OSError, aioredis.RedisError) as error:
                log.warning("login_guard_redis_unreachable", error=str(error))
        return self._local.get(key, (0, 0.0))

    async def check(self, username: str, ip: str) -> None:
        """Raise LockedOut while the pair is locked."""
        _, until = await self._read(self._key(username, ip))
        wait = until - time.time()
        if wait > 0:
            raise LockedOut(max(1, math.ceil(wait)))

    async def failed(self, username: str, ip: str) -> None:
        key = self._key(username, ip)
        failures, _ = await self._read(key)
        failures += 1
        seconds = lock_seconds(failures, self.max_failures)
        until = time.time() + seconds if seconds else 0.0
        self._local[key] = (failures, until)
        if len(self._local) > 100_000:
            self._local.clear()
        if self.redis is not None:
            try:
                async with self.redis.pipeline(transaction=True) as pipe:
                    pipe.hset(key, mapping={"n": failures, "until": until})
                    pipe.expire(key, FORGET_AFTER_SECONDS)
                    await pipe.execute()
            except (OSError, aioredis.RedisError) as error:
                log.warning("login_guard_redis_unreachable", error=str(error))
        if seconds:
            log.warning("login_locked", failures=failures, seconds=seconds, ip=ip)

    async def succeeded(self, username: str, ip: str) -> None:
        key = self._key(username, ip)
        self._local.pop(key, None)
        if self.redis is not None:
            try:
                await self.redis.delete(key)
            except (OSError, aioredis.RedisError) as error:
                log.warning("login_guard_redis_unreachable", error=str(error))
