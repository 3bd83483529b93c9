"""Purchase orders: goods ordered from suppliers, received through receipt movements."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from erp.inventory.api.deps import Reading, WriteCommand
from erp.inventory.domain import purchase_orders as orders
from erp.inventory.schemas.purchase_orders import (
    PurchaseOrderCreate,
    PurchaseOrderRead,
    PurchaseOrderStatus,
)
from erp.platform.api import Paging, RowId
from erp.platform.pagination import Page

# Purchasing is done by those who receive the goods: the roles that post receipts.
router = APIRouter(prefix="/purchase-orders", tags=["purchase orders"])
SupplierFilter = Annotated[
    str | None, Query(max_length=64, description="Only orders from this supplier.")
]
StatusFilter = Annotated[
    PurchaseOrderStatus | None, Query(description="Only orders in this state.")
]


@router.get("", response_model=Page[PurchaseOrderRead])
async def list_purchase_orders(
    conn: Reading, page: Paging, supplier: SupplierFilter = None, status: StatusFilter = None
) -> Page[PurchaseOrderRead]:
    """Purchase orders with their lines, newest first."""
    fetch = partial(orders.newest_first, conn, supplier=supplier, status=status)
    return await page.of(PurchaseOrderRead, fetch)


@router.post("", status_code=201, response_model=PurchaseOrderRead)
async def create_purchase_order(body: PurchaseOrderCreate, command: WriteCommand) -> Response:
    """Record an order placed with a supplier, as a `draft`; its lines are numbered from 1.
    A line naming an unknown or inactive SKU or warehouse is a 422 naming
    `lines.<i>.sku` or `lines.<i>.warehouse`; `expected_date` before `order_date` is a 422."""
    return await command.run(orders.create, returns=PurchaseOrderRead, data=body, user=command.user)


@router.get("/{order_id}", response_model=PurchaseOrderRead)
async def get_purchase_order(order_id: RowId, conn: Reading) -> PurchaseOrderRead:
    """One order with each line's ordered, received and still open quantities; 404 when
    unknown."""
    return PurchaseOrderRead.model_validate(await orders.get(conn, order_id=order_id))


@router.post("/{order_id}/approve", response_model=PurchaseOrderRead)
async def approve_purchase_order(order_id: RowId, command: WriteCommand) -> Response:
    """A draft becomes `approved`: its goods are expected and receipts may name its lines
    (`inventory.purchase-order-approved` tells other services). Any other state is a 409
    giving `status_now`; 404 when unknown."""
    return await command.run(
        orders.approve,
        returns=PurchaseOrderRead,
        status_code=200,
        order_id=order_id,
        user=command.user,
    )


@router.post("/{order_id}/close", response_model=PurchaseOrderRead)
async def close_purchase_order(order_id: RowId, command: WriteCommand) -> Response:
    """An approved, partly received or received order becomes `closed`: nothing more is
    expected and it takes no more receipts (`inventory.purchase-order-closed` carries what
    each line received). A draft or a closed or cancelled order is a 409 giving `status_now`;
    404 when unknown."""
    return await command.run(
        orders.close,
        returns=PurchaseOrderRead,
        status_code=200,
        order_id=order_id,
        user=command.user,
    )


@router.post("/{order_id}/cancel", response_model=PurchaseOrderRead)
async def cancel_purchase_order(order_id: RowId, command: WriteCommand) -> Response:
    """A draft dropped before approval becomes `cancelled`. Any other state is a 409 giving
    `status_now` (close an approved order instead); 404 when unknown."""
    return await command.run(
        orders.cancel,
        returns=PurchaseOrderRead,
        status_code=200,
        order_id=order_id,
        user=command.user,
    )
