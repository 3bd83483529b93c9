"""Payables by age; what falls due (receivables and payables) in a window; purchases by
period, supplier and item; goods received not yet billed."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from erp.reporting.api.deps import AsOf, FinanceReport, From, To
from erp.reporting.api.render import CSV_ANSWER
from erp.reporting.domain import purchases, purchasing, receipts
from erp.reporting.domain.periods import check_day, check_range
from erp.reporting.schemas.reports import ReportRead

router = APIRouter(prefix="/reports", tags=["payables reports"])
GroupBy = Annotated[
    str,
    Query(
        max_length=100,
        description="Comma-separated: at most one of day, week, month, and any of supplier, item.",
    ),
]
Supplier = Annotated[
    str | None, Query(min_length=1, max_length=200, description="Only this supplier's receipts.")
]
WINDOW_DAYS = 7
DueFrom = Annotated[
    dt.date | None,
    Query(alias="from", description="First day of the window (YYYY-MM-DD); `as_of` when omitted."),
]
DueTo = Annotated[
    dt.date | None,
    Query(
        alias="to",
        description=f"Last day of the window (YYYY-MM-DD); {WINDOW_DAYS} days after `from` when"
        " omitted.",
    ),
]


@router.get("/ap-aging", response_model=ReportRead, responses=CSV_ANSWER)
async def ap_aging(reply: FinanceReport, as_of: AsOf = None) -> Response:
    """Open payables at the end of `as_of`'s business day per supplier and currency: the
    bills dated up to it less the payments dated up to it, in buckets of days past each
    bill's due date (`current`: not yet due). `total_rows` has one total per currency."""
    day = reply.day(as_of)
    compute = partial(purchases.ap_aging, as_of=day)
    return await reply("ap-aging", {"as_of": day}, families=("ap",), horizon=day, compute=compute)


@router.get("/due", response_model=ReportRead, responses=CSV_ANSWER)
async def due(
    reply: FinanceReport, as_of: AsOf = None, start: DueFrom = None, end: DueTo = None
) -> Response:
    """Receivables and payables open at the end of `as_of`'s business day that fall due
    between `from` and `to` (both included; by default the week ahead: `as_of` to 7 days
    later), and those already overdue then (`overdue` true, `days_past_due` > 0): one row per
    invoice or bill, by due day. `totals.by_currency` has the open receivables and payables
    (and the overdue part of each); `total_rows` one total per currency and kind. `from`
    after `to`, or a window longer than the configured maximum, is a 422."""
    day = reply.day(as_of)
    start = check_day("from", start or day)
    end = end or start + dt.timedelta(days=WINDOW_DAYS)
    check_range(start, end, max_days=reply.settings.reporting_max_range_days)
    compute = partial(purchases.due, as_of=day, start=start, end=end)
    params = {"as_of": day, "from": start, "to": end}
    families = ("ap", "ar")
    return await reply("due", params, families=families, horizon=day, compute=compute)


@router.get("/purchases", response_model=ReportRead, responses=CSV_ANSWER)
async def purchases_report(
    reply: FinanceReport, start: From = None, end: To = None, group_by: GroupBy = "month"
) -> Response:
    """Purchases between `from` and `to`, both included: each bill line's net in the base
    currency (net times the bill's rate, rounded half-even to the cent) on the bill's date,
    in the groups `group_by` names. Grouped by item, rows also show the item's name, unit and
    quantity billed (lines without an item are under a null item). A debit note takes its
    credited lines off on its own date, the same way (one whose event carries no lines, from
    before they travelled: its subtotal, under no item). An unknown grouping, `from` after
    `to` or a range longer than the configured maximum is a 422."""
    start, end = reply.range(start, end)
    purchasing.parse_groups(group_by)
    compute = partial(purchasing.purchases, start=start, end=end, group_by=group_by)
    params = {"from": start, "to": end, "group_by": group_by}
    families = ("ap", "items")
    return await reply("purchases", params, families=families, horizon=end, compute=compute)


@router.get("/unbilled-receipts", response_model=ReportRead, responses=CSV_ANSWER)
async def unbilled_receipts(
    reply: FinanceReport, as_of: AsOf = None, supplier: Supplier = None
) -> Response:
    """Goods received not invoiced at the end of `as_of`'s business day, per receipt line
    (those against a purchase order name it and the supplier): what came in (less reversals
    and supplier returns dated up to then) and what the bills dated up to then matched to it,
    net of their debit notes, had not billed, in quantity and value (base currency); fully
    billed lines left out. The total is the GRNI balance, 2150, as finance's
    `/goods-receipts` gives it. `supplier` keeps one supplier's lines."""
    day = reply.day(as_of)
    compute = partial(receipts.unbilled_receipts, as_of=day, supplier=supplier)
    params = {"as_of": day, "supplier": supplier}
    families = ("stock", "ap")
    return await reply("unbilled-receipts", params, families=families, horizon=day, compute=compute)
