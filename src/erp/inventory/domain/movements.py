"""Reading movements back with their ledger lines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.inventory.models import movements, stock_ledger
from erp.platform.errors import NotFound

_LINE_FIELDS = (
    "line_no",
    "sku",
    "warehouse",
    "quantity",
    "unit_cost",
    "value",
    "on_hand_after",
    "value_after",
)


async def _with_lines(conn: AsyncConnection, rows: list[Any]) -> list[dict[str, Any]]:
    if not rows:
        return []
    ids = [r.id for r in rows]
    lines: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for ln in await conn.execute(
        select(stock_ledger).where(stock_ledger.c.movement_id.in_(ids)).order_by(stock_ledger.c.id)
    ):
        lines[ln.movement_id].append({f: getattr(ln, f) for f in _LINE_FIELDS})
    reversed_by = dict(
        (
            await conn.execute(
                select(movements.c.reverses, movements.c.id).where(movements.c.reverses.in_(ids))
            )
        )
        .tuples()
        .all()
    )
    return [
        {**dict(r._mapping), "lines": lines[r.id], "reversed_by": reversed_by.get(r.id)}
        for r in rows
    ]


async def get_movement(conn: AsyncConnection, *, movement_id: int) -> dict[str, Any]:
    row = (await conn.execute(select(movements).where(movements.c.id == movement_id))).first()
    if row is None:
        raise NotFound(f"movement {movement_id} not found")
    return (await _with_lines(conn, [row]))[0]


async def list_movements(
    conn: AsyncConnection,
    *,
    limit: int,
    before_id: int | None = None,
    sku: str | None = None,
    warehouse: str | None = None,
    type_: str | None = None,
    posted_from: datetime | None = None,
    posted_to: datetime | None = None,
) -> list[dict[str, Any]]:
    """Newest first."""
    statement = select(movements).order_by(movements.c.id.desc()).limit(limit)
    if before_id is not None:
        statement = statement.where(movements.c.id < before_id)
    if type_:
        statement = statement.where(movements.c.type == type_)
    if warehouse:
        statement = statement.where(
            or_(movements.c.warehouse == warehouse, movements.c.to_warehouse == warehouse)
        )
    if posted_from:
        statement = statement.where(movements.c.posted_at >= posted_from)
    if posted_to:
        statement = statement.where(movements.c.posted_at < posted_to)
    if sku:
        statement = statement.where(
            exists().where(stock_ledger.c.movement_id == movements.c.id, stock_ledger.c.sku == sku)
        )
    return await _with_lines(conn, list((await conn.execute(statement)).all()))
