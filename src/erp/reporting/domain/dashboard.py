"""The figures the dashboard shows, gathered from the same queries as the reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.reporting.domain import ledger, sales, stock
from erp.reporting.domain.reconciliation import reconciliation
from erp.reporting.domain.report import Report, read_position, with_lag
from erp.reporting.models import low_stock

ZERO = Decimal(0)


@dataclass
class LowItem:
    sku: str
    warehouse: str
    on_hand: Decimal
    reorder_point: Decimal


@dataclass
class Overview:
    today: dt.date
    stock_by_warehouse: list[tuple[str, Decimal]]
    stock_total: Decimal
    months: list[str]
    revenue: list[Decimal]
    margin: list[Decimal]
    profit_and_loss: Report
    low_items: list[LowItem]
    reconciliation: Report
    position: dict[str, Any]


def _months_back(today: dt.date, count: int) -> list[dt.date]:
    year, month = today.year, today.month
    starts = []
    for _ in range(count):
        starts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(starts))


async def overview(
    conn: AsyncConnection, *, today: dt.date, inventory_accounts: tuple[str, ...]
) -> Overview:
    held = await stock.positions_as_of(conn, today)
    by_warehouse: dict[str, Decimal] = {}
    for (_, warehouse), (_, value) in held.items():
        by_warehouse[warehouse] = by_warehouse.get(warehouse, ZERO) + value
    months = _months_back(today, 12)
    monthly = await sales.sales(conn, start=months[0], end=today, group_by="month")
    per_month = {r["period"]: r for r in monthly.rows}
    keys = [m.isoformat() for m in months]
    year_start = today.replace(month=1, day=1)
    before = await ledger.balances_as_of(conn, year_start - dt.timedelta(days=1))
    until = await ledger.balances_as_of(conn, today)
    points = (await conn.execute(select(low_stock))).all()
    low = [
        LowItem(
            p.sku, p.warehouse, held.get((p.sku, p.warehouse), (ZERO, ZERO))[0], p.reorder_point
        )
        for p in points
        if held.get((p.sku, p.warehouse), (ZERO, ZERO))[0] < p.reorder_point
    ]
    return Overview(
        today=today,
        stock_by_warehouse=sorted(by_warehouse.items(), key=lambda kv: (-kv[1], kv[0])),
        stock_total=sum(by_warehouse.values(), ZERO),
        months=[m.strftime("%b %y") for m in months],
        revenue=[per_month[k]["revenue"] if k in per_month else ZERO for k in keys],
        margin=[per_month[k]["margin"] if k in per_month else ZERO for k in keys],
        profit_and_loss=ledger.profit_and_loss(before, until, start=year_start, end=today),
        low_items=sorted(low, key=lambda i: (i.on_hand - i.reorder_point, i.sku)),
        reconciliation=await reconciliation(
            conn, as_of=today, inventory_accounts=inventory_accounts
        ),
        position=with_lag(await read_position(conn)),
    )
