"""Items: the SKUs that stock is kept of."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from erp.inventory.api.deps import Reading, WriteCommand
from erp.inventory.domain import catalog
from erp.inventory.models import items
from erp.inventory.schemas.common import Sku
from erp.inventory.schemas.items import ItemCreate, ItemRead, ItemUpdate
from erp.platform.api import Paging, rendered
from erp.platform.listing import rows_after
from erp.platform.pagination import Page

router = APIRouter(prefix="/items", tags=["items"])
SkuPath = Annotated[str, Path(max_length=64, description="The item's SKU.")]
Active = Annotated[bool | None, Query(description="Only active or only inactive items.")]


@router.get("", response_model=Page[ItemRead])
async def list_items(
    conn: Reading,
    page: Paging,
    active: Active = None,
    sku: Annotated[Sku | None, Query(description="Only this SKU.")] = None,
) -> Page[ItemRead]:
    """The catalogue in SKU order, a page at a time."""
    c = items.c
    where = (c.active == active if active is not None else None, c.sku == sku if sku else None)
    fetch = partial(rows_after, conn, items, c.sku, where=where)
    return await page.of(ItemRead, fetch, key={"sku": str})


@router.post("", status_code=201, response_model=ItemRead)
async def create_item(body: ItemCreate, command: WriteCommand) -> Response:
    """Add an item to the catalogue. Its SKU cannot change later; one already in use is a
    409 naming `sku`."""
    return await command.run(catalog.create_item, returns=ItemRead, data=body)


@router.get("/{sku}", response_model=ItemRead)
async def get_item(sku: SkuPath, conn: Reading) -> Response:
    """One item; 404 when the SKU is unknown."""
    return rendered(ItemRead.model_validate(await catalog.get_item(conn, sku=sku)))


@router.patch("/{sku}", response_model=ItemRead)
async def update_item(sku: SkuPath, body: ItemUpdate, command: WriteCommand) -> Response:
    """Change the fields given and keep the others. An inactive item takes no new movements
    or reservations; its stock and history stay. 404 when the SKU is unknown."""
    return await command.run(
        catalog.update_item, returns=ItemRead, status_code=200, sku=sku, data=body
    )
