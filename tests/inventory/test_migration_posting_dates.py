"""The posting-date migration: rows already there are dated by the UTC day they were posted on,
and the previous release's writes (which name no new column) still work on the new schema."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from erp.inventory.domain.verify import verify_balances
from erp.inventory.main import SPEC
from erp.inventory.models import movements, reservations, stock_ledger
from erp.platform.db import Database
from erp.platform.db.migrations import served_code, upgrade
from tests.support.databases import PostgresFactory, _admin, pg_url

PREVIOUS = "20261125_0001"
POSTING_DATES = "20261201_0002"  # the migration under test
POSTED_AT = "2020-03-01 23:30:00"  # late evening UTC: the backfill takes this day


async def _empty_database(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'inventory.db'}"
    factory: PostgresFactory = request.getfixturevalue("postgres")
    name = f"erp_t{factory.run_id}_inventory_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}"')
    factory.created.append(name)
    return pg_url(name)


def _stamp(backend: str) -> str:
    return POSTED_AT if backend == "sqlite" else f"TIMESTAMPTZ '{POSTED_AT}+00'"


async def _write_as_previous_release(db: Database, backend: str, *, first: bool) -> None:
    """What the previous release's code writes: a receipt of 5 at 2 and a hold of 1, with no
    posting date and nothing consumed."""
    at = f"'{POSTED_AT}'" if backend == "sqlite" else f"TIMESTAMPTZ '{POSTED_AT}+00'"
    # SQLite keeps decimals as scaled integers: 4 places for quantities, 2 for values.
    qty, cost, value = ("50000", "20000", "1000") if backend == "sqlite" else ("5", "2", "10")
    statements = [
        "INSERT INTO movements (type, warehouse, posted_at, posted_by) "
        f"VALUES ('receipt', 'MAIN', {at}, 'old')",
        "INSERT INTO stock_ledger (movement_id, line_no, sku, warehouse, quantity, unit_cost, "
        "value, on_hand_after, value_after, posted_at) "
        f"SELECT max(id), 0, 'A', 'MAIN', {qty}, {cost}, {value}, "
        f"(SELECT on_hand FROM bins) + {qty}, (SELECT value FROM bins) + {value}, {at} "
        "FROM movements",
        f"UPDATE bins SET on_hand = on_hand + {qty}, value = value + {value}",
        "INSERT INTO reservations (sku, warehouse, quantity, status, expires_at, created_at) "
        f"VALUES ('A', 'MAIN', {qty}, 'active', {at}, {at})",
    ]
    if first:
        statements[:0] = [
            "INSERT INTO warehouses (code, name, allow_negative, active, created_at) "
            f"VALUES ('MAIN', 'Main', false, true, {at})",
            "INSERT INTO items (sku, name, uom, reorder_point, active, created_at, updated_at) "
            f"VALUES ('A', 'A', 'ea', 0, true, {at}, {at})",
            "INSERT INTO bins (sku, warehouse, on_hand, value, updated_at) "
            f"VALUES ('A', 'MAIN', 0, 0, {at})",
        ]
    async with db.transaction() as conn:
        for statement in statements:
            await conn.execute(text(statement))


async def test_upgrade_dates_existing_rows_and_serves_the_previous_release(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = await _empty_database(backend, request, tmp_path)
    await asyncio.to_thread(upgrade, SPEC.migrations, url, PREVIOUS)
    db = Database(url)
    try:
        await _write_as_previous_release(db, backend, first=True)
        await asyncio.to_thread(upgrade, SPEC.migrations, url)
        async with db.read() as conn:
            dates = {
                (await conn.execute(select(table.c.posting_date))).scalar_one()
                for table in (movements, stock_ledger)
            }
            assert dates == {dt.date(2020, 3, 1)}
            hold: Any = (await conn.execute(select(reservations))).one()
            assert (hold.quantity, hold.consumed) == (5, 0)
            assert (await verify_balances(conn))[1] == []
        # The previous release keeps writing rows without the new columns: the server fills
        # them in (today), and the ledger stays in date order.
        await _write_as_previous_release(db, backend, first=False)
        async with db.read() as conn:
            for table in (movements, stock_ledger):
                newest = select(table.c.posting_date).order_by(table.c.id.desc()).limit(1)
                assert (await conn.execute(newest)).scalar_one() > dt.date(2020, 3, 1)
            consumed = select(reservations.c.consumed).order_by(reservations.c.id.desc())
            assert (await conn.execute(consumed.limit(1))).scalar_one() == 0
            assert (await verify_balances(conn))[1] == []
    finally:
        await db.dispose()
    assert PREVIOUS in served_code(SPEC.migrations.scripts(), POSTING_DATES)
