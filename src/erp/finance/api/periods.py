from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from erp.finance.api.deps import Reader, WriteCommand
from erp.finance.domain import books
from erp.finance.events import publish_period_closed
from erp.finance.schemas.periods import PeriodClose, PeriodCloseRead, PeriodsRead
from erp.platform.api import ReadConnection

router = APIRouter(prefix="/periods", tags=["periods"])


@router.get("", response_model=PeriodsRead)
async def get_periods(conn: ReadConnection, _: Reader) -> PeriodsRead:
    return PeriodsRead(closed_through=await books.closed_through(conn))


@router.post("/close", status_code=201, response_model=PeriodCloseRead)
async def close_period(body: PeriodClose, command: WriteCommand) -> Response:
    """Nothing can be posted on or before `date` afterwards; periods are never reopened."""
    user = command.principal.username

    async def work(conn: AsyncConnection) -> dict[str, Any]:
        close = await books.close_period(conn, through=body.date, user=user)
        await publish_period_closed(conn, close=close)
        return close

    return await command.run(work, returns=PeriodCloseRead)
