"""Reads on PostgreSQL skip BEGIN and COMMIT; writes stay transactional on the same pool."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.inventory.main import SPEC
from erp.platform.db import Database


async def _server_transaction_open(conn: AsyncConnection) -> bool:
    raw: Any = await conn.get_raw_connection()
    return bool(raw.driver_connection.is_in_transaction())


async def test_reads_run_outside_a_server_transaction_and_writes_inside(postgres: Any) -> None:
    db = Database(await postgres.fresh(SPEC), pool_size=1, max_overflow=0)  # one pooled conn
    try:
        async with db.transaction() as conn:
            await conn.execute(text("CREATE TABLE probe (n int)"))
            await conn.execute(text("INSERT INTO probe VALUES (1)"))
            assert await _server_transaction_open(conn)
        for _ in range(2):  # the same connection goes back and forth between the two modes
            async with db.read() as conn:
                assert (await conn.execute(text("SELECT count(*) FROM probe"))).scalar() == 1
                assert not await _server_transaction_open(conn)
            async with db.transaction() as conn:
                await conn.execute(text("SELECT 1"))
                assert await _server_transaction_open(conn)
        # A failed write still rolls back after the connection served reads in autocommit.
        try:
            async with db.transaction() as conn:
                await conn.execute(text("INSERT INTO probe VALUES (2)"))
                raise RuntimeError("abandon")
        except RuntimeError:
            pass
        async with db.read() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM probe"))).scalar() == 1
    finally:
        await db.engine.dispose()


async def test_units_of_work_get_connections_first_come_first_served(postgres: Any) -> None:
    db = Database(await postgres.fresh(SPEC), pool_size=1, max_overflow=0)
    served: list[str] = []

    async def unit(name: str) -> None:
        async with db.read() as conn:
            served.append(name)
            await conn.execute(text("SELECT 1"))

    try:
        waiting = [asyncio.create_task(unit(f"early{i}")) for i in range(20)]
        await asyncio.sleep(0)  # all twenty are queued before anyone else arrives
        late: list[asyncio.Task[None]] = []
        while not all(t.done() for t in waiting) and len(late) < 500:
            late.append(asyncio.create_task(unit(f"late{len(late)}")))
            await asyncio.sleep(0)  # a newcomer on every turn, while connections change hands
        await asyncio.gather(*waiting, *late)
        assert served[:20] == [f"early{i}" for i in range(20)]
    finally:
        await db.engine.dispose()
