"""Stock valuation as of a date; stock movements over a range."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from erp.platform.api import ReadConnection
from erp.reporting.api.deps import (
    AsOf,
    CacheDep,
    Format,
    From,
    SettingsDep,
    Sku,
    StockReader,
    To,
    Warehouse,
    today,
)
from erp.reporting.api.render import answer
from erp.reporting.domain import stock
from erp.reporting.domain.periods import check_day, check_range

router = APIRouter(prefix="/reports", tags=["stock reports"])


@router.get("/stock-valuation")
async def stock_valuation(
    conn: ReadConnection,
    cache: CacheDep,
    _: StockReader,
    as_of: AsOf = None,
    sku: Sku = None,
    warehouse: Warehouse = None,
    format: Format = "json",
) -> Response:
    """Quantity, value and unit cost per item and warehouse at the end of `as_of`."""
    day = check_day("as_of", as_of or today())

    async def compute() -> stock.Report:
        held = await stock.positions_as_of(conn, day, sku=sku, warehouse=warehouse)
        report = stock.valuation(held, as_of=day)
        report.params.update(sku=sku, warehouse=warehouse)
        return report

    params = {"as_of": day, "sku": sku, "warehouse": warehouse}
    return await answer(
        conn,
        cache,
        name="stock-valuation",
        params=params,
        families=("stock",),
        horizon=day,
        compute=compute,
        fmt=format,
    )


@router.get("/stock-movements")
async def stock_movements(
    conn: ReadConnection,
    cache: CacheDep,
    settings: SettingsDep,
    _: StockReader,
    start: From,
    end: To,
    group_by: Annotated[
        str, Query(max_length=100, description="day|week|month and/or item, warehouse, type")
    ] = "day",
    sku: Sku = None,
    warehouse: Warehouse = None,
    format: Format = "json",
) -> Response:
    """Quantities and values in and out, aggregated as `group_by` says."""
    check_range(start, end, max_days=settings.reporting_max_range_days)
    stock.parse_group_by(group_by)

    async def compute() -> stock.Report:
        report = await stock.movements(
            conn, start=start, end=end, group_by=group_by, sku=sku, warehouse=warehouse
        )
        report.params.update(sku=sku, warehouse=warehouse)
        return report

    params = {"from": start, "to": end, "group_by": group_by, "sku": sku, "warehouse": warehouse}
    return await answer(
        conn,
        cache,
        name="stock-movements",
        params=params,
        families=("stock",),
        horizon=end,
        compute=compute,
        fmt=format,
    )
