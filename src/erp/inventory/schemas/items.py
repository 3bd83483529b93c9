from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from erp.inventory.schemas.common import Input, NonNegativeQuantity, Sku, Text200


class ItemCreate(Input):
    sku: Sku
    name: Text200
    uom: str = Field(min_length=1, max_length=16)
    reorder_point: NonNegativeQuantity = Decimal(0)
    active: bool = True


class ItemUpdate(Input):
    name: Text200 | None = None
    uom: str | None = Field(None, min_length=1, max_length=16)
    reorder_point: NonNegativeQuantity | None = None
    active: bool | None = None


class ItemRead(BaseModel):
    id: int
    sku: str
    name: str
    uom: str
    reorder_point: Decimal
    active: bool
    created_at: datetime
    updated_at: datetime
