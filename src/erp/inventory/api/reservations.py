"""Reservations: stock held for an order until it is issued, released or expires."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from sqlalchemy import ColumnElement, select
from starlette.responses import Response

from erp.inventory.api.deps import BinFilter, Bins, Reading, WriteCommand
from erp.inventory.config import DEFAULT_HOLD_SECONDS
from erp.inventory.domain import reservations as holds
from erp.inventory.models import reservations
from erp.inventory.schemas.reservations import ReservationCreate, ReservationRead
from erp.platform.api import Paging, RowId
from erp.platform.errors import NotFound
from erp.platform.listing import rows_after
from erp.platform.pagination import Page

router = APIRouter(prefix="/reservations", tags=["reservations"])
Status = Literal["active", "released", "consumed", "expired"]
StatusFilter = Annotated[Status | None, Query(description="Only holds in this state.")]


def _matching(where: Bins, status: Status | None, now: datetime) -> list[ColumnElement[bool]]:
    r = reservations.c
    conditions = [r.sku == where.sku] if where.sku else []
    if where.warehouse:
        conditions.append(r.warehouse == where.warehouse)
    # An expired hold is still `active` in the table: its expiry tells them apart.
    if status == "active":
        conditions += [r.status == "active", r.expires_at > now]
    elif status == "expired":
        conditions += [r.status == "active", r.expires_at <= now]
    elif status:
        conditions.append(r.status == status)
    return conditions


@router.get("", response_model=Page[ReservationRead])
async def list_reservations(
    conn: Reading, page: Paging, where: BinFilter, status: StatusFilter = None
) -> Page[ReservationRead]:
    """Reservations, newest first; one past its expiry unused shows as `expired`."""
    now = datetime.now(UTC)
    conditions = _matching(where, status, now)

    async def fetch(*, after: dict[str, Any] | None, limit: int) -> list[dict[str, Any]]:
        key = reservations.c.id
        found = await rows_after(
            conn, reservations, key, after=after, limit=limit, descending=True, where=conditions
        )
        return [holds.present(row, now=now) for row in found]

    return await page.of(ReservationRead, fetch)


@router.post("", status_code=201, response_model=ReservationRead)
async def create_reservation(body: ReservationCreate, command: WriteCommand) -> Response:
    """Hold a quantity of a SKU in a warehouse until `expires_at`, or for
    `expires_in_seconds` (at most 30 days; the configured default, 15 minutes unless set,
    when neither is given; both is a 422). Other issues, transfers and holds cannot take it
    meanwhile; an issue that names the reservation draws on it, and what it leaves stays held.
    More than is available (on hand less other holds) is a 409 `insufficient-stock`; an
    unknown or inactive SKU or warehouse is a 422 naming the field."""
    # An app built on the platform's settings alone (tools, tests) holds for the default.
    default = getattr(command.runtime.settings, "reservation_hold_seconds", DEFAULT_HOLD_SECONDS)
    return await command.run(
        holds.hold, returns=ReservationRead, data=body, default_seconds=default
    )


@router.get("/{reservation_id}", response_model=ReservationRead)
async def get_reservation(reservation_id: RowId, conn: Reading) -> ReservationRead:
    """One reservation, `expired` once its time has passed unused; 404 when unknown."""
    statement = select(reservations).where(reservations.c.id == reservation_id)
    row = (await conn.execute(statement)).first()
    if row is None:
        raise NotFound(f"reservation {reservation_id} not found")
    return ReservationRead.model_validate(holds.present(row))


@router.post("/{reservation_id}/release", response_model=ReservationRead)
async def release_reservation(reservation_id: RowId, command: WriteCommand) -> Response:
    """Give the held stock back before it is used. Only an active or expired hold can be
    released: a consumed or released one is a 409 giving its state as `status_now`; 404 when
    unknown."""
    return await command.run(
        holds.release, returns=ReservationRead, status_code=200, reservation_id=reservation_id
    )
