"""INSERT ... ON CONFLICT and the lookups behave the same on PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import BigInteger, Boolean, Column, Integer, MetaData, String, Table, select

from erp.inventory.main import SPEC
from erp.platform.db import Database
from erp.platform.db.lookups import active_rows
from erp.platform.db.upsert import increment, upsert
from erp.platform.errors import InvalidInput

metadata = MetaData()
latest = Table(
    "probe_latest",
    metadata,
    Column("key", String(16), primary_key=True),
    Column("value", String(16), nullable=False),
    Column("stamp", Integer, nullable=False),
)
totals = Table(
    "probe_totals",
    metadata,
    Column("key", String(16), primary_key=True),
    Column("amount", BigInteger, nullable=False),
)
counters = Table(
    "probe_counters",
    metadata,
    Column("name", String(16), primary_key=True),
    Column("count", BigInteger, nullable=False),
)
things = Table(
    "probe_things",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("active", Boolean, nullable=False),
)


@pytest.fixture
async def db(database_for: Any) -> AsyncIterator[Database]:
    database = Database(await database_for(SPEC))
    async with database.transaction() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


async def _rows(db: Database, table: Table) -> list[tuple[Any, ...]]:
    async with db.read() as conn:
        return [tuple(r) for r in await conn.execute(select(table).order_by(*table.primary_key))]


async def test_do_nothing_keeps_what_is_there_and_returns_only_new_rows(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute(upsert(conn.dialect, latest, {"key": "a", "value": "first", "stamp": 1}))
        rows = [{"key": k, "value": "second", "stamp": 2} for k in ("a", "b")]
        new = upsert(conn.dialect, latest, rows).returning(latest.c.key)
        assert list((await conn.execute(new)).scalars()) == ["b"]
    assert await _rows(db, latest) == [("a", "first", 1), ("b", "second", 2)]


async def test_do_update_sees_the_proposed_row_and_obeys_the_condition(db: Database) -> None:
    def put(value: str, stamp: int) -> Any:
        return upsert(
            db.engine.dialect,
            latest,
            {"key": "a", "value": value, "stamp": stamp},
            conflict=[latest.c.key],
            set_=lambda new: {"value": new.value, "stamp": new.stamp},
            where=lambda new: new.stamp > latest.c.stamp,
        )

    async with db.transaction() as conn:
        for value, stamp in (("one", 1), ("three", 3), ("two", 2)):  # the late one is ignored
            await conn.execute(put(value, stamp))
    assert await _rows(db, latest) == [("a", "three", 3)]


async def test_rows_given_to_execute_update_with_plain_assignments(db: Database) -> None:
    async with db.transaction() as conn:
        statement = upsert(
            conn.dialect,
            totals,
            conflict=["key"],
            set_=lambda new: {"amount": totals.c.amount + new.amount},
        )
        for _ in range(2):
            await conn.execute(statement, [{"key": "a", "amount": 5}, {"key": "b", "amount": 1}])
    assert await _rows(db, totals) == [("a", 10), ("b", 2)]


async def test_increment_counts_per_key_from_one(db: Database) -> None:
    async with db.transaction() as conn:
        seen = [
            await increment(conn, counters.c.count, {"name": name}) for name in ("x", "x", "y", "x")
        ]
    assert seen == [1, 2, 1, 3]


def test_a_condition_without_an_update_is_refused() -> None:
    with pytest.raises(ValueError, match="set_"):
        upsert(Database("sqlite+aiosqlite://").engine.dialect, latest, where=latest.c.stamp > 1)


async def test_active_rows_by_key_and_the_field_of_each_bad_one(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            things.insert(), [{"code": "on", "active": True}, {"code": "off", "active": False}]
        )
        rows = await active_rows(conn, things.c.code, [("on", "first")], name="thing")
        assert list(rows) == ["on"] and rows["on"].active
        for code, message in (("off", "thing 'off' is inactive"), ("gone", "unknown code 'gone'")):
            with pytest.raises(InvalidInput) as raised:
                await active_rows(
                    conn, things.c.code, [("on", "a"), (code, "b")], name="thing", key_name="code"
                )
            assert raised.value.errors == [{"field": "b", "message": message}]
