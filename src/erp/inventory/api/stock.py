from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from erp.inventory.api.deps import Reader, SkuFilter, WarehouseFilter
from erp.inventory.domain import stock
from erp.inventory.schemas.stock import StockRead
from erp.platform.api import DEFAULT_LIMIT, Cursor, Limit, ReadConnection, utc
from erp.platform.pagination import Page, decode_cursor, page_of

router = APIRouter(prefix="/stock", tags=["stock"])


@router.get("", response_model=Page[StockRead])
async def get_stock(
    conn: ReadConnection,
    _: Reader,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    sku: SkuFilter = None,
    warehouse: WarehouseFilter = None,
    as_of: Annotated[
        datetime | None, Query(description="Position at this moment (RFC 3339); now when omitted.")
    ] = None,
) -> Page[StockRead]:
    position = decode_cursor(cursor, fields={"sku": str, "warehouse": str})
    after = (position["sku"], position["warehouse"]) if position else None
    rows = await stock.positions(
        conn, sku=sku, warehouse=warehouse, as_of=utc(as_of), after=after, limit=limit + 1
    )
    return page_of(
        [StockRead.model_validate(r) for r in rows],
        limit,
        lambda s: {"sku": s.sku, "warehouse": s.warehouse},
    )
