"""Redis Streams transport: one stream per topic, one consumer group per consuming service.

Publishing is a pipelined XADD per batch. Redis acknowledging the XADD is not the end of the
story when Redis runs without persistence: the publisher remembers which entries the consumer
groups have not yet passed, and if Redis comes back empty (a new run id, a missing stream) it
hands those outbox rows back to the relay to publish again; inboxes absorb the duplicates.
Streams are trimmed only below the oldest entry some group still needs (MINID), never blindly.
"""

from __future__ import annotations

import os
import socket
from collections import deque
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from erp.platform.events.inbox import Inbox
from erp.platform.events.transports.base import OutboxMessage, TopicStats, Transport
from erp.platform.events.transports.redis_consumer import StreamConsumer, dead_stream
from erp.platform.logging import get_logger

log = get_logger(__name__)
EntryId = tuple[int, int]
_DEAD_SCAN_LIMIT = 10_000


def parse_id(entry_id: str) -> EntryId:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def connect(url: str) -> Redis:
    return Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=2,
        socket_timeout=10,
        health_check_interval=15,
    )


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class RedisStreamsTransport(Transport):
    name = "redis"

    def __init__(
        self,
        *,
        url: str,
        prefix: str = "erp:events:",
        maxlen: int = 100_000,
        max_attempts: int = 5,
        backoff_seconds: float = 0.5,
        reclaim_idle_seconds: float = 30.0,
        batch: int = 100,
        consumer: str | None = None,
        block_ms: int = 1000,
    ) -> None:
        self.redis = connect(url)
        self.prefix = prefix
        self.maxlen = maxlen
        self._consumers: list[StreamConsumer] = []
        self._consumer_options: dict[str, Any] = {
            "max_attempts": max_attempts,
            "backoff_seconds": backoff_seconds,
            "reclaim_idle_seconds": reclaim_idle_seconds,
            "batch": batch,
            "consumer": consumer or consumer_name(),
            "block_ms": block_ms,
        }
        # stream -> (entry id, outbox row id) not yet passed by every consumer group
        self._unconfirmed: dict[str, deque[tuple[EntryId, int]]] = {}
        self._run_id: str | None = None

    def stream(self, topic: str) -> str:
        return f"{self.prefix}{topic}"

    async def start(self) -> None:
        try:
            self._run_id = await self._server_run_id()
        except Exception as error:  # readiness reports it; the relay retries
            log.warning("redis_unreachable", error=str(error))
        for c in self._consumers:
            c.start()

    async def close(self) -> None:
        for c in self._consumers:
            await c.stop()
        await self.redis.aclose()

    async def check(self) -> None:
        await self.redis.ping()

    def subscribe(self, inbox: Inbox) -> None:
        streams = {self.stream(t): t for t in inbox.topics}
        self._consumers.append(StreamConsumer(self.redis, inbox, streams, **self._consumer_options))

    async def publish(self, messages: Sequence[OutboxMessage]) -> Sequence[int]:
        if self._run_id is None:
            self._run_id = await self._server_run_id()
        pipe = self.redis.pipeline(transaction=False)
        for m in messages:
            pipe.xadd(self.stream(m.topic), {"event": m.payload})
        entry_ids = await pipe.execute()
        for m, entry_id in zip(messages, entry_ids, strict=True):
            self._unconfirmed.setdefault(self.stream(m.topic), deque()).append(
                (parse_id(entry_id), m.row_id)
            )
        return [m.row_id for m in messages]

    async def _server_run_id(self) -> str:
        info = await self.redis.info("server")
        return str(info["run_id"])

    async def maintain(self, topics: Sequence[str]) -> Sequence[int]:
        """Confirm what every group has passed, trim below it, and return the outbox rows to
        publish again when Redis lost its data."""
        run_id = await self._server_run_id()
        if self._run_id is not None and run_id != self._run_id:
            log.warning("redis_restarted", republish=sum(map(len, self._unconfirmed.values())))
            self._run_id = run_id
            return self._forget_all()
        self._run_id = run_id
        lost: list[int] = []
        for topic in topics:
            stream = self.stream(topic)
            floor = await self._consumed_floor(stream)
            pending = self._unconfirmed.get(stream, deque())
            if floor is None:  # the stream vanished: everything not confirmed goes again
                lost.extend(row for _, row in pending)
                pending.clear()
                continue
            while pending and pending[0][0] < floor:
                pending.popleft()
            await self._trim(stream, floor)
        return lost

    def _forget_all(self) -> list[int]:
        rows = [row for pending in self._unconfirmed.values() for _, row in pending]
        self._unconfirmed.clear()
        return rows

    async def _consumed_floor(self, stream: str) -> EntryId | None:
        """The lowest entry id some group still needs (entries below it are done);
        None when the stream does not exist."""
        try:
            groups = await self.redis.xinfo_groups(stream)
        except ResponseError:
            return None
        floor: EntryId = (2**63, 0)
        for g in groups:
            summary = await self.redis.xpending(stream, g["name"]) if g["pending"] else {}
            if summary.get("min"):  # still pending (it may have been acknowledged meanwhile)
                floor = min(floor, parse_id(summary["min"]))
            else:
                ms, seq = parse_id(g["last-delivered-id"])
                floor = min(floor, (ms, seq + 1))
        return floor

    async def _trim(self, stream: str, floor: EntryId) -> None:
        length = await self.redis.xlen(stream)
        if length <= self.maxlen:
            return
        if floor[0] == 2**63:  # no consumer group has declared interest
            await self.redis.xtrim(stream, maxlen=self.maxlen, approximate=True)
        else:
            await self.redis.xtrim(stream, minid=f"{floor[0]}-{floor[1]}", approximate=True)

    async def stats(self, service: str, topics: Sequence[str]) -> list[TopicStats]:
        result = []
        for topic in topics:
            stream = self.stream(topic)
            lag: int | None = None
            pending = 0
            try:
                for g in await self.redis.xinfo_groups(stream):
                    if g["name"] == service:
                        lag, pending = g.get("lag"), int(g["pending"])
            except ResponseError:
                pass
            result.append(TopicStats(topic, lag, pending, await self.dead_count(stream, service)))
        return result

    async def dead_count(self, stream: str, group: str) -> int:
        entries = await self.redis.xrange(dead_stream(stream), count=_DEAD_SCAN_LIMIT)
        return sum(1 for _, fields in entries if fields.get("group") == group)

    async def replay_dead_letters(self, topic: str, group: str | None) -> int:
        """Put dead letters back on their stream (every group sees them again; inboxes drop
        what was already applied) and remove them from the dead-letter stream."""
        stream = self.stream(topic)
        moved = 0
        for entry_id, fields in await self.redis.xrange(
            dead_stream(stream), count=_DEAD_SCAN_LIMIT
        ):
            if group is not None and fields.get("group") != group:
                continue
            pipe = self.redis.pipeline(transaction=True)
            if fields.get("event"):
                pipe.xadd(stream, {"event": fields["event"]})
            pipe.xdel(dead_stream(stream), entry_id)
            await pipe.execute()
            moved += 1
        return moved

    async def topics(self) -> list[str]:
        """Every topic with a stream under the prefix."""
        found = set()
        async for key in self.redis.scan_iter(match=f"{self.prefix}*", count=500):
            name = key[len(self.prefix) :]
            if not name.endswith(":dead"):
                found.add(name)
        return sorted(found)
