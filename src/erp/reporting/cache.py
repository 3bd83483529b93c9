"""Hot answers in Redis, or the Dapr state store under Dapr; nothing when neither is set.

An answer is stored under a key that includes its *stamp*: for each report family it reads,
the newest generation marked at or before the month of the latest date it covers. Events bump
the marks in their own transaction, so an event that changes figures dated up to that month
changes the stamp (and the next read computes afresh), while answers about earlier dates keep
their stamp and stay valid. The stamp is read before the figures, so an answer can only be
stored under a stamp older than its data, never newer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.platform.logging import get_logger
from erp.reporting.config import ReportingSettings
from erp.reporting.models import report_marks

if TYPE_CHECKING:
    # aiohttp (~110 ms, several MB) is for the Dapr state store only: imported when it is used.
    import aiohttp

log = get_logger(__name__)
# Part of every key: answers cached by a release whose reports had another shape (columns,
# totals rows) are never served by this one.
SHAPE = "2"


class Store(Protocol):
    async def get(self, key: str) -> bytes | None: ...
    async def set(self, key: str, value: bytes, ttl: int) -> None: ...
    async def close(self) -> None: ...


class RedisStore:
    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    async def get(self, key: str) -> bytes | None:
        value = await self._redis.get(key)
        return bytes(value) if value is not None else None

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        await self._redis.set(key, value, ex=ttl)

    async def close(self) -> None:
        await self._redis.aclose()


class DaprStore:
    """The sidecar's state API: GET/POST /v1.0/state/<store>."""

    def __init__(self, port: int, store: str) -> None:
        self._base = f"http://127.0.0.1:{port}/v1.0/state/{store}"
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            import aiohttp

            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.5))
        return self._session

    async def get(self, key: str) -> bytes | None:
        async with self._client().get(f"{self._base}/{key}") as response:
            if response.status != 200:
                return None
            body = await response.read()
            return body or None

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        item = {"key": key, "value": value.decode(), "metadata": {"ttlInSeconds": str(ttl)}}
        async with self._client().post(self._base, json=[item]) as response:
            response.raise_for_status()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def make_store(settings: ReportingSettings) -> Store | None:
    if settings.reporting_cache_ttl_seconds == 0:
        return None
    if settings.event_transport == "dapr":
        return DaprStore(settings.dapr_http_port, settings.dapr_statestore_name)
    if settings.redis_url:
        return RedisStore(settings.redis_url)
    return None


async def stamp(conn: AsyncConnection, families: tuple[str, ...], horizon: dt.date) -> str:
    """Per family, the newest generation marked at or before `horizon`'s month."""
    rm = report_marks
    rows = (
        await conn.execute(
            select(rm.c.family, func.max(rm.c.generation))
            .where(rm.c.family.in_(families), rm.c.month <= horizon.replace(day=1))
            .group_by(rm.c.family)
        )
    ).all()
    found = {family: generation for family, generation in rows}
    return ",".join(f"{f}:{found.get(f, 0)}" for f in sorted(families))


class ReportCache:
    """Cached report bodies; every failure of the store degrades to computing the answer."""

    def __init__(self, store: Store | None, *, prefix: str, ttl: int) -> None:
        self.store, self.prefix, self.ttl = store, prefix, ttl

    @property
    def enabled(self) -> bool:
        return self.store is not None

    def key(self, report: str, params: dict[str, Any], stamp_: str) -> str:
        raw = json.dumps(params, sort_keys=True, default=str)
        digest = hashlib.blake2b(f"{raw}|{stamp_}|{SHAPE}".encode(), digest_size=12).hexdigest()
        return f"{self.prefix}{report}:{digest}"

    async def get(self, key: str) -> dict[str, Any] | None:
        if self.store is None:
            return None
        try:
            raw = await self.store.get(key)
        except Exception as error:  # the cache is an optimisation, never a failure
            log.warning("report_cache_unavailable", error=str(error)[:200])
            return None
        if raw is None:
            return None
        value: dict[str, Any] = json.loads(raw)
        return value

    async def put(self, key: str, body: dict[str, Any]) -> None:
        if self.store is None:
            return
        try:
            await self.store.set(key, json.dumps(body, default=str).encode(), self.ttl)
        except Exception as error:
            log.warning("report_cache_unavailable", error=str(error)[:200])

    async def close(self) -> None:
        if self.store is not None:
            await self.store.close()
