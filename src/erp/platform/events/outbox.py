"""Write an event in the same transaction as the state change that causes it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import structlog
from fastapi.encoders import jsonable_encoder
from sqlalchemy import MetaData, Table, func
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.platform.db.upsert import increment
from erp.platform.events.wakeup import NOTIFY_CHANNEL, mark_pending

# Money and quantities travel as strings (docs/architecture.md, "Data"), never as lossy JSON
# numbers.
_AS_STRINGS: dict[Any, Callable[[Any], Any]] = {Decimal: str}


def _tables(metadata: MetaData) -> tuple[Table, Table]:
    return metadata.tables["outbox"], metadata.tables["outbox_sequences"]


async def enqueue(
    conn: AsyncConnection, metadata: MetaData, *, source: str, topic: str, subject: str, data: Any
) -> str:
    """Add one CloudEvent to the outbox inside the caller's transaction; returns its id."""
    outbox, sequences = _tables(metadata)
    event_id = uuid.uuid4().hex
    now = datetime.now(UTC)
    # Per subject (aggregate); the counter's row stays locked until commit.
    sequence = await increment(conn, sequences.c.last_sequence, {"subject": subject})
    context = structlog.contextvars.get_contextvars()
    envelope = {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": topic,
        "subject": subject,
        "time": now.isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "sequence": sequence,
        "traceparent": context.get("traceparent"),
        "data": jsonable_encoder(data, custom_encoder=_AS_STRINGS),
    }
    statement = outbox.insert().values(
        event_id=event_id,
        topic=topic,
        subject=subject,
        sequence=sequence,
        payload=json.dumps(envelope, separators=(",", ":")),
        created_at=now,
        published_at=None,
    )
    if conn.dialect.name == "postgresql":
        # NOTIFY is delivered at commit, so every replica's relay wakes; riding on the insert
        # costs no extra round trip.
        statement = statement.returning(func.pg_notify(NOTIFY_CHANNEL, ""))
    await conn.execute(statement)
    mark_pending(conn)
    return event_id
