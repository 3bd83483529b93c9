from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from erp.inventory.schemas.common import WAREHOUSE, Code, Input, PositiveQuantity, Reference, Sku

MAX_HOLD_SECONDS = 30 * 24 * 3600


class ReservationCreate(Input):
    sku: Sku
    warehouse: Code = Field(description=WAREHOUSE)
    quantity: PositiveQuantity = Field(description="How much to hold.", examples=["5"])
    reference: Reference = None
    expires_in_seconds: int = Field(
        900,
        ge=1,
        le=MAX_HOLD_SECONDS,
        description="How long the hold lasts unless issued or released (at most 30 days).",
        examples=[3600],
    )


class ReservationRead(BaseModel):
    id: int
    sku: str
    warehouse: str = Field(description=WAREHOUSE, examples=["MAIN"])
    quantity: Decimal = Field(description="The quantity held.", examples=["5.0000"])
    reference: Reference
    status: Literal["active", "released", "consumed", "expired"] = Field(
        description="`active` while it holds stock; then `consumed` by an issue, `released`,"
        " or `expired` once `expires_at` passed."
    )
    expires_at: datetime = Field(description="When an unused hold stops holding (UTC).")
    created_at: datetime
    closed_at: datetime | None = Field(description="When it was consumed or released.")
    consumed_by: int | None = Field(description="The id of the issue movement that used it.")
