"""Sales by period, customer and item; receivables by age."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from erp.reporting.api.deps import AsOf, FinanceReport, From, To
from erp.reporting.api.render import CSV_ANSWER
from erp.reporting.domain import sales as sales_queries
from erp.reporting.schemas.reports import ReportRead

router = APIRouter(prefix="/reports", tags=["sales reports"])
GroupBy = Annotated[
    str,
    Query(
        max_length=100,
        description="Comma-separated: at most one of day, week, month, and any of customer, item.",
    ),
]


@router.get("/sales", response_model=ReportRead, responses=CSV_ANSWER)
async def sales(
    reply: FinanceReport, start: From = None, end: To = None, group_by: GroupBy = "month"
) -> Response:
    """Quantity, revenue (base currency), cost of goods sold and margin of the invoices
    issued between `from` and `to`, both included, in the groups `group_by` names and per
    unit of measure (`uom`): quantities of different units are never added, `total_rows`
    has a subtotal per unit when they are mixed. Draft, pending and on-hold invoices never
    count. An unknown grouping, `from` after `to` or a range longer than the configured
    maximum is a 422."""
    start, end = reply.range(start, end)
    sales_queries.parse_groups(group_by)
    compute = partial(sales_queries.sales, start=start, end=end, group_by=group_by)
    params = {"from": start, "to": end, "group_by": group_by}
    return await reply("sales", params, families=("sales", "items"), horizon=end, compute=compute)


@router.get("/ar-aging", response_model=ReportRead, responses=CSV_ANSWER)
async def ar_aging(reply: FinanceReport, as_of: AsOf = None) -> Response:
    """Open receivables at the end of `as_of`'s business day per customer and currency, in
    buckets of days past each invoice's due date (`current`: not yet due; its date when its
    events carried none); a reversed payment counts as unpaid again from the reversal's date.
    `total_rows` has one total per currency."""
    day = reply.day(as_of)
    compute = partial(sales_queries.ar_aging, as_of=day)
    return await reply("ar-aging", {"as_of": day}, families=("ar",), horizon=day, compute=compute)
