"""Per-user and per-IP rate limits shared through Redis; a local fallback, never fail closed."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

from erp.gateway.proxy.buckets import TOKEN_BUCKET_LUA, Decision, LocalBuckets
from erp.gateway.proxy.config import RateLimitConfig
from erp.gateway.proxy.leases import TAKE_BATCH_LUA, LeasedBuckets
from erp.gateway.proxy.resp import RedisPipe
from erp.gateway.proxy.revocation import cancel_and_wait

log = logging.getLogger("erp.gateway.proxy")

DecisionCallback = Callable[[Decision], None]


class RateLimiter:
    """One EVALSHA per request, pipelined with every other request of the same loop turn; or,
    with `batch` > 1, one EVALSHA per `batch` requests of a bucket (see leases.py)."""

    def __init__(
        self, cfg: RateLimitConfig, on_fallback: Callable[[bool], None] | None = None
    ) -> None:
        self.cfg = cfg
        self._sha = hashlib.sha1(TOKEN_BUCKET_LUA).hexdigest().encode()
        self._prefix = cfg.key_prefix.encode()
        self._user = (str(cfg.user_rate).encode(), str(cfg.user_burst).encode())
        self._ip = (str(cfg.ip_rate).encode(), str(cfg.ip_burst).encode())
        self._local = LocalBuckets()
        self._key_cache: dict[tuple[str | None, str], list[tuple[bytes, float, int]]] = {}
        self._pipe: RedisPipe | None = None
        self._task: asyncio.Task[None] | None = None
        self._on_fallback = on_fallback
        self.fallback = False
        self._batch_sha = hashlib.sha1(TAKE_BATCH_LUA).hexdigest().encode()
        self._leased = (
            LeasedBuckets(cfg.batch, self._fetch_batch, time.monotonic, self._local.take)
            if cfg.batch > 1
            else None
        )

    async def start(self) -> None:
        """Connect to Redis (or start in fallback mode) and keep reconnecting in the background."""
        if not self.cfg.enabled or self.cfg.redis_url is None:
            return
        if not await self._connect():
            self._set_fallback(True, "cannot connect")
        self._task = asyncio.get_running_loop().create_task(self._watch())

    async def _connect(self) -> bool:
        """Whether a connection to Redis, with the scripts loaded, is now in use."""
        assert self.cfg.redis_url is not None
        try:
            pipe = await RedisPipe.connect(self.cfg.redis_url, self.cfg.redis_timeout)
            await asyncio.wait_for(pipe.call(b"SCRIPT", b"LOAD", TOKEN_BUCKET_LUA), 2.0)
            await asyncio.wait_for(pipe.call(b"SCRIPT", b"LOAD", TAKE_BATCH_LUA), 2.0)
        except (OSError, TimeoutError, ConnectionError, ValueError):
            return False
        self._pipe = pipe
        return True

    async def _watch(self) -> None:
        while True:
            pipe = self._pipe
            if pipe is not None:
                await pipe.closed
                self._pipe = None
                self._set_fallback(True, "connection lost")
            await asyncio.sleep(self.cfg.reconnect_interval)
            if await self._connect():
                self._set_fallback(False, "reconnected")

    def _set_fallback(self, on: bool, why: str) -> None:
        if on != self.fallback:
            self.fallback = on
            if on:
                log.warning("rate limiting falls back to local buckets: redis %s", why)
            else:
                log.warning("rate limiting is shared through redis again (%s)", why)
            if self._on_fallback is not None:
                self._on_fallback(on)

    def _keys(self, user: str | None, ip: str) -> list[tuple[bytes, float, int]]:
        """The buckets of a user and a client IP (remembered: the same few callers repeat)."""
        keys = self._key_cache.get((user, ip))
        if keys is None:
            cfg = self.cfg
            keys = [(self._prefix + b"ip:" + ip.encode(), cfg.ip_rate, cfg.ip_burst)]
            if user is not None:
                ukey = self._prefix + b"u:" + user.encode()
                keys.insert(0, (ukey, cfg.user_rate, cfg.user_burst))
            if len(self._key_cache) >= 10_000:
                self._key_cache.clear()
            self._key_cache[(user, ip)] = keys
        return keys

    def check(self, user: str | None, ip: str, done: DecisionCallback) -> Decision | None:
        """Decide now (returned) or later (passed to `done`); never raises, never fails closed."""
        pipe = self._pipe
        if pipe is None:
            return self._local.take(self._keys(user, ip))
        if self._leased is not None:
            return self._leased.take(self._keys(user, ip), done)
        ipkey = self._prefix + b"ip:" + ip.encode()
        if user is None:
            fut = pipe.call(b"EVALSHA", self._sha, b"1", ipkey, *self._ip)
        else:
            ukey = self._prefix + b"u:" + user.encode()
            fut = pipe.call(b"EVALSHA", self._sha, b"2", ukey, ipkey, *self._user, *self._ip)

        def resolved(f: asyncio.Future[Any]) -> None:
            exc = f.exception()
            if exc is None:
                done(Decision.from_reply(f.result()))
                return
            if "NOSCRIPT" in str(exc):
                pipe.call(b"SCRIPT", b"LOAD", TOKEN_BUCKET_LUA)
            done(self._local.take(self._keys(user, ip)))

        fut.add_done_callback(resolved)
        return None

    def _fetch_batch(
        self, key: bytes, rate: float, burst: int, want: int, reply: Callable[[Any], None]
    ) -> None:
        pipe = self._pipe
        if pipe is None:
            return reply(None)
        fut = pipe.call(b"EVALSHA", self._batch_sha, b"1", key, str(rate).encode(),
                        str(burst).encode(), str(want).encode())  # fmt: skip

        def resolved(f: asyncio.Future[Any]) -> None:
            exc = f.exception()
            if exc is None:
                return reply(f.result())
            if "NOSCRIPT" in str(exc):
                pipe.call(b"SCRIPT", b"LOAD", TAKE_BATCH_LUA)
            reply(None)

        fut.add_done_callback(resolved)

    def tick(self, now: float) -> None:
        """Called periodically: a Redis that stops answering counts as down."""
        pipe = self._pipe
        if pipe is not None and pipe.waiting_since(now) > self.cfg.redis_timeout:
            pipe.close()

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        if self._pipe is not None:
            self._pipe.close()
            self._pipe = None
