"""The benchmark's bulk loader builds exactly the read models the event handlers build."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.reporting.loader import Shape, facts, fold, load_with_copy, load_with_upserts
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.finance import JournalPosted
from erp.contracts.inventory import StockMoved
from erp.platform.db import Database
from erp.platform.events.envelope import Event
from erp.reporting.events.handlers import handle
from erp.reporting.main import SPEC
from erp.reporting.models import (
    ledger_accounts,
    ledger_balances,
    stock_balances,
    stock_flows,
    stock_links,
)

SHAPE = Shape(journal_lines=400, movements=300, skus=7, warehouses=3, days=400, seed=5)
COMPARED = (ledger_accounts, ledger_balances, stock_balances, stock_flows, stock_links)


def as_event(fact: JournalPosted | StockMoved) -> Event:
    """The fact as the publisher sends it."""
    return Event(
        id=uuid.uuid4().hex,
        source=fact.TOPIC.split(".")[0],
        type=fact.TOPIC,
        subject="s",
        sequence=1,
        time=fact.posted_at,
        data=fact.to_data(),
    )


async def snapshot(
    db: Database, tables: tuple[Table, ...] = COMPARED
) -> dict[str, set[tuple[Any, ...]]]:
    out = {}
    async with db.read() as conn:
        for table in tables:
            rows = (await conn.execute(select(table))).all()
            out[table.name] = {
                tuple(Decimal(v).normalize() if isinstance(v, Decimal) else v for v in r)
                for r in rows
            }
    return out


async def test_bulk_loader_equals_the_event_path(
    database_for: Any, backend: str, sqlite_templates: Any, tmp_path: Path
) -> None:
    by_events = Database(await database_for(SPEC))
    if backend == "sqlite":
        (tmp_path / "bulk").mkdir()
        bulk_url = sqlite_templates.fresh(SPEC, tmp_path / "bulk")
    else:
        bulk_url = await database_for(SPEC)
    bulk = Database(bulk_url)
    try:
        for fact in facts(SHAPE):
            event = as_event(fact)

            async def work(conn: AsyncConnection, event: Event = event) -> None:
                await handle(conn, event)

            await by_events.run(work)
        folded = fold(SHAPE)
        if backend == "postgres":
            await load_with_copy(bulk_url.replace("+asyncpg", ""), folded)
        else:
            await bulk.run(lambda conn: load_with_upserts(conn, folded))
        expected, got = await snapshot(by_events), await snapshot(bulk)
        for table in expected:
            assert got[table] == expected[table], table
        assert len(expected["stock_links"]) == SHAPE.movements
    finally:
        await by_events.dispose()
        await bulk.dispose()
