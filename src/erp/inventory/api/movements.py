"""Stock movements: receipts, issues, transfers and adjustments, posted to the stock ledger."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from erp.inventory.api.deps import (
    BinFilter,
    Reading,
    WriteCommand,
    business_point,
    comes_after,
)
from erp.inventory.domain import ledger, supplier_returns
from erp.inventory.domain import movements as movement_queries
from erp.inventory.domain.valuation import ZERO
from erp.inventory.schemas.movements import (
    MovementCreate,
    MovementRead,
    MovementReverse,
    MovementType,
    SupplierReturnCreate,
)
from erp.platform.api import Paging, RowId
from erp.platform.errors import InvalidInput
from erp.platform.pagination import Page

router = APIRouter(prefix="/movements", tags=["movements"])
Kind = Annotated[MovementType | None, Query(description="Only movements of this type.")]
From = Annotated[
    str | None,
    Query(
        alias="from",
        max_length=40,
        description="Only movements dated on or after this date (posting_date); a timestamp"
        " also leaves out what was posted before it on its own day.",
        examples=["2026-12-01"],
    ),
]
To = Annotated[
    str | None,
    Query(
        alias="to",
        max_length=40,
        description="Only movements dated on or before this date (posting_date, the whole"
        " day); a timestamp is read as `as_of` is: that day up to that instant.",
        examples=["2026-12-31"],
    ),
]


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
    transfer and `sku` any line. `from` and `to` filter business days (`posting_date`), both
    ends included; a timestamp (a zone-less one is UTC) narrows its own day to what was posted
    from (`from`) or up to (`to`) that instant. `from` after `to` is a 422."""
    start = business_point(posted_from, "from") if posted_from else None
    end = business_point(posted_to, "to") if posted_to else None
    if start and end and comes_after(start, end):
        raise InvalidInput("from", "must not be after 'to'")
    fetch = partial(
        movement_queries.list_movements,
        conn,
        sku=where.sku,
        warehouse=where.warehouse,
        type_=type,
        dated_from=start,
        dated_to=end,
    )
    return await page.of(MovementRead, fetch)


@router.post("", status_code=201, response_model=MovementRead)
async def post_movement(body: MovementCreate, command: WriteCommand) -> Response:
    """Post a movement in one transaction: every line or none.

    - `receipt` brings stock in at each line's `unit_cost`.
    - `issue` takes stock out at the moving average cost; a line may draw on one of its bin's
      reservations (`reservation_id`): less than it holds leaves the rest held.
    - `transfer` moves stock to `to_warehouse` at its current value.
    - `adjustment` corrects a count (`reason` required): a negative quantity is a loss.

    A receipt or gain line without `unit_cost` comes in at the last known cost (the
    warehouse's moving average, else the item's latest cost anywhere); with none known it is a
    422 naming `lines.<i>.unit_cost`.

    Dating: `posting_date` is the business day it counts on, today in the company's time zone
    unless given. After today is a 422 naming `posting_date`. On or before the day finance
    closed its books through is a 409 `period-closed` giving `posting_date` and
    `closed_through`. Before the latest posting date already on the ledger for any SKU and
    warehouse it moves (both ends of a transfer) is a 409 `back-dated` giving `posting_date`
    and `latest_posting_date`; the same day is fine. Each warehouse's stock is thus valued in
    date order, so the moving average, positions `as_of` a date, `erp inventory verify` and
    finance's ledger agree.

    An unknown or inactive SKU or warehouse is a 422 naming the field; a `reference` starting
    `invoice:` is a 422 (those are the invoices' own movements, posted by inventory for
    finance). Taking more than is available (on hand less others' reservations) is a 409
    `insufficient-stock` giving the SKU, warehouse, requested and available quantities, unless
    the warehouse allows negative stock. A line worth more than a ledger line holds is a 422
    naming it; taking a position past what it holds is a 409 `capacity-exceeded`. Finance is
    told of the movement and posts its value.

    A receipt line may name the purchase order line it comes in against
    (`purchase_order_line`: `order_id`, `line_no`): its SKU and warehouse must be the order
    line's (else a 422 naming `lines.<i>.purchase_order_line`), the order approved or partly
    received (else a 409 giving `status_now`), and what the line received may pass what it
    ordered by `ERP_RECEIPT_TOLERANCE_PERCENT` at most (else a 409 `over-receipt` giving
    `ordered`, `received` and `tolerance`). Without `unit_cost` it comes in at the order line's
    price (an order in a foreign currency needs the cost). The order line counts the quantity
    and the order becomes partly received or received in the same transaction; a reversal
    gives it back."""
    # An app built on the platform's settings alone (tools, tests) allows no over-receipt.
    tolerance = getattr(command.runtime.settings, "receipt_tolerance_percent", ZERO)
    return await command.run(
        ledger.post_movement,
        returns=MovementRead,
        body=body,
        user=command.user,
        tolerance_percent=tolerance,
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
    ways, dated `posting_date` (today unless given; the same dating rules as a new movement).
    A movement is reversed at most once and a reversal is never reversed (409, with
    `reversed_by` when already reversed); the stock it gives back must still be there. The
    goods issued for an invoice (reference `invoice:<id>`) go back only through the invoice:
    a 409 giving `document`; void or credit the invoice in finance instead."""
    return await command.run(
        ledger.reverse_movement,
        returns=MovementRead,
        movement_id=movement_id,
        reason=body.reason if body else None,
        posting_date=body.posting_date if body else None,
        user=command.user,
    )


@router.post("/{movement_id}/return", status_code=201, response_model=MovementRead)
async def return_to_supplier(
    movement_id: RowId, body: SupplierReturnCreate, command: WriteCommand
) -> Response:
    """Send goods of a receipt back to its supplier: a receipt movement with negated lines at
    each receipt line's own unit cost (not today's average), `returns` naming the receipt,
    dated `posting_date` (the same dating rules as a new movement). `lines` name the receipt's
    ledger lines (`line_no`) and the quantity going back. A line received against a purchase
    order line gives the quantity back to the order line. Finance takes the value off goods
    received not invoiced for that receipt.

    More than a line received less what was returned of it already is a 422 naming
    `lines.<i>.quantity`; a `line_no` the receipt does not have a 422 naming
    `lines.<i>.line_no`. Only a receipt still standing goes back: any other movement, a
    reversal, a return, a customer's goods taken back on a credit note or a reversed receipt
    is a 409. The goods must still be there (409 `insufficient-stock`, as for any outflow).
    A receipt partly returned is reversed later for what is left of it only; a return itself
    is never reversed (409)."""
    return await command.run(
        supplier_returns.return_to_supplier,
        returns=MovementRead,
        movement_id=movement_id,
        body=body,
        user=command.user,
    )
