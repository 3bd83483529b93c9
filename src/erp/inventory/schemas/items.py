from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from erp.inventory.schemas.common import (
    REORDER_POINT,
    CatalogUpdate,
    Input,
    NonNegativeQuantity,
    Sku,
    Text200,
    Uom,
)


class ItemCreate(Input):
    sku: Sku
    name: Text200
    uom: Uom
    reorder_point: NonNegativeQuantity = Field(Decimal(0), description=REORDER_POINT)
    active: bool = True


class ItemUpdate(CatalogUpdate):
    uom: Uom | None = Field(None, description="Unit of measure.")
    reorder_point: NonNegativeQuantity | None = Field(None, description=REORDER_POINT)


class ItemRead(BaseModel):
    id: int
    sku: str
    name: str
    uom: str = Field(description="Unit of measure.", examples=["ea"])
    reorder_point: Decimal = Field(description=REORDER_POINT, examples=["25"])
    active: bool
    created_at: datetime
    updated_at: datetime
