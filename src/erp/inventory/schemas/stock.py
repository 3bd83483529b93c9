from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel


class StockRead(BaseModel):
    sku: str
    warehouse: str
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    unit_cost: Decimal
    value: Decimal
    as_of: datetime
