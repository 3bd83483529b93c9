from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.platform.events.envelope import Event
from erp.reporting.events.handlers import handle
from erp.reporting.main import SPEC
from erp.reporting.models import READ_MODELS, received_events, report_generations, report_marks
from tests.support.clients import ServiceClient, service_client


@pytest.fixture
async def reporting(database_for: Any, tmp_path: Path) -> AsyncIterator[ServiceClient]:
    """The reporting service on a fresh database (SQLite and PostgreSQL), as admin, no cache."""
    url = await database_for(SPEC)
    async with service_client(SPEC, database_url=url, data_dir=tmp_path) as client:
        yield client


@pytest.fixture
async def cached(database_for: Any, tmp_path: Path, redis_url: str) -> AsyncIterator[ServiceClient]:
    """The reporting service with its Redis cache, under a key prefix of its own."""
    url = await database_for(SPEC)
    prefix = f"erp:test:{uuid.uuid4().hex[:8]}:"
    async with service_client(
        SPEC, database_url=url, data_dir=tmp_path, redis_url=redis_url,
        reporting_cache_prefix=prefix,
    ) as client:  # fmt: skip
        yield client


async def feed(client: ServiceClient, events: Iterable[Event]) -> None:
    """Deliver events one transaction each, as the backbone's inbox would."""
    db = client.app.state.runtime.db
    for item in events:

        async def work(conn: AsyncConnection, item: Event = item) -> None:
            await handle(conn, item)

        await db.run(work)


async def wipe(client: ServiceClient) -> None:
    """Empty every table (between hypothesis examples sharing one database)."""

    async def work(conn: AsyncConnection) -> None:
        for table in (*READ_MODELS, received_events, report_marks, report_generations):
            await conn.execute(table.delete())

    await client.app.state.runtime.db.run(work)
