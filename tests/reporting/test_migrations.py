"""A migration that derives read-model rows derives exactly what the events would have added."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import command
from bench.reporting.loader import Shape, fold, load_with_upserts
from sqlalchemy import func, select

from erp.platform.db import Database
from erp.platform.db.migrations import upgrade
from erp.reporting.main import SPEC
from erp.reporting.models import ledger_balances, stock_balances
from tests.reporting.test_bulk_loader import snapshot

SHAPE = Shape(journal_lines=200, movements=300, skus=4, warehouses=2, days=120, seed=11)
BEFORE_TEN_DAY = "20261125_0002"


async def test_ten_day_buckets_backfill_from_day_buckets(database_for: Any) -> None:
    url = await database_for(SPEC)
    db = Database(url)
    try:
        folded = fold(SHAPE)
        await db.run(lambda conn: load_with_upserts(conn, folded))
        built = await snapshot(db, (ledger_balances, stock_balances))
        await db.dispose()

        config = SPEC.migrations.config(url)
        await asyncio.to_thread(command.downgrade, config, BEFORE_TEN_DAY)
        async with db.read() as conn:
            for table in (ledger_balances, stock_balances):
                left = select(func.count()).where(table.c.grain == "t")
                assert (await conn.execute(left)).scalar_one() == 0
        await db.dispose()

        await asyncio.to_thread(upgrade, SPEC.migrations, url)
        assert await snapshot(db, (ledger_balances, stock_balances)) == built
        assert any(row[0] == "t" for row in built["stock_balances"])
    finally:
        await db.dispose()
