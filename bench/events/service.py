"""The consumer the benchmark measures against: it records when each event took effect."""

from __future__ import annotations

import time

from sqlalchemy import Column, Float, MetaData, String, Table
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.platform.db.migrations import MigrationSet
from erp.platform.db.tables import add_platform_tables
from erp.platform.events.envelope import Event
from erp.platform.service import ServiceSpec
from erp.platform.settings import ServiceSettings

TOPIC = "bench.pinged"
metadata = MetaData()
add_platform_tables(metadata)
effects = Table(
    "effects",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("applied_at", Float, nullable=False),
)


async def on_pinged(conn: AsyncConnection, event: Event) -> None:
    await conn.execute(effects.insert().values(event_id=event.id, applied_at=time.time()))


def spec(name: str, *, consumes: bool) -> ServiceSpec:
    return ServiceSpec(
        name=name,
        title="events benchmark",
        settings_cls=ServiceSettings,
        migrations=MigrationSet(name, "bench.events:service", metadata),
        routers=lambda: [],
        subscriptions={TOPIC: on_pinged} if consumes else {},
    )
