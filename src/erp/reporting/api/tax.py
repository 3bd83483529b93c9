"""Output and input tax per tax code over a period."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter
from starlette.responses import Response

from erp.reporting.api.deps import FinanceReport, From, To
from erp.reporting.api.render import CSV_ANSWER
from erp.reporting.domain import tax
from erp.reporting.schemas.reports import ReportRead

router = APIRouter(prefix="/reports", tags=["tax reports"])


@router.get("/tax", response_model=ReportRead, responses=CSV_ANSWER)
async def tax_report(reply: FinanceReport, start: From = None, end: To = None) -> Response:
    """Per kind (output on sales, input on purchases) and tax code, the taxable amount and
    the tax of the journal lines dated from `from` to `to` (both included), as finance's
    `/tax-report` gives them; tax posted without a code is a row with a null code. Totals:
    `output_tax`, `input_tax` and `net_due`. `from` after `to`, or a range longer than the
    configured maximum, is a 422."""
    start, end = reply.range(start, end)
    compute = partial(tax.tax_report, start=start, end=end)
    params = {"from": start, "to": end}
    return await reply("tax", params, families=("ledger",), horizon=end, compute=compute)
