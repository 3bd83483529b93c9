"""Reports the finance service answers from the journal itself, always current."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from erp.finance.api.deps import Dates, Reading
from erp.finance.domain import reports
from erp.finance.schemas.reports import AgingRead, StatementRead, TrialBalanceRead
from erp.platform.calendar import AsOf, AsOfQuery, today
from erp.platform.errors import InvalidInput

router = APIRouter(tags=["reports"])


def _point(as_of: AsOf | None) -> AsOf:
    """The end of today (in the company's zone) when `as_of` is omitted."""
    return as_of or AsOf.of_day(today())


@router.get("/trial-balance", response_model=TrialBalanceRead)
async def trial_balance(conn: Reading, as_of: AsOfQuery = None) -> TrialBalanceRead:
    """Every account with postings at `as_of`, in code order: its net debit or credit and its
    balance on its normal side. A date counts that whole day; a timestamp counts what is dated
    before its day and, of its day, what was posted at or before it. Totals of debits and
    credits are equal."""
    return TrialBalanceRead.model_validate(await reports.trial_balance(conn, as_of=_point(as_of)))


@router.get("/customers/{customer}/statement", response_model=StatementRead)
async def customer_statement(
    customer: Annotated[str, Path(max_length=200, description="The customer's name.")],
    conn: Reading,
    dates: Dates,
) -> StatementRead:
    """The customer's receivable lines from `from` (the start when omitted) to `to` (today
    when omitted) with the running balance, the balances before and after, and the invoices
    still open. `from` after `to` is a 422."""
    end = dates.end or today()
    if dates.start and dates.start > end:
        raise InvalidInput("from", "must not be after 'to'")
    return StatementRead.model_validate(
        await reports.customer_statement(
            conn, customer=customer, date_from=dates.start, date_to=end
        )
    )


@router.get("/ar-aging", response_model=AgingRead)
async def ar_aging(conn: Reading, as_of: AsOfQuery = None) -> AgingRead:
    """Open receivables at `as_of` (read as for the trial balance) per customer, in buckets of
    days from the invoice date to the day of `as_of` (0-30, 31-60, 61-90, 90+), in the base
    currency."""
    return AgingRead.model_validate(await reports.ar_aging(conn, as_of=_point(as_of)))
