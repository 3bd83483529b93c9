from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from erp.inventory.schemas.common import WAREHOUSE


class StockRead(BaseModel):
    sku: str
    warehouse: str = Field(description=WAREHOUSE, examples=["MAIN"])
    on_hand: Decimal = Field(description="Quantity in the warehouse.", examples=["120.0000"])
    reserved: Decimal = Field(
        description="Part of it held by active reservations.", examples=["20.0000"]
    )
    available: Decimal = Field(
        description="On hand less reserved: what an issue may take.", examples=["100.0000"]
    )
    unit_cost: Decimal = Field(
        description="Moving average cost per unit (the last one while none is on hand).",
        examples=["2.5000"],
    )
    value: Decimal = Field(description="Value of the stock on hand.", examples=["300.0000"])
    as_of: datetime = Field(
        description="The moment the position is for (UTC): now, the `as_of` instant, or for a"
        " date the end of that day in the company's time zone."
    )
