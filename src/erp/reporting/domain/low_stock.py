"""Items below their reorder point, from positions: not only those an outflow took below it.

An item's reorder point comes from its latest description (inventory.item-changed). Each
warehouse holding the item is compared with it, and an item held nowhere (never received, or
only ever described) counts as 0 everywhere. Items never described fall back to the reorder
point their last inventory.low-stock alert carried.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.reporting.domain.report import Report
from erp.reporting.domain.stock import Held, positions_as_of
from erp.reporting.models import items, low_stock

ZERO = Decimal(0)


@dataclass(frozen=True)
class LowItem:
    sku: str
    name: str | None
    warehouse: str | None  # None: held in no warehouse
    uom: str | None
    on_hand: Decimal
    reorder_point: Decimal

    @property
    def shortfall(self) -> Decimal:
        return self.reorder_point - self.on_hand


async def low_items(
    conn: AsyncConnection, *, as_of: dt.date, held: Held | None = None
) -> list[LowItem]:
    if held is None:
        held = await positions_as_of(conn, as_of)
    by_sku: dict[str, dict[str | None, Decimal]] = {}
    for (sku, house), (quantity, _) in held.items():
        by_sku.setdefault(sku, {})[house] = quantity
    found: list[LowItem] = []
    described = (await conn.execute(select(items).where(items.c.changed_at.is_not(None)))).all()
    for item in described:
        if not item.active or item.reorder_point <= 0:
            continue
        houses = by_sku.get(item.sku) or {None: ZERO}
        for warehouse, quantity in houses.items():
            if quantity < item.reorder_point:
                found.append(
                    LowItem(item.sku, item.name, warehouse, item.uom, quantity, item.reorder_point)
                )
    known = {item.sku for item in described}
    units = dict((await conn.execute(select(items.c.sku, items.c.uom))).tuples().all())
    for alert in (await conn.execute(select(low_stock))).all():
        if alert.sku in known:
            continue
        quantity = by_sku.get(alert.sku, {}).get(alert.warehouse, ZERO)
        if quantity < alert.reorder_point:
            found.append(
                LowItem(
                    alert.sku,
                    None,
                    alert.warehouse,
                    units.get(alert.sku),
                    quantity,
                    alert.reorder_point,
                )
            )
    return sorted(found, key=lambda i: (i.on_hand - i.reorder_point, i.sku, i.warehouse or ""))


def low_stock_report(found: list[LowItem], *, as_of: dt.date) -> Report:
    rows = [
        {
            "sku": i.sku,
            "name": i.name,
            "warehouse": i.warehouse,
            "uom": i.uom,
            "on_hand": i.on_hand,
            "reorder_point": i.reorder_point,
            "shortfall": i.shortfall,
        }
        for i in found
    ]
    return Report(
        name="low-stock",
        params={"as_of": as_of.isoformat()},
        columns=("sku", "name", "warehouse", "uom", "on_hand", "reorder_point", "shortfall"),
        rows=rows,
        # Items of different units: a count, not a sum of quantities.
        totals={"items": len({i.sku for i in found}), "lines": len(rows)},
    )
