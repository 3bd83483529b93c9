"""Trial balance, profit and loss, balance sheet."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from erp.platform.calendar import AsOf as Moment
from erp.reporting.api.deps import AsOf, FinanceReport, From, Reply, To
from erp.reporting.api.render import CSV_ANSWER
from erp.reporting.domain import ledger
from erp.reporting.domain.report import Report
from erp.reporting.schemas.reports import ReportRead

router = APIRouter(prefix="/reports", tags=["financial reports"])
FAMILIES = ("ledger",)


class Statement(Protocol):
    def __call__(self, balances: dict[str, ledger.Balance], *, as_of: dt.date) -> Report: ...


async def _as_of(reply: Reply, name: str, as_of: Moment | None, statement: Statement) -> Response:
    """A statement of the account balances at the end of one day."""
    day = reply.day(as_of)

    async def compute(conn: AsyncConnection) -> Report:
        return statement(await ledger.balances_as_of(conn, day), as_of=day)

    return await reply(name, {"as_of": day}, families=FAMILIES, horizon=day, compute=compute)


@router.get("/trial-balance", response_model=ReportRead, responses=CSV_ANSWER)
async def trial_balance(reply: FinanceReport, as_of: AsOf = None) -> Response:
    """Per account (code, and name for the standard chart's accounts) with postings up to the
    end of `as_of`'s business day: the debit and credit totals and the net balance on one
    side; `totals.balanced` says whether debits equal credits, `total_rows` has the sums."""
    return await _as_of(reply, "trial-balance", as_of, ledger.trial_balance)


@router.get("/profit-and-loss", response_model=ReportRead, responses=CSV_ANSWER)
async def profit_and_loss(reply: FinanceReport, start: From = None, end: To = None) -> Response:
    """Income and expense per account between `from` and `to`, both included, and the net
    profit (also as `total_rows`: total income, total expenses, net profit). Finance's
    year-end closing entries are left out, so a closed year still shows its result. `from` after
    `to`, or a range longer than the configured maximum, is a 422."""
    start, end = reply.range(start, end)

    async def compute(conn: AsyncConnection) -> Report:
        before = await ledger.balances_as_of(conn, start - dt.timedelta(days=1))
        until = await ledger.balances_as_of(conn, end)
        closing = await ledger.closing_between(conn, start, end)
        return ledger.profit_and_loss(before, until, start=start, end=end, closing=closing)

    params = {"from": start, "to": end}
    return await reply("profit-and-loss", params, families=FAMILIES, horizon=end, compute=compute)


@router.get("/balance-sheet", response_model=ReportRead, responses=CSV_ANSWER)
async def balance_sheet(reply: FinanceReport, as_of: AsOf = None) -> Response:
    """Assets, liabilities and equity at the end of `as_of`'s business day; the income less
    expense not yet closed into equity shows as `current-period-profit`; `total_rows` has
    the total of each section and of liabilities and equity."""
    return await _as_of(reply, "balance-sheet", as_of, ledger.balance_sheet)
