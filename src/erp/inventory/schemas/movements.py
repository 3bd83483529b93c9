from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from erp.inventory.schemas.common import Code, Input, Quantity, Sku, UnitCost
from erp.platform.db.tables import MAX_ID

MovementType = Literal["receipt", "issue", "transfer", "adjustment"]


class MovementLineIn(Input):
    sku: Sku
    quantity: Quantity = Field(description="Positive; adjustments may be negative (a loss).")
    unit_cost: UnitCost | None = Field(
        None,
        description="Required for receipts; optional for "
        "positive adjustments (defaults to the moving average).",
    )
    reservation_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Issue against this hold."
    )


class MovementCreate(Input):
    type: MovementType
    warehouse: Code
    to_warehouse: Code | None = Field(None, description="Destination of a transfer.")
    reference: str | None = Field(None, max_length=200)
    reason: str | None = Field(None, max_length=500, description="Required for adjustments.")
    lines: list[MovementLineIn] = Field(min_length=1, max_length=1000)


class MovementReverse(Input):
    reason: str | None = Field(None, max_length=500)


class LedgerLineRead(BaseModel):
    line_no: int
    sku: str
    warehouse: str
    quantity: Decimal
    unit_cost: Decimal
    value: Decimal
    on_hand_after: Decimal
    value_after: Decimal


class MovementRead(BaseModel):
    id: int
    type: MovementType
    warehouse: str
    to_warehouse: str | None
    reference: str | None
    reason: str | None
    reverses: int | None
    reversed_by: int | None
    posted_at: datetime
    posted_by: str
    lines: list[LedgerLineRead]
