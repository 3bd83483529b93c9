"""The outbox relay: publish unsent rows in order and mark them sent once acknowledged.

Wakes right after a commit (see `wakeup`), sweeps every `sweep_seconds` as a safety net.
PostgreSQL: a batch is locked `FOR UPDATE SKIP LOCKED` for the time of its publish, so
replicas share the backlog without publishing a row twice at once; a row whose subject has an
older unsent row locked by another replica waits, which keeps each subject in order (a batch
taken while another replica was still locking need not be contiguous). SQLite
(one process): rows are read, published, then marked; the write lock stays free meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import MetaData, Row, Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select

from erp.platform.db import Database
from erp.platform.events.metrics import (
    EVENTS_PUBLISHED,
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_AGE,
    RELAY_BATCH_SECONDS,
    RELAY_FAILURES,
)
from erp.platform.events.transports.base import OutboxMessage, Transport
from erp.platform.events.wakeup import PgListener, on_outbox_commit
from erp.platform.logging import get_logger

log = get_logger(__name__)
_MAX_BACKOFF_SECONDS = 5.0


class Relay:
    def __init__(
        self,
        *,
        service: str,
        db: Database,
        metadata: MetaData,
        transport: Transport,
        batch_size: int = 500,
        sweep_seconds: float = 5.0,
        retention_seconds: float = 86400.0,
    ) -> None:
        self.service = service
        self.db = db
        self.outbox = metadata.tables["outbox"]
        self.transport = transport
        self.batch_size = batch_size
        self.sweep_seconds = sweep_seconds
        self.retention = timedelta(seconds=retention_seconds)
        self.topics: set[str] = set()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._unlisten = on_outbox_commit(db.engine, self.wake)
        self._listener = None if db.is_sqlite else PgListener(db.url, self.wake)
        self._held_back = False

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._listener is not None:
            self._listener.start()
        self._tasks = [
            asyncio.create_task(self._run(), name=f"relay-{self.service}"),
            asyncio.create_task(self._upkeep_loop(), name=f"relay-upkeep-{self.service}"),
        ]

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Let the batch in hand finish (never cut a transaction short), then stop."""
        self._unlisten()
        if self._listener is not None:
            await self._listener.stop()
        self._stopping.set()
        self.wake()
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=grace_seconds)
            for task in late:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _run(self) -> None:
        failures = 0
        self._wake.set()  # whatever a previous run left behind
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.sweep_seconds)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                await self.drain()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failures += 1
                RELAY_FAILURES.labels(self.service).inc()
                log.warning("relay_failed", service=self.service, error=str(error))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._stopping.wait(), min(_MAX_BACKOFF_SECONDS, 0.1 * 2**failures)
                    )
                self._wake.set()

    async def drain(self) -> int:
        """Publish until the outbox holds nothing publishable; returns rows published."""
        total = 0
        while not self._stopping.is_set():
            started = time.perf_counter()
            done, seen = await (self._batch_sqlite() if self.db.is_sqlite else self._batch_pg())
            if seen:
                RELAY_BATCH_SECONDS.labels(self.service).observe(time.perf_counter() - started)
            total += done
            if seen < self.batch_size or done == 0:
                if self._held_back:  # another replica holds older rows of a subject
                    self._held_back = False
                    asyncio.get_running_loop().call_later(0.05, self.wake)
                return total
        return total

    async def _batch_pg(self) -> tuple[int, int]:
        async with self.db.transaction() as conn:
            rows = (
                await conn.execute(self._unsent().with_for_update(skip_locked=True, of=self.outbox))
            ).all()
            if not rows:
                return 0, 0
            gaps = await self._gaps(conn, rows)
            ready = [r for r in rows if r.id < gaps.get(r.subject, r.id + 1)]
            self._held_back = self._held_back or len(ready) < len(rows)
            acked = await self._publish(ready)
            await self._mark(conn, acked)
            return len(acked), len(rows)

    async def _batch_sqlite(self) -> tuple[int, int]:
        async with self.db.read() as conn:
            rows = (await conn.execute(self._unsent())).all()
        if not rows:
            return 0, 0
        acked = await self._publish(rows)
        if acked:
            async with self.db.transaction() as conn:
                await self._mark(conn, acked)
        return len(acked), len(rows)

    def _unsent(self) -> Select[Any]:
        o = self.outbox
        return (
            select(o.c.id, o.c.topic, o.c.subject, o.c.sequence, o.c.payload)
            .where(o.c.published_at.is_(None))
            .order_by(o.c.id)
            .limit(self.batch_size)
        )

    async def _gaps(self, conn: AsyncConnection, rows: Sequence[Row[Any]]) -> dict[str, int]:
        """Per subject, the oldest unsent row outside this batch that is older than some row
        in it (another replica holds it). Rows of the subject after that one must wait."""
        o = self.outbox
        last: dict[str, int] = {}
        for r in rows:
            last[r.subject] = r.id
        older = await conn.execute(
            select(o.c.subject, func.min(o.c.id))
            .where(
                o.c.published_at.is_(None),
                o.c.subject.in_(list(last)),
                o.c.id < max(last.values()),
                o.c.id.not_in([r.id for r in rows]),
            )
            .group_by(o.c.subject)
        )
        return {s: i for s, i in older.tuples() if i < last[s]}

    async def _publish(self, rows: Sequence[Row]) -> list[int]:
        if not rows:
            return []
        messages = [OutboxMessage(r.id, r.topic, r.subject, r.sequence, r.payload) for r in rows]
        acked = list(await self.transport.publish(messages))
        by_id = {m.row_id: m.topic for m in messages}
        for row_id in acked:
            EVENTS_PUBLISHED.labels(self.service, by_id[row_id]).inc()
        self.topics.update(by_id.values())
        return acked

    async def _mark(self, conn: AsyncConnection, ids: list[int]) -> None:
        if ids:
            await conn.execute(
                self.outbox.update()
                .where(self.outbox.c.id.in_(ids))
                .values(published_at=datetime.now(UTC))
            )

    async def _upkeep_loop(self) -> None:
        """Apart from publishing, so it never delays it."""
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.sweep_seconds)
                return
            try:
                await self.upkeep()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("relay_upkeep_failed", service=self.service, error=str(error))

    async def upkeep(self) -> None:
        """Refresh the backlog gauges, confirm and trim streams, prune old sent rows."""
        await self.refresh_metrics()
        lost = list(await self.transport.maintain(sorted(self.topics)))
        if lost:
            async with self.db.transaction() as conn:
                await conn.execute(
                    self.outbox.update().where(self.outbox.c.id.in_(lost)).values(published_at=None)
                )
            log.warning("events_republishing", service=self.service, count=len(lost))
            self.wake()
        if self.retention.total_seconds() > 0:
            o = self.outbox
            cutoff = datetime.now(UTC) - self.retention
            async with self.db.transaction() as conn:
                await conn.execute(
                    o.delete().where(o.c.published_at.is_not(None), o.c.published_at < cutoff)
                )

    async def backlog(self) -> tuple[int, float]:
        """(unsent rows, age in seconds of the oldest one)."""
        return await outbox_backlog(self.db, self.outbox)

    async def refresh_metrics(self) -> None:
        count, age = await self.backlog()
        OUTBOX_BACKLOG.labels(self.service).set(count)
        OUTBOX_OLDEST_AGE.labels(self.service).set(age)


async def outbox_backlog(db: Database, outbox: Table) -> tuple[int, float]:
    """(unsent rows, age in seconds of the oldest one)."""
    async with db.read() as conn:
        count, oldest = (
            await conn.execute(
                select(func.count(), func.min(outbox.c.created_at)).where(
                    outbox.c.published_at.is_(None)
                )
            )
        ).one()
    age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
    return int(count), max(age, 0.0)
