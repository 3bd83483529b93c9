"""The purchase orders migration only adds tables: the previous release keeps serving on it,
and it goes back down cleanly."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from erp.inventory.main import SPEC
from erp.platform.db import Database
from erp.platform.db.migrations import served_code, upgrade
from tests.inventory.test_migration_posting_dates import _empty_database

PREVIOUS = "20261201_0002"
THIS = "20261207_0003"
TABLES = {"purchase_orders", "purchase_order_lines", "purchase_order_receipts"}


def test_it_is_on_the_one_line_and_serves_the_previous_release() -> None:
    scripts = SPEC.migrations.scripts()
    (head,) = scripts.get_heads()
    assert THIS in {r.revision for r in scripts.walk_revisions("base", head)}
    assert served_code(scripts, THIS) == [THIS, PREVIOUS]


async def test_it_adds_the_tables_and_goes_back_down(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = await _empty_database(backend, request, tmp_path)
    await asyncio.to_thread(upgrade, SPEC.migrations, url, PREVIOUS)
    await asyncio.to_thread(upgrade, SPEC.migrations, url)
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            names = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        assert names >= TABLES
        await asyncio.to_thread(command.downgrade, SPEC.migrations.config(url), PREVIOUS)
        async with db.engine.connect() as conn:
            names = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        assert not names & TABLES and "movements" in names
    finally:
        await db.dispose()
