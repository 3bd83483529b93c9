"""Closing the books."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from erp.finance.api.deps import Reading, WriteCommand
from erp.finance.domain import books
from erp.finance.domain.publish import publish_period_closed
from erp.finance.schemas.periods import PeriodClose, PeriodCloseRead, PeriodsRead

router = APIRouter(prefix="/periods", tags=["periods"])


@router.get("", response_model=PeriodsRead)
async def get_periods(conn: Reading) -> PeriodsRead:
    """The last day of the closed periods (null while none is closed): nothing can be posted
    on or before it."""
    return PeriodsRead(closed_through=await books.closed_through(conn))


@router.post("/close", status_code=201, response_model=PeriodCloseRead)
async def close_period(body: PeriodClose, command: WriteCommand) -> Response:
    """Close the books through `date`: nothing can be posted on or before it afterwards. A
    date still to come is a 422; periods are never reopened, so a date before the current
    closing is a 409. Reporting is told of the close."""

    async def work(conn: AsyncConnection) -> dict[str, Any]:
        close = await books.close_period(conn, through=body.date, user=command.user)
        await publish_period_closed(conn, close=close)
        return close

    return await command.run(work, returns=PeriodCloseRead)
