from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import select
from starlette.responses import Response

from erp.inventory.api.deps import Reader, SkuFilter, WarehouseFilter, WriteCommand
from erp.inventory.domain import reservations as holds
from erp.inventory.models import reservations
from erp.inventory.schemas.reservations import ReservationCreate, ReservationRead
from erp.platform.api import DEFAULT_LIMIT, Cursor, Limit, ReadConnection, RowId
from erp.platform.errors import NotFound
from erp.platform.pagination import Page, decode_cursor, page_of

router = APIRouter(prefix="/reservations", tags=["reservations"])
ReservationId = RowId
Status = Literal["active", "released", "consumed", "expired"]


@router.get("", response_model=Page[ReservationRead])
async def list_reservations(
    conn: ReadConnection,
    _: Reader,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    sku: SkuFilter = None,
    warehouse: WarehouseFilter = None,
    status: Annotated[Status | None, Query()] = None,
) -> Page[ReservationRead]:
    position = decode_cursor(cursor, fields={"id": int})
    now = datetime.now(UTC)
    r = reservations.c
    statement = select(reservations).order_by(r.id.desc()).limit(limit + 1)
    if position:
        statement = statement.where(r.id < int(position["id"]))
    if sku:
        statement = statement.where(r.sku == sku)
    if warehouse:
        statement = statement.where(r.warehouse == warehouse)
    if status == "active":
        statement = statement.where(r.status == "active", r.expires_at > now)
    elif status == "expired":
        statement = statement.where(r.status == "active", r.expires_at <= now)
    elif status:
        statement = statement.where(r.status == status)
    rows = [
        ReservationRead.model_validate(holds.present(row, now=now))
        for row in await conn.execute(statement)
    ]
    return page_of(rows, limit, lambda h: {"id": h.id})


@router.post("", status_code=201, response_model=ReservationRead)
async def create_reservation(body: ReservationCreate, command: WriteCommand) -> Response:
    return await command.run(lambda conn: holds.hold(conn, data=body), returns=ReservationRead)


@router.get("/{reservation_id}", response_model=ReservationRead)
async def get_reservation(
    reservation_id: ReservationId, conn: ReadConnection, _: Reader
) -> ReservationRead:
    row = (
        await conn.execute(select(reservations).where(reservations.c.id == reservation_id))
    ).first()
    if row is None:
        raise NotFound(f"reservation {reservation_id} not found")
    return ReservationRead.model_validate(holds.present(row))


@router.post("/{reservation_id}/release", response_model=ReservationRead)
async def release_reservation(reservation_id: ReservationId, command: WriteCommand) -> Response:
    return await command.run(
        lambda conn: holds.release(conn, reservation_id=reservation_id),
        returns=ReservationRead,
        status_code=200,
    )
