"""Idempotent delivery into a consuming service: the handler's effect and the inbox row that
records the event id commit in one transaction, so a redelivered event has no second effect.

Ordering policy. Delivery is at least once and, with several replicas or topics, in no global
order: handlers must be correct in any order. Additive effects (postings, counters) commute and
need nothing more. A handler that replaces state (a projection of "the latest" value) keeps, on
its own row, the `sequence` of the event it was built from and ignores a delivery whose
sequence is not newer (a stale, late redelivery). A gap in sequences is not an error: the
missing event is still in the publisher's outbox or in flight and will arrive.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.platform.db import Database
from erp.platform.db.upsert import upsert
from erp.platform.events.envelope import Event, Handler
from erp.platform.events.metrics import EVENTS_HANDLED, HANDLER_LATENCY
from erp.platform.logging import get_logger

log = get_logger(__name__)


def describe(error: BaseException) -> str:
    """The failure reason kept with a retried or dead-lettered event."""
    return f"{type(error).__name__}: {error}"[:500]


class Inbox:
    """The handlers of one consuming service (`service` is the inbox's consumer name)."""

    def __init__(
        self, *, service: str, db: Database, metadata: MetaData, handlers: Mapping[str, Handler]
    ) -> None:
        self.service = service
        self.db = db
        self.table = metadata.tables["inbox"]
        self.handlers = dict(handlers)

    @property
    def topics(self) -> list[str]:
        return sorted(self.handlers)

    async def deliver(self, events: Sequence[Event]) -> dict[str, str | None]:
        """Apply a batch: one transaction for all; if it fails, one transaction per event so a
        bad event cannot hold back the others. Returns event id -> failure reason or None."""
        if not events:
            return {}
        if len(events) > 1:
            try:
                await self.db.run(lambda conn: self._apply(conn, events))
                return {e.id: None for e in events}
            except Exception:
                pass  # find the culprit below
        outcome: dict[str, str | None] = {}
        for item in events:
            try:
                await self.db.run(lambda conn, item=item: self._apply(conn, [item]))  # type: ignore[misc]
                outcome[item.id] = None
            except Exception as error:
                outcome[item.id] = describe(error)
                EVENTS_HANDLED.labels(self.service, item.type, "failed").inc()
                log.warning(
                    "event_handler_failed",
                    service=self.service,
                    topic=item.type,
                    event_id=item.id,
                    error=outcome[item.id],
                )
        return outcome

    async def _apply(self, conn: AsyncConnection, events: Sequence[Event]) -> None:
        fresh = await self._claim(conn, events)
        # Subject order: replicas applying overlapping batches take row locks in the same
        # order (no deadlocks), and each subject's events go in sequence.
        for item in sorted(events, key=lambda e: (e.subject, e.sequence)):
            if item.id not in fresh:
                EVENTS_HANDLED.labels(self.service, item.type, "duplicate").inc()
                continue
            fresh.discard(item.id)  # the same event twice in one batch applies once
            handler = self.handlers.get(item.type)
            if handler is None:
                continue
            started = time.perf_counter()
            await handler(conn, item)
            HANDLER_LATENCY.labels(self.service, item.type).observe(time.perf_counter() - started)
            EVENTS_HANDLED.labels(self.service, item.type, "applied").inc()

    async def _claim(self, conn: AsyncConnection, events: Sequence[Event]) -> set[str]:
        """Insert inbox rows; the ids that were not there yet come back."""
        now = datetime.now(UTC)
        rows = {
            e.id: {
                "consumer": self.service,
                "event_id": e.id,
                "topic": e.type,
                "subject": e.subject,
                "sequence": e.sequence,
                "handled_at": now,
            }
            for e in events
        }
        statement = upsert(conn.dialect, self.table, list(rows.values())).returning(
            self.table.c.event_id
        )
        return set((await conn.execute(statement)).scalars())
