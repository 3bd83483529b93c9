"""Goods a customer returns on a credit note come back at the cost they left with."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.inventory.domain.valuation import COST_QUANTUM, plain
from erp.inventory.models import movements, stock_ledger

BinKey = tuple[str, str]


async def issued_unit_costs(conn: AsyncConnection, invoice_reference: str) -> dict[BinKey, Decimal]:
    """Per (sku, warehouse): the unit cost the invoice's goods left with, from its issue
    movements (reference `invoice:<id>`) in this ledger; the value over the quantity when an
    item left in several lines."""
    m, sl = movements.c, stock_ledger.c
    rows = await conn.execute(
        select(sl.sku, sl.warehouse, func.sum(sl.quantity), func.sum(sl.value))
        .join(movements, m.id == sl.movement_id)
        .where(m.reference == invoice_reference, m.type == "issue", m.reverses.is_(None))
        .group_by(sl.sku, sl.warehouse)
    )
    costs: dict[BinKey, Decimal] = {}
    for sku, warehouse, quantity, value in rows:
        if quantity:
            unit = (Decimal(value) / Decimal(quantity)).quantize(COST_QUANTUM)
            costs[(sku, warehouse)] = plain(abs(unit))
    return costs
