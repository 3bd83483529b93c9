from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from erp.inventory.schemas.common import ALLOW_NEGATIVE, CatalogUpdate, Code, Input, Text200


class WarehouseCreate(Input):
    code: Code
    name: Text200
    allow_negative: bool = Field(False, description=ALLOW_NEGATIVE)


class WarehouseUpdate(CatalogUpdate):
    allow_negative: bool | None = Field(None, description=ALLOW_NEGATIVE)


class WarehouseRead(BaseModel):
    id: int
    code: str
    name: str
    allow_negative: bool = Field(description=ALLOW_NEGATIVE)
    active: bool
    created_at: datetime
