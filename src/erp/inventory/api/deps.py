"""Who may do what in inventory, and the query parameters several routes take."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.platform.api import Command, command_for, reading_for

READERS = ("admin", "accountant", "warehouse", "viewer")
WRITERS = ("admin", "warehouse")

Reading = Annotated[AsyncConnection, Depends(reading_for(*READERS))]
WriteCommand = Annotated[Command, Depends(command_for(*WRITERS))]

SkuFilter = Annotated[str | None, Query(max_length=64, description="Only this SKU.")]
WarehouseFilter = Annotated[str | None, Query(max_length=32, description="Only this warehouse.")]


@dataclass(frozen=True)
class Bins:
    """The stock places a list is limited to: one SKU, one warehouse, both or neither."""

    sku: str | None
    warehouse: str | None


async def bins(sku: SkuFilter = None, warehouse: WarehouseFilter = None) -> Bins:
    return Bins(sku, warehouse)


BinFilter = Annotated[Bins, Depends(bins)]
