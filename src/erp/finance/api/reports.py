"""Reports the finance service answers from the journal itself, always current."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from erp.finance.api.deps import Dates, Reading
from erp.finance.domain import parties, reports
from erp.finance.schemas.reports import (
    AgingRead,
    StatementRead,
    SupplierStatementRead,
    TrialBalanceRead,
)
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
    customer: Annotated[str, Path(max_length=200, description="The customer's code (any case).")],
    conn: Reading,
    dates: Dates,
) -> StatementRead:
    """The customer's receivable lines from `from` (the start when omitted) to `to` (today
    when omitted) with the running balance, the balances before and after, and the invoices
    still open with their due dates. `from` after `to` is a 422; an unknown customer a 404."""
    end = dates.end or today()
    if dates.start and dates.start > end:
        raise InvalidInput("from", "must not be after 'to'")
    party = await parties.get_party(conn, kind="customer", code=customer)
    statement = await reports.customer_statement(
        conn, customer=party["code"], date_from=dates.start, date_to=end
    )
    return StatementRead.model_validate({**statement, "name": party["name"]})


@router.get("/suppliers/{supplier}/statement", response_model=SupplierStatementRead)
async def supplier_statement(
    supplier: Annotated[str, Path(max_length=200, description="The supplier's code (any case).")],
    conn: Reading,
    dates: Dates,
) -> SupplierStatementRead:
    """The supplier's payable lines from `from` to `to` (today when omitted) with the running
    balance owed, the balances before and after, and the bills still open with their due
    dates. An unknown supplier is a 404."""
    end = dates.end or today()
    party = await parties.get_party(conn, kind="supplier", code=supplier)
    statement = await reports.supplier_statement(
        conn, supplier=party["code"], date_from=dates.start, date_to=end
    )
    return SupplierStatementRead.model_validate({**statement, "name": party["name"]})


@router.get("/ar-aging", response_model=AgingRead)
async def ar_aging(conn: Reading, as_of: AsOfQuery = None) -> AgingRead:
    """Open receivables at `as_of` (read as for the trial balance) per customer, by days past
    their due date at the day of `as_of`: `current` (not yet due), 1-30, 31-60, 61-90, 90+; in
    the base currency."""
    return AgingRead.model_validate(await reports.ar_aging(conn, as_of=_point(as_of)))
