from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from erp.inventory.schemas.common import Code, Input, PositiveQuantity, Sku

MAX_HOLD_SECONDS = 30 * 24 * 3600


class ReservationCreate(Input):
    sku: Sku
    warehouse: Code
    quantity: PositiveQuantity
    reference: str | None = Field(None, max_length=200)
    expires_in_seconds: int = Field(900, ge=1, le=MAX_HOLD_SECONDS)


class ReservationRead(BaseModel):
    id: int
    sku: str
    warehouse: str
    quantity: Decimal
    reference: str | None
    status: Literal["active", "released", "consumed", "expired"]
    expires_at: datetime
    created_at: datetime
    closed_at: datetime | None
    consumed_by: int | None
