"""Stock positions per item and warehouse, now or at a past moment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from erp.inventory.api.deps import AsOfParam, BinFilter, Reading
from erp.inventory.domain import stock
from erp.inventory.schemas.stock import StockRead
from erp.platform.api import Paging, rendered
from erp.platform.pagination import Page

router = APIRouter(prefix="/stock", tags=["stock"])


@router.get("", response_model=Page[StockRead])
async def get_stock(conn: Reading, page: Paging, where: BinFilter, as_of: AsOfParam) -> Response:
    """On hand, reserved, available, moving average unit cost and value per SKU and
    warehouse, in SKU then warehouse order. With `as_of` the position is rebuilt from the
    ledger: a date counts every movement dated on or before it (`posting_date`) and the
    reservations active at the end of that day (in the company's time zone); a timestamp
    counts the movements dated before its day plus those of its day posted at or before it,
    and the reservations active at that instant. A point not yet passed gives the position
    now."""

    async def fetch(*, after: dict[str, Any] | None, limit: int) -> list[dict[str, Any]]:
        start = (after["sku"], after["warehouse"]) if after else None
        return await stock.positions(
            conn, sku=where.sku, warehouse=where.warehouse, as_of=as_of, after=start, limit=limit
        )

    return rendered(await page.of(StockRead, fetch, key={"sku": str, "warehouse": str}))
