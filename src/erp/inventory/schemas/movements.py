from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from erp.inventory.schemas.common import (
    WAREHOUSE,
    Code,
    Input,
    PositiveQuantity,
    Quantity,
    Reference,
    Sku,
    UnitCost,
)
from erp.inventory.schemas.purchase_orders import PurchaseOrderLineRef
from erp.platform.db.tables import MAX_ID

MovementType = Literal["receipt", "issue", "transfer", "adjustment"]
KIND = "`receipt`, `issue`, `transfer` or `adjustment` (a correction of a count)."
REASON = "Why; required for adjustments."
POSTING_DATE = (
    "The business day it counts on (stock positions `as_of`, finance's entry). Today in the"
    " company's time zone when omitted; not after today, not in a period finance closed, not"
    " before the latest posting date of any SKU and warehouse it moves."
)


class MovementLineIn(Input):
    sku: Sku
    quantity: Quantity = Field(
        description="Positive; adjustments may be negative (a loss).", examples=["10"]
    )
    unit_cost: UnitCost | None = Field(
        None,
        description="For receipts and positive adjustments: the value per unit coming in. When"
        " omitted, the last known cost: the warehouse's moving average, else the item's latest"
        " cost in any warehouse; with no cost known yet it must be given. Outflows are valued"
        " at the moving average and take none.",
        examples=["2.5"],
    )
    reservation_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Issue against this hold (consumes it)."
    )
    purchase_order_line: PurchaseOrderLineRef | None = Field(
        None,
        description="For receipts: the purchase order line the goods come in against. Its SKU"
        " and warehouse must be this line's and the movement's; the order must be approved or"
        " partly received; `unit_cost` defaults to the line's price (orders in the base"
        " currency); what the line received may pass what it ordered by the receipt tolerance"
        " at most.",
    )


class MovementCreate(Input):
    type: MovementType = Field(description=KIND)
    warehouse: Code = Field(
        description="Where the stock comes in or goes out (a transfer's source)."
    )
    to_warehouse: Code | None = Field(None, description="Destination of a transfer.")
    reference: Reference = Field(
        None,
        description="Free text naming the document behind it (an order, a delivery note)."
        " `invoice:...` is kept for the goods inventory issues for finance's invoices.",
        examples=["order:1017"],
    )
    reason: str | None = Field(None, max_length=500, description=REASON)
    posting_date: date | None = Field(None, description=POSTING_DATE, examples=["2026-12-07"])
    lines: list[MovementLineIn] = Field(
        min_length=1, max_length=1000, description="What moves; one SKU per line."
    )


class MovementReverse(Input):
    reason: str | None = Field(
        None, max_length=500, description="Why; `reversal of movement <id>` when omitted."
    )
    posting_date: date | None = Field(
        None,
        description="The business day the reversal counts on; today when omitted. The same"
        " rules as a new movement's.",
        examples=["2026-12-07"],
    )


class ReturnLineIn(Input):
    line_no: int = Field(
        ge=0,
        le=1000,
        description="The receipt's ledger line it sends goods back from (its `lines[].line_no`).",
        examples=[0],
    )
    quantity: PositiveQuantity = Field(
        description="Units sent back: at most what the line received less what was returned"
        " already; lines naming one receipt line count together.",
        examples=["2"],
    )


class SupplierReturnCreate(Input):
    reason: str = Field(
        min_length=1, max_length=500, description="Why the goods go back to the supplier."
    )
    posting_date: date | None = Field(
        None,
        description="The business day the return counts on; today when omitted. The same"
        " rules as a new movement's.",
        examples=["2026-12-07"],
    )
    lines: list[ReturnLineIn] = Field(
        min_length=1, max_length=1000, description="What goes back, by receipt line."
    )


class LedgerLineRead(BaseModel):
    line_no: int = Field(
        description="The request line it comes from, counted from 0; a transfer line gives two,"
        " out of the source first."
    )
    sku: str
    warehouse: str = Field(description=WAREHOUSE, examples=["MAIN"])
    quantity: Decimal = Field(description="Signed: negative goes out.", examples=["-10.0000"])
    unit_cost: Decimal = Field(description="Value per unit of this line.", examples=["2.5000"])
    value: Decimal = Field(description="Signed value moved.", examples=["-25.0000"])
    on_hand_after: Decimal = Field(description="The warehouse's quantity after this line.")
    value_after: Decimal = Field(description="The warehouse's stock value after this line.")


class MovementRead(BaseModel):
    id: int
    type: MovementType = Field(description=KIND)
    warehouse: str = Field(description=WAREHOUSE, examples=["MAIN"])
    to_warehouse: str | None = Field(description="Destination of a transfer.")
    reference: Reference
    reason: str | None = Field(description=REASON)
    reverses: int | None = Field(description="The movement this one reverses.")
    reversed_by: int | None = Field(description="The movement that reverses this one.")
    returns: int | None = Field(
        None, description="For a supplier return: the receipt it sends goods back from."
    )
    posting_date: date = Field(description="The business day it counts on.")
    posted_at: datetime = Field(description="When it was written (UTC).")
    posted_by: str = Field(description="Who posted it.", examples=["alice"])
    lines: list[LedgerLineRead] = Field(description="The stock ledger lines it wrote.")
