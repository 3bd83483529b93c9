"""Stock movements: receipts, issues, transfers and adjustments, posted to the stock ledger."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from erp.inventory.api.deps import BinFilter, Reading, WriteCommand
from erp.inventory.domain import ledger
from erp.inventory.domain import movements as movement_queries
from erp.inventory.schemas.movements import (
    MovementCreate,
    MovementRead,
    MovementReverse,
    MovementType,
)
from erp.platform.api import Paging, RowId, utc
from erp.platform.errors import InvalidInput
from erp.platform.pagination import Page

router = APIRouter(prefix="/movements", tags=["movements"])
Kind = Annotated[MovementType | None, Query(description="Only movements of this type.")]
From = Annotated[datetime | None, Query(alias="from", description="Posted at or after (RFC 3339).")]
To = Annotated[datetime | None, Query(alias="to", description="Posted before (RFC 3339).")]


@router.get("", response_model=Page[MovementRead])
async def list_movements(
    conn: Reading,
    page: Paging,
    where: BinFilter,
    type: Kind = None,
    posted_from: From = None,
    posted_to: To = None,
) -> Page[MovementRead]:
    """Movements with their ledger lines, newest first. `warehouse` matches either end of a
    transfer and `sku` any line; a time without a zone is UTC. `from` after `to` is a 422."""
    start, end = utc(posted_from), utc(posted_to)
    if start and end and start > end:
        raise InvalidInput("from", "must not be after 'to'")
    fetch = partial(
        movement_queries.list_movements,
        conn,
        sku=where.sku,
        warehouse=where.warehouse,
        type_=type,
        posted_from=start,
        posted_to=end,
    )
    return await page.of(MovementRead, fetch)


@router.post("", status_code=201, response_model=MovementRead)
async def post_movement(body: MovementCreate, command: WriteCommand) -> Response:
    """Post a movement in one transaction: every line or none.

    - `receipt` brings stock in at each line's `unit_cost`.
    - `issue` takes stock out at the moving average cost; a line may consume one of its bin's
      reservations (`reservation_id`).
    - `transfer` moves stock to `to_warehouse` at its current value.
    - `adjustment` corrects a count (`reason` required): a negative quantity is a loss.

    An unknown or inactive SKU or warehouse is a 422 naming the field. Taking more than is
    available (on hand less others' reservations) is a 409 `insufficient-stock` giving the
    SKU, warehouse, requested and available quantities, unless the warehouse allows negative
    stock. Finance is told of the movement and posts its value."""
    return await command.run(
        ledger.post_movement, returns=MovementRead, body=body, user=command.user
    )


@router.get("/{movement_id}", response_model=MovementRead)
async def get_movement(movement_id: RowId, conn: Reading) -> MovementRead:
    """One movement with its ledger lines and, once reversed, `reversed_by`; 404 when unknown."""
    movement = await movement_queries.get_movement(conn, movement_id=movement_id)
    return MovementRead.model_validate(movement)


@router.post("/{movement_id}/reverse", status_code=201, response_model=MovementRead)
async def reverse_movement(
    movement_id: RowId, command: WriteCommand, body: MovementReverse | None = None
) -> Response:
    """Post the mirror of a movement (same quantities and values, opposite sign), linked both
    ways. A movement is reversed at most once and a reversal is never reversed (409, with
    `reversed_by` when already reversed); the stock it gives back must still be there."""
    return await command.run(
        ledger.reverse_movement,
        returns=MovementRead,
        movement_id=movement_id,
        reason=body.reason if body else None,
        user=command.user,
    )
