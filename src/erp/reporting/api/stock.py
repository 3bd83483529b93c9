"""Stock valuation as of a date; stock movements over a range."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from erp.reporting.api.deps import AsOf, From, Sku, StockReport, To, Warehouse
from erp.reporting.api.render import CSV_ANSWER
from erp.reporting.domain import stock
from erp.reporting.domain.items import described
from erp.reporting.domain.low_stock import low_items, low_stock_report
from erp.reporting.schemas.reports import ReportRead

router = APIRouter(prefix="/reports", tags=["stock reports"])
FAMILIES = ("stock", "items")
GroupBy = Annotated[
    str,
    Query(
        max_length=100,
        description="Comma-separated: at most one of day, week, month, and any of item,"
        " warehouse, type.",
    ),
]


@router.get("/stock-valuation", response_model=ReportRead, responses=CSV_ANSWER)
async def stock_valuation(
    reply: StockReport, as_of: AsOf = None, sku: Sku = None, warehouse: Warehouse = None
) -> Response:
    """Quantity (in the item's `uom`), value and unit cost per item and warehouse at the end
    of `as_of`'s business day, with the value per warehouse; `total_rows` adds quantities up
    per unit only."""
    day = reply.day(as_of)

    async def compute(conn: AsyncConnection) -> stock.Report:
        held = await stock.positions_as_of(conn, day, sku=sku, warehouse=warehouse)
        report = stock.valuation(held, as_of=day, described=await described(conn))
        report.params.update(sku=sku, warehouse=warehouse)
        return report

    params = {"as_of": day, "sku": sku, "warehouse": warehouse}
    return await reply("stock-valuation", params, families=FAMILIES, horizon=day, compute=compute)


@router.get("/stock-movements", response_model=ReportRead, responses=CSV_ANSWER)
async def stock_movements(
    reply: StockReport,
    start: From = None,
    end: To = None,
    group_by: GroupBy = "day",
    sku: Sku = None,
    warehouse: Warehouse = None,
) -> Response:
    """Quantities and values in and out between `from` and `to`, both included (by the
    movements' business day: a back-dated movement counts on its posting date), in the
    groups `group_by` names and per unit of measure. An unknown grouping, `from` after `to`
    or a range longer than the configured maximum is a 422."""
    start, end = reply.range(start, end)
    stock.parse_group_by(group_by)

    async def compute(conn: AsyncConnection) -> stock.Report:
        report = await stock.movements(
            conn, start=start, end=end, group_by=group_by, sku=sku, warehouse=warehouse
        )
        report.params.update(sku=sku, warehouse=warehouse)
        return report

    params = {"from": start, "to": end, "group_by": group_by, "sku": sku, "warehouse": warehouse}
    return await reply("stock-movements", params, families=FAMILIES, horizon=end, compute=compute)


@router.get("/low-stock", response_model=ReportRead, responses=CSV_ANSWER)
async def low_stock(reply: StockReport, as_of: AsOf = None) -> Response:
    """Items whose quantity in a warehouse is below their reorder point at the end of
    `as_of`'s business day, and items with a reorder point held in no warehouse at all
    (`warehouse` null, on hand 0), most short first."""
    day = reply.day(as_of)

    async def compute(conn: AsyncConnection) -> stock.Report:
        return low_stock_report(await low_items(conn, as_of=day), as_of=day)

    return await reply("low-stock", {"as_of": day}, families=FAMILIES, horizon=day, compute=compute)
