from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from erp.inventory.schemas.common import WAREHOUSE, Code, Input, Quantity, Reference, Sku, UnitCost
from erp.platform.db.tables import MAX_ID

MovementType = Literal["receipt", "issue", "transfer", "adjustment"]
KIND = "`receipt`, `issue`, `transfer` or `adjustment` (a correction of a count)."
REASON = "Why; required for adjustments."


class MovementLineIn(Input):
    sku: Sku
    quantity: Quantity = Field(
        description="Positive; adjustments may be negative (a loss).", examples=["10"]
    )
    unit_cost: UnitCost | None = Field(
        None,
        description="Required for receipts; optional for "
        "positive adjustments (defaults to the moving average).",
        examples=["2.5"],
    )
    reservation_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Issue against this hold (consumes it)."
    )


class MovementCreate(Input):
    type: MovementType = Field(description=KIND)
    warehouse: Code = Field(
        description="Where the stock comes in or goes out (a transfer's source)."
    )
    to_warehouse: Code | None = Field(None, description="Destination of a transfer.")
    reference: Reference = None
    reason: str | None = Field(None, max_length=500, description=REASON)
    lines: list[MovementLineIn] = Field(
        min_length=1, max_length=1000, description="What moves; one SKU per line."
    )


class MovementReverse(Input):
    reason: str | None = Field(
        None, max_length=500, description="Why; `reversal of movement <id>` when omitted."
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
    posted_at: datetime = Field(description="When it was posted (UTC).")
    posted_by: str = Field(description="Who posted it.", examples=["alice"])
    lines: list[LedgerLineRead] = Field(description="The stock ledger lines it wrote.")
