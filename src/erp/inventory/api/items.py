from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy import select
from starlette.responses import Response

from erp.inventory.api.deps import Reader, WriteCommand
from erp.inventory.domain import catalog
from erp.inventory.models import items
from erp.inventory.schemas.common import Sku
from erp.inventory.schemas.items import ItemCreate, ItemRead, ItemUpdate
from erp.platform.api import DEFAULT_LIMIT, Cursor, Limit, ReadConnection
from erp.platform.pagination import Page, decode_cursor, page_of

router = APIRouter(prefix="/items", tags=["items"])
SkuPath = Annotated[str, Path(max_length=64)]


@router.get("", response_model=Page[ItemRead])
async def list_items(
    conn: ReadConnection,
    _: Reader,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    active: bool | None = None,
    sku: Annotated[Sku | None, Query()] = None,
) -> Page[ItemRead]:
    position = decode_cursor(cursor, fields={"sku": str})
    statement = select(items).order_by(items.c.sku).limit(limit + 1)
    if position:
        statement = statement.where(items.c.sku > position["sku"])
    if active is not None:
        statement = statement.where(items.c.active == active)
    if sku:
        statement = statement.where(items.c.sku == sku)
    rows = [ItemRead.model_validate(dict(r._mapping)) for r in await conn.execute(statement)]
    return page_of(rows, limit, lambda r: {"sku": r.sku})


@router.post("", status_code=201, response_model=ItemRead)
async def create_item(body: ItemCreate, command: WriteCommand) -> Response:
    return await command.run(lambda conn: catalog.create_item(conn, data=body), returns=ItemRead)


@router.get("/{sku}", response_model=ItemRead)
async def get_item(sku: SkuPath, conn: ReadConnection, _: Reader) -> ItemRead:
    return ItemRead.model_validate(await catalog.get_item(conn, sku=sku))


@router.patch("/{sku}", response_model=ItemRead)
async def update_item(sku: SkuPath, body: ItemUpdate, command: WriteCommand) -> Response:
    return await command.run(
        lambda conn: catalog.update_item(conn, sku=sku, data=body),
        returns=ItemRead,
        status_code=200,
    )
