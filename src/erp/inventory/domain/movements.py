"""Reading movements back with their ledger lines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, or_
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.inventory.models import movements, stock_ledger
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
    posted_from: datetime | None = None,
    posted_to: datetime | None = None,
) -> list[dict[str, Any]]:
    """Newest first; `warehouse` matches either end of a transfer, `sku` any line."""
    m = movements.c
    return await MOVEMENTS.newest_first(
        conn,
        after=after,
        limit=limit,
        where=(
            m.type == type_ if type_ else None,
            or_(m.warehouse == warehouse, m.to_warehouse == warehouse) if warehouse else None,
            m.posted_at >= posted_from if posted_from else None,
            m.posted_at < posted_to if posted_to else None,
            exists().where(stock_ledger.c.movement_id == m.id, stock_ledger.c.sku == sku)
            if sku
            else None,
        ),
    )
