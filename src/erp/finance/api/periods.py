"""Closing the books: periods, year-end, and an admin's reopen."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from erp.finance.api.deps import Reading, WriteCommand
from erp.finance.domain import books, yearend
from erp.finance.domain.publish import publish_period_closed, publish_period_reopened
from erp.finance.schemas.periods import (
    PeriodClose,
    PeriodCloseRead,
    PeriodReopen,
    PeriodReopenRead,
    PeriodsRead,
    YearClose,
    YearCloseRead,
)
from erp.platform.api import Command, command_for

router = APIRouter(prefix="/periods", tags=["periods"])

AdminCommand = Annotated[Command, Depends(command_for("admin"))]


@router.get("", response_model=PeriodsRead)
async def get_periods(conn: Reading) -> PeriodsRead:
    """The last day of the closed periods (null while none is closed): nothing can be posted
    on or before it; and every close and reopen (with its reason), oldest first."""
    return PeriodsRead(
        closed_through=await books.closed_through(conn),
        history=await books.period_history(conn),
    )


@router.post("/close", status_code=201, response_model=PeriodCloseRead)
async def close_period(body: PeriodClose, command: WriteCommand) -> Response:
    """Close the books through `date`: nothing can be posted on or before it afterwards. A
    date still to come is a 422; a date before the current closing is a 409 (an admin
    reopens instead). Reporting and inventory are told of the close."""

    async def work(conn: AsyncConnection) -> dict[str, Any]:
        close = await books.close_period(conn, through=body.date, user=command.user)
        await publish_period_closed(conn, close=close)
        return close

    return await command.run(work, returns=PeriodCloseRead)


@router.post("/close-year", status_code=201, response_model=YearCloseRead)
async def close_year(body: YearClose, command: WriteCommand) -> Response:
    """Close the (calendar) fiscal `year`: one entry dated 31 December, source `year-end`,
    brings every income and expense account to zero against retained earnings (3200), then
    the books are closed through that day. A year not yet ended is a 422; a year already
    closed, or one before it with postings still open, is a 409 naming `year`."""

    async def work(conn: AsyncConnection) -> dict[str, Any]:
        closed = await yearend.close_year(conn, year=body.year, user=command.user)
        await publish_period_closed(conn, close=closed)
        return closed

    return await command.run(work, returns=YearCloseRead)


@router.post("/reopen", status_code=201, response_model=PeriodReopenRead)
async def reopen_period(body: PeriodReopen, command: AdminCommand) -> Response:
    """Admins only: reopen the books from `date` (they stay closed through the day before),
    for the `reason` kept in the audit trail (`GET /periods`). A date not in a closed period
    is a 409. Inventory and reporting are told of the reopen."""

    async def work(conn: AsyncConnection) -> dict[str, Any]:
        reopen = await books.reopen_period(
            conn, from_day=body.date, reason=body.reason, user=command.user
        )
        await publish_period_reopened(conn, reopen=reopen)
        return reopen

    return await command.run(work, returns=PeriodReopenRead)
