"""Who may do what in finance, and the query parameters several routes take."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.finance.inventory_client import InventoryClient, inventory_client
from erp.platform.api import Command, RuntimeDep, command_for, reading_for
from erp.platform.errors import InvalidInput

READERS = ("admin", "accountant", "viewer")
# Warehouse staff may see invoices (what to ship), not the books.
INVOICE_READERS = ("admin", "accountant", "viewer", "warehouse")
WRITERS = ("admin", "accountant")

Reading = Annotated[AsyncConnection, Depends(reading_for(*READERS))]
InvoiceReading = Annotated[AsyncConnection, Depends(reading_for(*INVOICE_READERS))]
WriteCommand = Annotated[Command, Depends(command_for(*WRITERS))]

DateFrom = Annotated[
    dt.date | None, Query(alias="from", description="First day included (YYYY-MM-DD).")
]
DateTo = Annotated[dt.date | None, Query(alias="to", description="Last day included (YYYY-MM-DD).")]


@dataclass(frozen=True)
class Period:
    """The days a list or report covers; either end may be open."""

    start: dt.date | None
    end: dt.date | None


async def period(date_from: DateFrom = None, date_to: DateTo = None) -> Period:
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("from", "must not be after 'to'")
    return Period(date_from, date_to)


# `from` and `to` as query parameters; `from` after `to` is a 422 naming `from`.
Dates = Annotated[Period, Depends(period)]


@dataclass(frozen=True)
class InventoryLookups:
    """The inventory service, asked with the caller's own token."""

    client: InventoryClient
    authorization: str | None

    async def check_lines(self, lines: Sequence[Any]) -> None:
        await self.client.check_lines(lines, authorization=self.authorization)


async def inventory_lookups(request: Request, runtime: RuntimeDep) -> InventoryLookups:
    return InventoryLookups(inventory_client(runtime), request.headers.get("authorization"))


Inventory = Annotated[InventoryLookups, Depends(inventory_lookups)]
