"""Cursors come back from clients: only what `encode_cursor` made, with its field types, is
accepted; anything else is a 422 naming `cursor`, never a database error."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.ext.asyncio import create_async_engine

from erp.platform.errors import InvalidInput
from erp.platform.listing import rows_after
from erp.platform.pagination import PageRequest, decode_cursor, encode_cursor

LEDGER = {"date": dt.date, "id": int, "balance": Decimal}


def test_a_cursor_round_trips() -> None:
    position = {"date": dt.date(2026, 11, 25), "id": 42, "balance": Decimal("-10.50")}
    assert decode_cursor(encode_cursor(position), fields=LEDGER) == {
        "date": "2026-11-25", "id": 42, "balance": "-10.50",
    }  # fmt: skip
    assert decode_cursor(None, fields=LEDGER) is None


@pytest.mark.parametrize(
    "position",
    [
        {"date": "2026-11-25", "id": 2**63, "balance": "1"},  # past BIGINT
        {"date": "2026-11-25", "id": -1, "balance": "1"},
        {"date": "2026-11-25", "id": "42", "balance": "1"},
        {"date": "2026-11-25", "id": True, "balance": "1"},
        {"date": "2026-11-25", "id": None, "balance": "1"},
        {"date": "2026-13-45", "id": 1, "balance": "1"},
        {"date": 20261125, "id": 1, "balance": "1"},
        {"date": "2026-11-25", "id": 1, "balance": "NaN"},
        {"date": "2026-11-25", "id": 1, "balance": "ten"},
        {"date": "2026-11-25", "id": 1, "balance": ["1"]},
        {"date": "2026-11-25", "id": 1},
        {"date": "2026-11-25", "id": 1, "balance": "1", "extra": 1},
    ],
)
def test_a_forged_cursor_is_a_422_naming_cursor(position: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_cursor(encode_cursor(position), fields=LEDGER)
    assert caught.value.errors == [
        {"field": "cursor", "message": "not a cursor returned by this endpoint"}
    ]


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", "WzFd", "x" * 5000])
def test_a_cursor_that_is_not_one_is_a_422(cursor: str) -> None:
    with pytest.raises(InvalidInput):
        decode_cursor(cursor, fields={"code": str})


async def test_pages_walk_a_keyset_to_its_end_without_gaps_or_repeats() -> None:
    table = MetaData()
    rows = Table("rows", table, Column("id", Integer, primary_key=True), Column("kind", String))
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as conn:
        await conn.run_sync(table.create_all)
        await conn.execute(rows.insert(), [{"id": i, "kind": "ab"[i % 2]} for i in range(1, 8)])

        class Row(BaseModel):
            id: int

        async def walk(*, descending: bool, kind: str | None) -> list[list[int]]:
            pages, cursor = [], None
            while True:
                fetch = partial(
                    rows_after,
                    conn,
                    rows,
                    rows.c.id,
                    descending=descending,
                    where=(rows.c.kind == kind if kind else None,),
                )
                page = await PageRequest(limit=3, cursor=cursor).of(Row, fetch)
                pages.append([r.id for r in page.items])
                if page.next_cursor is None:
                    return pages
                cursor = page.next_cursor

        assert await walk(descending=False, kind=None) == [[1, 2, 3], [4, 5, 6], [7]]
        assert await walk(descending=True, kind=None) == [[7, 6, 5], [4, 3, 2], [1]]
        assert await walk(descending=True, kind="a") == [[6, 4, 2]]
        with pytest.raises(InvalidInput):
            forged = encode_cursor({"code": "x"})  # another endpoint's cursor
            await PageRequest(limit=3, cursor=forged).of(
                Row, partial(rows_after, conn, rows, rows.c.id)
            )
    await engine.dispose()
