from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import select
from starlette.responses import Response

from erp.inventory.api.deps import Reader, WriteCommand
from erp.inventory.domain import catalog
from erp.inventory.models import warehouses
from erp.inventory.schemas.warehouses import WarehouseCreate, WarehouseRead, WarehouseUpdate
from erp.platform.api import DEFAULT_LIMIT, Cursor, Limit, ReadConnection
from erp.platform.pagination import Page, decode_cursor, page_of

router = APIRouter(prefix="/warehouses", tags=["warehouses"])
CodePath = Annotated[str, Path(max_length=32)]


@router.get("", response_model=Page[WarehouseRead])
async def list_warehouses(
    conn: ReadConnection, _: Reader, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[WarehouseRead]:
    position = decode_cursor(cursor, fields={"code": str})
    statement = select(warehouses).order_by(warehouses.c.code).limit(limit + 1)
    if position:
        statement = statement.where(warehouses.c.code > position["code"])
    rows = [WarehouseRead.model_validate(dict(r._mapping)) for r in await conn.execute(statement)]
    return page_of(rows, limit, lambda r: {"code": r.code})


@router.post("", status_code=201, response_model=WarehouseRead)
async def create_warehouse(body: WarehouseCreate, command: WriteCommand) -> Response:
    return await command.run(
        lambda conn: catalog.create_warehouse(conn, data=body), returns=WarehouseRead
    )


@router.get("/{code}", response_model=WarehouseRead)
async def get_warehouse(code: CodePath, conn: ReadConnection, _: Reader) -> WarehouseRead:
    return WarehouseRead.model_validate(await catalog.get_warehouse(conn, code=code))


@router.patch("/{code}", response_model=WarehouseRead)
async def update_warehouse(
    code: CodePath, body: WarehouseUpdate, command: WriteCommand
) -> Response:
    return await command.run(
        lambda conn: catalog.update_warehouse(conn, code=code, data=body),
        returns=WarehouseRead,
        status_code=200,
    )
