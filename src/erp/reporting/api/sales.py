"""Sales by period, customer and item; receivables by age."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from erp.platform.api import ReadConnection
from erp.reporting.api.deps import (
    AsOf,
    CacheDep,
    FinanceReader,
    Format,
    From,
    SettingsDep,
    To,
    today,
)
from erp.reporting.api.render import answer
from erp.reporting.domain import sales as sales_queries
from erp.reporting.domain.periods import check_day, check_range
from erp.reporting.domain.report import Report

router = APIRouter(prefix="/reports", tags=["sales reports"])


@router.get("/sales")
async def sales(
    conn: ReadConnection,
    cache: CacheDep,
    settings: SettingsDep,
    _: FinanceReader,
    start: From,
    end: To,
    group_by: Annotated[
        str, Query(max_length=100, description="day|week|month and/or customer, item")
    ] = "month",
    format: Format = "json",
) -> Response:
    """Quantity, revenue (base currency), cost of goods sold and margin of issued invoices."""
    check_range(start, end, max_days=settings.reporting_max_range_days)
    sales_queries.parse_groups(group_by)

    async def compute() -> Report:
        return await sales_queries.sales(conn, start=start, end=end, group_by=group_by)

    return await answer(
        conn,
        cache,
        name="sales",
        params={"from": start, "to": end, "group_by": group_by},
        families=("sales",),
        horizon=end,
        compute=compute,
        fmt=format,
    )


@router.get("/ar-aging")
async def ar_aging(
    conn: ReadConnection,
    cache: CacheDep,
    _: FinanceReader,
    as_of: AsOf = None,
    format: Format = "json",
) -> Response:
    """Open receivables per customer and currency by days since the invoice date."""
    day = check_day("as_of", as_of or today())

    async def compute() -> Report:
        return await sales_queries.ar_aging(conn, as_of=day)

    return await answer(
        conn,
        cache,
        name="ar-aging",
        params={"as_of": day},
        families=("ar",),
        horizon=day,
        compute=compute,
        fmt=format,
    )
