"""Trial balance, profit and loss, balance sheet."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
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
from erp.reporting.domain import ledger
from erp.reporting.domain.periods import check_day, check_range
from erp.reporting.domain.report import Report

router = APIRouter(prefix="/reports", tags=["financial reports"])
FAMILIES = ("ledger",)


@router.get("/trial-balance")
async def trial_balance(
    conn: ReadConnection,
    cache: CacheDep,
    _: FinanceReader,
    as_of: AsOf = None,
    format: Format = "json",
) -> Response:
    """Debit and credit per account, for every line dated up to `as_of`."""
    day = check_day("as_of", as_of or today())

    async def compute() -> Report:
        return ledger.trial_balance(await ledger.balances_as_of(conn, day), as_of=day)

    return await answer(
        conn,
        cache,
        name="trial-balance",
        params={"as_of": day},
        families=FAMILIES,
        horizon=day,
        compute=compute,
        fmt=format,
    )


@router.get("/profit-and-loss")
async def profit_and_loss(
    conn: ReadConnection,
    cache: CacheDep,
    settings: SettingsDep,
    _: FinanceReader,
    start: From,
    end: To,
    format: Format = "json",
) -> Response:
    """Income and expense per account between `from` and `to`, both included."""
    check_range(start, end, max_days=settings.reporting_max_range_days)

    async def compute() -> Report:
        before = await ledger.balances_as_of(conn, start - dt.timedelta(days=1))
        until = await ledger.balances_as_of(conn, end)
        return ledger.profit_and_loss(before, until, start=start, end=end)

    return await answer(
        conn,
        cache,
        name="profit-and-loss",
        params={"from": start, "to": end},
        families=FAMILIES,
        horizon=end,
        compute=compute,
        fmt=format,
    )


@router.get("/balance-sheet")
async def balance_sheet(
    conn: ReadConnection,
    cache: CacheDep,
    _: FinanceReader,
    as_of: AsOf = None,
    format: Format = "json",
) -> Response:
    """Assets, liabilities and equity at the end of `as_of`, with the profit not yet closed."""
    day = check_day("as_of", as_of or today())

    async def compute() -> Report:
        return ledger.balance_sheet(await ledger.balances_as_of(conn, day), as_of=day)

    return await answer(
        conn,
        cache,
        name="balance-sheet",
        params={"as_of": day},
        families=FAMILIES,
        horizon=day,
        compute=compute,
        fmt=format,
    )
