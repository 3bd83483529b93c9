from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from erp.inventory.schemas.common import Code, Input, Text200


class WarehouseCreate(Input):
    code: Code
    name: Text200
    allow_negative: bool = False


class WarehouseUpdate(Input):
    name: Text200 | None = None
    allow_negative: bool | None = None
    active: bool | None = None


class WarehouseRead(BaseModel):
    id: int
    code: str
    name: str
    allow_negative: bool
    active: bool
    created_at: datetime
