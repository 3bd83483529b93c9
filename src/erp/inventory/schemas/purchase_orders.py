"""Purchase orders: what is ordered from a supplier, and what came in against each line."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from erp.inventory.schemas.common import WAREHOUSE, Code, Input, PositiveQuantity, Sku, UnitCost
from erp.platform.db.tables import MAX_ID

PurchaseOrderStatus = Literal[
    "draft", "approved", "partly_received", "received", "closed", "cancelled"
]
STATUS = (
    "`draft` (editable intent), `approved` (expected: takes receipts), `partly_received`,"
    " `received` (every line in full), `closed` (nothing more expected) or `cancelled` (a"
    " draft dropped)."
)
SUPPLIER = "The supplier's code, as finance and purchasing know it."
CURRENCY = (
    "ISO 4217 code of the prices; omitted when they are in the base currency. Only then does a"
    " receipt line without `unit_cost` come in at the order line's price."
)
MAX_LINE_NO = 1000

Supplier = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
        description=SUPPLIER,
        examples=["ACME"],
    ),
]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])]


class PurchaseOrderLineIn(Input):
    sku: Sku
    warehouse: Code = Field(description="Where the goods are to be received.")
    quantity: PositiveQuantity = Field(description="The quantity ordered.", examples=["100"])
    unit_price: UnitCost = Field(
        description="The agreed price per unit, in the order's currency.", examples=["2.5"]
    )


class PurchaseOrderCreate(Input):
    supplier: Supplier
    currency: Currency | None = Field(None, description=CURRENCY)
    order_date: date | None = Field(
        None, description="The day it was ordered; today when omitted.", examples=["2026-12-07"]
    )
    expected_date: date | None = Field(
        None,
        description="When the goods are expected; not before `order_date`.",
        examples=["2026-12-14"],
    )
    notes: str | None = Field(None, max_length=2000, description="Free text for people.")
    lines: list[PurchaseOrderLineIn] = Field(
        min_length=1,
        max_length=MAX_LINE_NO,
        description="What is ordered; numbered from 1 in this order (`line_no`).",
    )


class PurchaseOrderLineRef(Input):
    """The purchase order line a receipt line brings goods in against."""

    order_id: int = Field(ge=1, le=MAX_ID, description="The purchase order's id.")
    line_no: int = Field(
        ge=1, le=MAX_LINE_NO, description="The order's line number (from 1).", examples=[1]
    )


class PurchaseOrderLineRead(BaseModel):
    line_no: int = Field(description="The line's number on the order, from 1.")
    sku: str
    warehouse: str = Field(description=WAREHOUSE, examples=["MAIN"])
    quantity_ordered: Decimal = Field(description="What was ordered.", examples=["100.0000"])
    unit_price: Decimal = Field(description="Price per unit, in the order's currency.")
    quantity_received: Decimal = Field(
        description="What receipts against this line brought in, less their reversals.",
        examples=["40.0000"],
    )
    quantity_open: Decimal = Field(
        description="What is still expected: ordered less received, never below 0; 0 once the"
        " order is closed or cancelled.",
        examples=["60.0000"],
    )


class PurchaseOrderRead(BaseModel):
    id: int
    supplier: str = Field(description=SUPPLIER, examples=["ACME"])
    currency: str | None = Field(description=CURRENCY, examples=["EUR"])
    order_date: date = Field(description="The day it was ordered.")
    expected_date: date | None = Field(description="When the goods are expected.")
    status: PurchaseOrderStatus = Field(description=STATUS)
    notes: str | None = Field(description="Free text for people.")
    created_at: datetime
    created_by: str = Field(description="Who created it.", examples=["alice"])
    updated_at: datetime
    updated_by: str = Field(
        description="Who last changed its state (a receipt against it included)."
    )
    lines: list[PurchaseOrderLineRead] = Field(description="What is ordered, line by line.")
