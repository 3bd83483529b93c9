"""The figures the dashboard shows, gathered from the same queries as the reports; only the
panels the reader's roles allow are computed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from erp.reporting.domain import ledger, purchases, sales, stock
from erp.reporting.domain.low_stock import LowItem, low_items
from erp.reporting.domain.reconciliation import reconciliation
from erp.reporting.domain.report import Report, read_position, with_lag

ZERO = Decimal(0)
MOVEMENT_DAYS = 30
DUE_DAYS = 7
# Goods received not invoiced: what finance's receipts credit until the supplier's bill comes.
UNBILLED_RECEIPTS_ACCOUNT = "2150"


@dataclass
class Overview:
    today: dt.date
    panels: frozenset[str]
    position: dict[str, Any]
    stock_by_warehouse: list[tuple[str, Decimal]] = field(default_factory=list)
    stock_total: Decimal = ZERO
    months: list[str] = field(default_factory=list)
    revenue: list[Decimal] = field(default_factory=list)
    margin: list[Decimal] = field(default_factory=list)
    profit_and_loss: Report | None = None
    ar_aging: Report | None = None
    due: Report | None = None
    unbilled_receipts: Decimal = ZERO
    reconciliation: Report | None = None
    low_items: list[LowItem] = field(default_factory=list)
    movements: Report | None = None


def _months_back(today: dt.date, count: int) -> list[dt.date]:
    year, month = today.year, today.month
    starts = []
    for _ in range(count):
        starts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(starts))


async def overview(
    conn: AsyncConnection,
    *,
    today: dt.date,
    inventory_accounts: tuple[str, ...],
    panels: frozenset[str],
) -> Overview:
    view = Overview(today=today, panels=panels, position=with_lag(await read_position(conn)))
    held: stock.Held = {}
    if panels & {"stock-value", "stock-by-warehouse", "low-stock"}:
        held = await stock.positions_as_of(conn, today)
    if panels & {"stock-value", "stock-by-warehouse"}:
        by_warehouse: dict[str, Decimal] = {}
        for (_, warehouse), (_, value) in held.items():
            by_warehouse[warehouse] = by_warehouse.get(warehouse, ZERO) + value
        view.stock_by_warehouse = sorted(by_warehouse.items(), key=lambda kv: (-kv[1], kv[0]))
        view.stock_total = sum(by_warehouse.values(), ZERO)
    if "sales" in panels:
        await _sales(conn, view)
    until: dict[str, ledger.Balance] = {}
    if panels & {"finance-kpis", "profit-and-loss", "unbilled-receipts"}:
        until = await ledger.balances_as_of(conn, today)
    if panels & {"finance-kpis", "profit-and-loss"}:
        year_start = today.replace(month=1, day=1)
        before = await ledger.balances_as_of(conn, year_start - dt.timedelta(days=1))
        closing = await ledger.closing_between(conn, year_start, today)
        view.profit_and_loss = ledger.profit_and_loss(
            before, until, start=year_start, end=today, closing=closing
        )
    if "ar-aging" in panels:
        view.ar_aging = await sales.ar_aging(conn, as_of=today)
    if "due-this-week" in panels:
        end = today + dt.timedelta(days=DUE_DAYS)
        view.due = await purchases.due(conn, as_of=today, start=today, end=end)
    if "unbilled-receipts" in panels and UNBILLED_RECEIPTS_ACCOUNT in until:
        view.unbilled_receipts = until[UNBILLED_RECEIPTS_ACCOUNT].normal
    if "reconciliation" in panels:
        view.reconciliation = await reconciliation(
            conn, as_of=today, inventory_accounts=inventory_accounts
        )
    if "low-stock" in panels:
        view.low_items = await low_items(conn, as_of=today, held=held)
    if "stock-movements" in panels:
        start = today - dt.timedelta(days=MOVEMENT_DAYS - 1)
        view.movements = await stock.movements(conn, start=start, end=today, group_by="type")
    return view


async def _sales(conn: AsyncConnection, view: Overview) -> None:
    months = _months_back(view.today, 12)
    monthly = await sales.sales(conn, start=months[0], end=view.today, group_by="month")
    revenue: dict[str, Decimal] = {}
    margin: dict[str, Decimal] = {}
    for row in monthly.rows:  # one row per month and unit: money adds up across units
        revenue[row["period"]] = revenue.get(row["period"], ZERO) + row["revenue"]
        margin[row["period"]] = margin.get(row["period"], ZERO) + row["margin"]
    keys = [m.isoformat() for m in months]
    view.months = [m.strftime("%b %y") for m in months]
    view.revenue = [revenue.get(k, ZERO) for k in keys]
    view.margin = [margin.get(k, ZERO) for k in keys]
