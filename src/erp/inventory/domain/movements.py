"""Reading movements back with their ledger lines."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.inventory.models import movements, stock_ledger
from erp.platform.calendar import AsOf
from erp.platform.listing import Documents, Position

MOVEMENTS = Documents(
    noun="movement",
    headers=movements,
    lines=stock_ledger,
    owner="movement_id",
    line_fields=(
        "line_no",
        "sku",
        "warehouse",
        "quantity",
        "unit_cost",
        "value",
        "on_hand_after",
        "value_after",
    ),
    # A transfer has two lines with one line_no: the order they were written in keeps the
    # outbound side first.
    line_order="id",
    reverses="reverses",
)


async def get_movement(conn: AsyncConnection, *, movement_id: int) -> dict[str, Any]:
    return await MOVEMENTS.get(conn, movement_id)


async def list_movements(
    conn: AsyncConnection,
    *,
    after: Position | None,
    limit: int,
    sku: str | None = None,
    warehouse: str | None = None,
    type_: str | None = None,
    dated_from: AsOf | None = None,
    dated_to: AsOf | None = None,
) -> list[dict[str, Any]]:
    """Newest first; `warehouse` matches either end of a transfer, `sku` any line; `dated_from`
    and `dated_to` bound the business day (see `erp.platform.calendar.AsOf`), both included."""
    m = movements.c
    return await MOVEMENTS.newest_first(
        conn,
        after=after,
        limit=limit,
        where=(
            m.type == type_ if type_ else None,
            or_(m.warehouse == warehouse, m.to_warehouse == warehouse) if warehouse else None,
            _from(dated_from) if dated_from else None,
            dated_to.includes(m.posting_date, m.posted_at) if dated_to else None,
            exists().where(stock_ledger.c.movement_id == m.id, stock_ledger.c.sku == sku)
            if sku
            else None,
        ),
    )


def _from(start: AsOf) -> ColumnElement[bool]:
    """Dated on or after `start`: its day onwards, and of its day what was posted from its
    instant on."""
    m = movements.c
    if start.instant is None:
        return m.posting_date >= start.day
    return or_(
        m.posting_date > start.day, and_(m.posting_date == start.day, m.posted_at >= start.instant)
    )
