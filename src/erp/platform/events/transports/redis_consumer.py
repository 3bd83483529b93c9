"""One consuming service's reader of its Redis streams (its consumer group, this replica's
consumer name).

- New entries: XREADGROUP, applied as one inbox batch, XACK on success.
- A failed entry stays pending; after a backoff that doubles with each delivery it is claimed
  again (XCLAIM counts the delivery) and retried; after `max_attempts` deliveries it moves to
  `<stream>:dead` with the failure reason. Other entries keep flowing meanwhile.
- Entries left pending by a dead replica are taken over with XAUTOCLAIM once idle for
  `reclaim_idle_seconds` and then follow the same retry path.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from erp.platform.events.envelope import Event
from erp.platform.events.inbox import Inbox
from erp.platform.events.metrics import EVENTS_HANDLED
from erp.platform.logging import get_logger

log = get_logger(__name__)
_TRANSIENT = (RedisConnectionError, RedisTimeoutError, OSError)
_MAX_BACKOFF_SECONDS = 300.0
Entry = tuple[str, dict[str, str] | None]


def dead_stream(stream: str) -> str:
    return f"{stream}:dead"


class StreamConsumer:
    def __init__(
        self,
        redis: Redis,
        inbox: Inbox,
        streams: dict[str, str],
        *,
        max_attempts: int,
        backoff_seconds: float,
        reclaim_idle_seconds: float,
        batch: int,
        consumer: str,
        block_ms: int,
    ) -> None:
        self.redis = redis
        self.inbox = inbox
        self.group = inbox.service
        self.streams = streams  # stream key -> topic
        self.max_attempts = max_attempts
        self.backoff = backoff_seconds
        self.reclaim_idle_ms = int(reclaim_idle_seconds * 1000)
        self.batch = batch
        self.consumer = consumer
        self.block_ms = block_ms
        self._errors: dict[str, str] = {}  # entry id -> last failure reason
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    def start(self) -> None:
        self._stopping = False
        self._tasks = [
            asyncio.create_task(self._read_loop(), name=f"consume-{self.group}"),
            asyncio.create_task(self._retry_loop(), name=f"retry-{self.group}"),
        ]

    async def stop(self, grace_seconds: float = 5.0) -> None:
        """Finish the batch in hand (up to `grace_seconds`), then stop."""
        self._stopping = True
        if not self._tasks:
            return
        _, running = await asyncio.wait(self._tasks, timeout=grace_seconds + self.block_ms / 1000)
        for task in running:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def ensure_groups(self) -> None:
        for stream in self.streams:
            try:
                await self.redis.xgroup_create(stream, self.group, id="0", mkstream=True)
            except ResponseError as error:
                if "BUSYGROUP" not in str(error):
                    raise

    async def _read_loop(self) -> None:
        failures = 0
        need_groups = True
        while not self._stopping:
            try:
                if need_groups:
                    await self.ensure_groups()
                    need_groups = False
                reply = await self.redis.xreadgroup(
                    self.group,
                    self.consumer,
                    dict.fromkeys(self.streams, ">"),
                    count=self.batch,
                    block=self.block_ms,
                )
                failures = 0
            except ResponseError as error:
                need_groups = "NOGROUP" in str(error)  # Redis lost the group (restart)
                failures += 1
                log.warning("redis_read_failed", group=self.group, error=str(error))
                await asyncio.sleep(min(5.0, 0.1 * 2**failures))
                continue
            except _TRANSIENT as error:
                failures += 1
                need_groups = True
                log.warning("redis_read_failed", group=self.group, error=str(error))
                await asyncio.sleep(min(5.0, 0.1 * 2**failures))
                continue
            for stream, entries in reply or []:
                await self.handle(stream, entries)

    async def handle(self, stream: str, entries: Sequence[Entry]) -> None:
        """Apply entries of one stream; acknowledge what took effect."""
        events: list[tuple[str, Event]] = []
        gone: list[str] = []
        for entry_id, fields in entries:
            if not fields:  # deleted from the stream meanwhile: nothing left to apply
                gone.append(entry_id)
                continue
            try:
                events.append((entry_id, Event.from_json(fields["event"])))
            except (ValueError, KeyError, TypeError) as error:
                await self.dead_letter(stream, entry_id, fields, f"malformed event: {error}", 1)
        outcome = await self.inbox.deliver([e for _, e in events])
        done = gone + [i for i, e in events if outcome.get(e.id) is None]
        for entry_id, e in events:
            reason = outcome.get(e.id)
            if reason is not None:
                self._errors[entry_id] = reason
        if done:
            with contextlib.suppress(*_TRANSIENT):  # unacked entries are simply redelivered
                await self.redis.xack(stream, self.group, *done)
            for entry_id in done:
                self._errors.pop(entry_id, None)

    async def dead_letter(
        self, stream: str, entry_id: str, fields: dict[str, str] | None, reason: str, n: int
    ) -> None:
        topic = self.streams.get(stream, stream)
        pipe = self.redis.pipeline(transaction=True)
        pipe.xadd(
            dead_stream(stream),
            {
                "event": (fields or {}).get("event", ""),
                "topic": topic,
                "entry_id": entry_id,
                "group": self.group,
                "consumer": self.consumer,
                "reason": reason,
                "attempts": str(n),
                "dead_at": datetime.now(UTC).isoformat(),
            },
        )
        pipe.xack(stream, self.group, entry_id)
        await pipe.execute()
        self._errors.pop(entry_id, None)
        EVENTS_HANDLED.labels(self.group, topic, "dead_lettered").inc()
        log.error(
            "event_dead_lettered", group=self.group, topic=topic, entry_id=entry_id, reason=reason
        )

    def _due_after_ms(self, deliveries: int) -> int:
        return int(min(self.backoff * 2 ** max(deliveries - 1, 0), _MAX_BACKOFF_SECONDS) * 1000)

    async def _retry_loop(self) -> None:
        tick = min(self.backoff, 1.0)
        while not self._stopping:
            await asyncio.sleep(tick)
            for stream in self.streams:
                try:
                    await self._reclaim(stream)
                    await self._retry(stream)
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # never let the retry loop die
                    log.warning("redis_retry_failed", group=self.group, error=str(error))

    async def _reclaim(self, stream: str) -> None:
        """Take over entries another (dead) replica left pending; JUSTID: not a delivery.
        Claimed entries are idle again, so starting over from 0 each round terminates."""
        while True:
            claimed: Any = await self.redis.xautoclaim(
                stream, self.group, self.consumer, self.reclaim_idle_ms, "0-0", 100, justid=True
            )
            if claimed:
                log.info("events_reclaimed", group=self.group, stream=stream, count=len(claimed))
            if len(claimed) < 100:
                return

    async def _retry(self, stream: str) -> None:
        pending = await self.redis.xpending_range(
            stream,
            self.group,
            min="-",
            max="+",
            count=self.batch,
            consumername=self.consumer,
            idle=self._due_after_ms(1),
        )
        due: list[Any] = []
        for p in pending:
            entry_id, n = p["message_id"], int(p["times_delivered"])
            if n >= self.max_attempts:
                entry = await self.redis.xrange(stream, entry_id, entry_id)
                reason = self._errors.get(entry_id) or (
                    f"not acknowledged after {n} deliveries (consumer stopped)"
                )
                await self.dead_letter(stream, entry_id, entry[0][1] if entry else None, reason, n)
            elif int(p["time_since_delivered"]) >= self._due_after_ms(n):
                due.append(entry_id)
        if due:
            claimed = await self.redis.xclaim(stream, self.group, self.consumer, 0, due)
            await self.handle(stream, claimed)
