"""Stock valuation as of a date; stock movements over a range."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from erp.reporting.api.deps import AsOf, From, Sku, StockReport, To, Warehouse
from erp.reporting.api.render import CSV_ANSWER
from erp.reporting.domain import stock
from erp.reporting.schemas.reports import ReportRead

router = APIRouter(prefix="/reports", tags=["stock reports"])
FAMILIES = ("stock",)
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
    """Quantity, value and unit cost per item and warehouse at the end of `as_of`, with the
    value per warehouse."""
    day = reply.day(as_of)

    async def compute(conn: AsyncConnection) -> stock.Report:
        held = await stock.positions_as_of(conn, day, sku=sku, warehouse=warehouse)
        report = stock.valuation(held, as_of=day)
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
    """Quantities and values in and out between `from` and `to`, both included, in the
    groups `group_by` names. An unknown grouping, `from` after `to` or a range longer than
    the configured maximum is a 422."""
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
