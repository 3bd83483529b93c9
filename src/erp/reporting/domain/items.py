"""The items read model: what inventory last said about each item (inventory.item-changed),
and the unit of items known only from their stock lines."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.inventory import ItemChanged, StockLine
from erp.platform.db.upsert import Excluded, prefer_proposed, upsert
from erp.reporting.domain.writes import insert_for
from erp.reporting.models import items

DESCRIBED = ("name", "uom", "reorder_point", "active", "changed_at")


async def record_item(conn: AsyncConnection, item: ItemChanged) -> None:
    """Keep the newest description, whatever order the changes arrive in."""
    row = {
        "sku": item.sku,
        "name": item.name,
        "uom": item.uom,
        "reorder_point": item.reorder_point,
        "active": item.active,
        "changed_at": item.changed_at,
    }
    t = items.c

    def newest(new: Excluded) -> dict[str, Any]:
        newer = t.changed_at.is_(None) | (new.changed_at > t.changed_at)
        return prefer_proposed(newer, new, t, DESCRIBED)

    await conn.execute(upsert(conn.dialect, items, row, conflict=[t.sku], set_=newest))


async def note_units(conn: AsyncConnection, lines: Iterable[StockLine]) -> bool:
    """Remember the unit of items not described yet (an item change always wins); True when
    an item became known."""
    units = {ln.sku: ln.uom for ln in lines if ln.uom}
    if not units:
        return False
    rows = [
        {"sku": sku, "name": None, "uom": uom, "reorder_point": Decimal(0), "active": True}
        for sku, uom in sorted(units.items())
    ]
    statement = insert_for(conn, items).values(rows).on_conflict_do_nothing().returning(items.c.sku)
    return bool((await conn.execute(statement)).all())


async def described(conn: AsyncConnection) -> dict[str, tuple[str | None, str | None]]:
    """sku → (name, unit) of every known item."""
    rows = (await conn.execute(select(items.c.sku, items.c.name, items.c.uom))).all()
    return {r.sku: (r.name, r.uom) for r in rows}
