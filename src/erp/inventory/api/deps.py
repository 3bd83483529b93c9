"""Who may do what in inventory, as dependency aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from erp.platform.api import Command, command_for
from erp.platform.auth import Principal, require_roles

READERS = ("admin", "accountant", "warehouse", "viewer")
WRITERS = ("admin", "warehouse")

Reader = Annotated[Principal, Depends(require_roles(*READERS))]
WriteCommand = Annotated[Command, Depends(command_for(*WRITERS))]

SkuFilter = Annotated[str | None, Query(max_length=64, description="Only this SKU.")]
WarehouseFilter = Annotated[str | None, Query(max_length=32, description="Only this warehouse.")]
