"""Warehouses: the places stock is kept in."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from erp.inventory.api.deps import Reading, WriteCommand
from erp.inventory.domain import catalog
from erp.inventory.models import warehouses
from erp.inventory.schemas.warehouses import WarehouseCreate, WarehouseRead, WarehouseUpdate
from erp.platform.api import Paging
from erp.platform.listing import rows_after
from erp.platform.pagination import Page

router = APIRouter(prefix="/warehouses", tags=["warehouses"])
CodePath = Annotated[str, Path(max_length=32, description="The warehouse's code.")]


@router.get("", response_model=Page[WarehouseRead])
async def list_warehouses(conn: Reading, page: Paging) -> Page[WarehouseRead]:
    """Every warehouse, active or not, in code order, a page at a time."""
    fetch = partial(rows_after, conn, warehouses, warehouses.c.code)
    return await page.of(WarehouseRead, fetch, key={"code": str})


@router.post("", status_code=201, response_model=WarehouseRead)
async def create_warehouse(body: WarehouseCreate, command: WriteCommand) -> Response:
    """Add a warehouse; a code already in use is a 409 naming `code`."""
    return await command.run(catalog.create_warehouse, returns=WarehouseRead, data=body)


@router.get("/{code}", response_model=WarehouseRead)
async def get_warehouse(code: CodePath, conn: Reading) -> WarehouseRead:
    """One warehouse; 404 when the code is unknown."""
    return WarehouseRead.model_validate(await catalog.get_warehouse(conn, code=code))


@router.patch("/{code}", response_model=WarehouseRead)
async def update_warehouse(
    code: CodePath, body: WarehouseUpdate, command: WriteCommand
) -> Response:
    """Change the fields given and keep the others. An inactive warehouse takes no new
    movements or reservations. 404 when the code is unknown."""
    return await command.run(
        catalog.update_warehouse, returns=WarehouseRead, status_code=200, code=code, data=body
    )
