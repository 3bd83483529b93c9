"""Reading the rows a request names by key."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Column, Row, Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.platform.errors import InvalidInput

# One statement per key column, built once: a statement object that is executed again keeps
# its cache key, so SQLAlchemy skips building and hashing it.
_STATEMENTS: dict[Column[Any], Select[Any]] = {}


def _statement(key: Column[Any]) -> Select[Any]:
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = select(key.table).where(key.in_(bindparam("keys", expanding=True)))
        _STATEMENTS[key] = statement
    return statement


async def active_rows(
    conn: AsyncConnection,
    key: Column[Any],
    wanted: Iterable[tuple[Any, str]],
    *,
    name: str,
    key_name: str | None = None,
) -> dict[Any, Row[Any]]:
    """The rows of `key`'s table for (key value, request field) pairs, by key value. A value
    without a row, or whose row is not `active`, is a 422 on the field it came from: "unknown
    {key_name} ..." (`key_name` defaults to `name`) or "{name} ... is inactive"."""
    pairs = list(wanted)
    statement = _statement(key)
    keys = sorted({value for value, _ in pairs})
    rows = {row._mapping[key]: row for row in await conn.execute(statement, {"keys": keys})}
    refuse_missing_or_inactive(rows, pairs, name=name, key_name=key_name)
    return rows


def refuse_missing_or_inactive(
    rows: Mapping[Any, Any],
    wanted: Iterable[tuple[Any, str]],
    *,
    name: str,
    key_name: str | None = None,
) -> None:
    """The 422s of `active_rows`, for rows read by key value some other way."""
    for value, field in wanted:
        row = rows.get(value)
        if row is None:
            raise InvalidInput(field, f"unknown {key_name or name} {value!r}")
        if not row.active:
            raise InvalidInput(field, f"{name} {value!r} is inactive")
