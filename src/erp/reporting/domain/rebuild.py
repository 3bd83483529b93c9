"""Drop every read model and replay the kept events through the same code as the handlers.

One transaction: readers see the old figures until the new ones are complete, and the
handlers wait (they would otherwise apply an event to half-built tables).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.platform.events.envelope import Event
from erp.reporting.domain.apply import FAMILIES, apply_event
from erp.reporting.domain.project import invalidate_everything
from erp.reporting.models import READ_MODELS, received_events

BATCH = 1000
Progress = Callable[[int], None]


async def rebuild(
    conn: AsyncConnection, *, on_start: Callable[[int], None] | None = None, advance: Progress
) -> int:
    """Rebuild inside `conn`'s transaction; returns how many events were replayed."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("LOCK TABLE received_events IN SHARE ROW EXCLUSIVE MODE"))
    total = int(
        (await conn.execute(select(func.count()).select_from(received_events))).scalar_one()
    )
    if on_start is not None:
        on_start(total)
    for table in reversed(READ_MODELS):
        await conn.execute(table.delete())
    last_id, replayed = 0, 0
    re = received_events
    while True:
        rows = (
            await conn.execute(select(re).where(re.c.id > last_id).order_by(re.c.id).limit(BATCH))
        ).all()
        if not rows:
            break
        for row in rows:
            await apply_event(conn, to_event(row))
        last_id = rows[-1].id
        replayed += len(rows)
        advance(len(rows))
    await invalidate_everything(conn, FAMILIES)
    return replayed


def to_event(row: Any) -> Event:
    return Event(
        id=row.event_id,
        source=row.source,
        type=row.topic,
        subject=row.subject,
        sequence=row.sequence,
        time=row.time,
        data=json.loads(row.payload),
    )
