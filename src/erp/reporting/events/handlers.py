"""The handlers the backbone delivers to: keep the event, then apply it.

The backbone's inbox already makes redelivery harmless; the unique event id in
`received_events` makes it so even for a caller without an inbox (and keeps the raw events
`erp reporting rebuild` replays).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from erp.platform.events.envelope import Event, Handler
from erp.reporting.domain.apply import BY_TOPIC, apply_event
from erp.reporting.domain.writes import insert_for
from erp.reporting.models import received_events


async def keep(conn: AsyncConnection, event: Event) -> bool:
    """Store the raw event; False when it was already there (a redelivery)."""
    statement = (
        insert_for(conn, received_events)
        .values(
            event_id=event.id,
            source=event.source,
            topic=event.type,
            subject=event.subject,
            sequence=event.sequence,
            time=event.time,
            payload=json.dumps(event.data, separators=(",", ":"), default=str),
            received_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing()
        .returning(received_events.c.id)
    )
    return (await conn.execute(statement)).first() is not None


async def handle(conn: AsyncConnection, event: Event) -> None:
    if await keep(conn, event):
        await apply_event(conn, event)


# Every topic that has an effect, and those kept that change no figure.
SUBSCRIPTIONS: dict[str, Handler] = dict.fromkeys(BY_TOPIC, handle)
