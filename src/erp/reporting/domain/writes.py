"""Upserts that work the same on PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.platform.db.upsert import dialect_insert, upsert


def insert_for(conn: AsyncConnection, table: Table) -> Any:
    """The dialect's INSERT, for a caller that adds its own ON CONFLICT (see `upsert`)."""
    return dialect_insert(conn.dialect, table)


async def add_rows(
    conn: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]], *, keys: Sequence[str]
) -> None:
    """Insert rows, or add their non-key columns to the rows already there (sums commute)."""
    if not rows:
        return
    sums = [c for c in rows[0] if c not in keys]
    statement = upsert(
        conn.dialect,
        table,
        conflict=[table.c[k] for k in keys],
        set_=lambda new: {c: table.c[c] + new[c] for c in sums},
    )
    await conn.execute(statement, list(rows))
