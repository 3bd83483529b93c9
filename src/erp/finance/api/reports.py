from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query

from erp.finance.api.deps import Reader
from erp.finance.domain import reports
from erp.finance.domain.invoices import today
from erp.finance.schemas.reports import AgingRead, StatementRead, TrialBalanceRead
from erp.platform.api import ReadConnection
from erp.platform.errors import InvalidInput

router = APIRouter(tags=["reports"])
AsOf = Annotated[dt.date | None, Query(description="Inclusive; today when omitted.")]


@router.get("/trial-balance", response_model=TrialBalanceRead)
async def trial_balance(conn: ReadConnection, _: Reader, as_of: AsOf = None) -> TrialBalanceRead:
    """Every account with postings up to `as_of`, its net debit or credit balance."""
    return TrialBalanceRead.model_validate(
        await reports.trial_balance(conn, as_of=as_of or today())
    )


@router.get("/customers/{customer}/statement", response_model=StatementRead)
async def customer_statement(
    customer: Annotated[str, Path(max_length=200)],
    conn: ReadConnection,
    _: Reader,
    date_from: Annotated[dt.date | None, Query(alias="from")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to")] = None,
) -> StatementRead:
    """Receivable movements with a running balance, and the invoices still open."""
    end = date_to or today()
    if date_from and date_from > end:
        raise InvalidInput("from", "must not be after 'to'")
    return StatementRead.model_validate(
        await reports.customer_statement(conn, customer=customer, date_from=date_from, date_to=end)
    )


@router.get("/ar-aging", response_model=AgingRead)
async def ar_aging(conn: ReadConnection, _: Reader, as_of: AsOf = None) -> AgingRead:
    """Open receivables per customer in buckets of days since the invoice date."""
    return AgingRead.model_validate(await reports.ar_aging(conn, as_of=as_of or today()))
