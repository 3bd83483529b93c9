from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from erp.inventory.api.deps import Reader, SkuFilter, WarehouseFilter, WriteCommand
from erp.inventory.domain import ledger
from erp.inventory.domain import movements as movement_queries
from erp.inventory.schemas.movements import (
    MovementCreate,
    MovementRead,
    MovementReverse,
    MovementType,
)
from erp.platform.api import DEFAULT_LIMIT, Cursor, Limit, ReadConnection, RowId, utc
from erp.platform.errors import InvalidInput
from erp.platform.pagination import Page, decode_cursor, page_of

router = APIRouter(prefix="/movements", tags=["movements"])
MovementId = RowId


@router.get("", response_model=Page[MovementRead])
async def list_movements(
    conn: ReadConnection,
    _: Reader,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    sku: SkuFilter = None,
    warehouse: WarehouseFilter = None,
    type: Annotated[MovementType | None, Query()] = None,
    posted_from: Annotated[datetime | None, Query(alias="from")] = None,
    posted_to: Annotated[datetime | None, Query(alias="to")] = None,
) -> Page[MovementRead]:
    position = decode_cursor(cursor, fields={"id": int})
    start, end = utc(posted_from), utc(posted_to)
    if start and end and start > end:
        raise InvalidInput("from", "must not be after 'to'")
    rows = await movement_queries.list_movements(
        conn,
        limit=limit + 1,
        before_id=int(position["id"]) if position else None,
        sku=sku,
        warehouse=warehouse,
        type_=type,
        posted_from=start,
        posted_to=end,
    )
    return page_of([MovementRead.model_validate(r) for r in rows], limit, lambda m: {"id": m.id})


@router.post("", status_code=201, response_model=MovementRead)
async def post_movement(body: MovementCreate, command: WriteCommand) -> Response:
    user = command.principal.username
    return await command.run(
        lambda conn: ledger.post_movement(conn, body=body, user=user), returns=MovementRead
    )


@router.get("/{movement_id}", response_model=MovementRead)
async def get_movement(movement_id: MovementId, conn: ReadConnection, _: Reader) -> MovementRead:
    return MovementRead.model_validate(
        await movement_queries.get_movement(conn, movement_id=movement_id)
    )


@router.post("/{movement_id}/reverse", status_code=201, response_model=MovementRead)
async def reverse_movement(
    movement_id: MovementId, command: WriteCommand, body: MovementReverse | None = None
) -> Response:
    user = command.principal.username
    reason = body.reason if body else None
    return await command.run(
        lambda conn: ledger.reverse_movement(
            conn, movement_id=movement_id, reason=reason, user=user
        ),
        returns=MovementRead,
    )
