"""Stock positions per item and warehouse, now or at a past moment."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from erp.inventory.api.deps import BinFilter, Reading
from erp.inventory.domain import stock
from erp.inventory.schemas.stock import StockRead
from erp.platform.api import Paging, utc
from erp.platform.pagination import Page

router = APIRouter(prefix="/stock", tags=["stock"])
AsOf = Annotated[
    datetime | None, Query(description="Position at this moment (RFC 3339); now when omitted.")
]


@router.get("", response_model=Page[StockRead])
async def get_stock(
    conn: Reading, page: Paging, where: BinFilter, as_of: AsOf = None
) -> Page[StockRead]:
    """On hand, reserved, available, moving average unit cost and value per SKU and
    warehouse, in SKU then warehouse order. With `as_of` the position is rebuilt from the
    ledger and the reservations active at that moment; a time without a zone is UTC."""
    moment = utc(as_of)

    async def fetch(*, after: dict[str, Any] | None, limit: int) -> list[dict[str, Any]]:
        start = (after["sku"], after["warehouse"]) if after else None
        return await stock.positions(
            conn, sku=where.sku, warehouse=where.warehouse, as_of=moment, after=start, limit=limit
        )

    return await page.of(StockRead, fetch, key={"sku": str, "warehouse": str})
