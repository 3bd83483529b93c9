"""Stock valuation against the inventory account."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter
from starlette.responses import Response

from erp.reporting.api.deps import AsOf, FinanceReport
from erp.reporting.api.render import CSV_ANSWER
from erp.reporting.domain.reconciliation import reconciliation as reconcile
from erp.reporting.schemas.reports import ReportRead

router = APIRouter(prefix="/reports", tags=["financial reports"])


@router.get("/reconciliation", response_model=ReportRead, responses=CSV_ANSWER)
async def reconciliation(reply: FinanceReport, as_of: AsOf = None) -> Response:
    """Per warehouse at the end of `as_of`: the stock value, the part of it already in the
    inventory accounts of the ledger, and the difference still in flight between the two
    services."""
    day = reply.day(as_of)
    accounts = reply.settings.inventory_accounts
    compute = partial(reconcile, as_of=day, inventory_accounts=accounts)
    params = {"as_of": day, "accounts": accounts}
    return await reply(
        "reconciliation", params, families=("ledger", "stock"), horizon=day, compute=compute
    )
