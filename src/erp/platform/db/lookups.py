"""Reading the rows a request names by key."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, ColumnElement, Row, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.platform.errors import InvalidInput


async def active_rows(
    conn: AsyncConnection,
    key: Column[Any],
    wanted: Iterable[tuple[Any, str]],
    *,
    name: str,
    key_name: str | None = None,
    extra: dict[str, ColumnElement[Any]] | None = None,
) -> dict[Any, Row[Any]]:
    """The rows of `key`'s table for (key value, request field) pairs, by key value. A value
    without a row, or whose row is not `active`, is a 422 on the field it came from: "unknown
    {key_name} ..." (`key_name` defaults to `name`) or "{name} ... is inactive". `extra`:
    more columns each row carries under those names (scalar subqueries read in the same round
    trip)."""
    pairs = list(wanted)
    more = [column.label(label) for label, column in (extra or {}).items()]
    statement = select(key.table, *more).where(key.in_({value for value, _ in pairs}))
    rows = {row._mapping[key]: row for row in await conn.execute(statement)}
    for value, field in pairs:
        row = rows.get(value)
        if row is None:
            raise InvalidInput(field, f"unknown {key_name or name} {value!r}")
        if not row.active:
            raise InvalidInput(field, f"{name} {value!r} is inactive")
    return rows
