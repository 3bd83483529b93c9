"""Who may do what in inventory, and the query parameters several routes take."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.platform.api import Command, command_for, reading_for
from erp.platform.calendar import AsOf
from erp.platform.errors import InvalidInput

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


def business_point(text: str, field: str) -> AsOf:
    """A date or timestamp read as `as_of` is (erp.platform.calendar); one whose day falls
    outside the calendar (year 1 or 9999 moved by a zone) is a 422 naming `field`."""
    try:
        return AsOf.parse(text, field)
    except OverflowError:
        raise InvalidInput(field, f"out of the calendar's range: {text!r}") from None


def comes_after(first: AsOf, second: AsOf) -> bool:
    if first.day != second.day:
        return first.day > second.day
    if first.instant is None or second.instant is None:
        return False
    return first.instant > second.instant


async def as_of_query(
    as_of: Annotated[
        str | None,
        Query(
            description="A date (the end of that day) or an RFC 3339 timestamp (that instant;"
            " UTC without a zone). Now when omitted.",
            examples=["2026-11-30", "2026-11-30T17:00:00+01:00"],
            max_length=40,
        ),
    ] = None,
) -> AsOf | None:
    return None if as_of is None else business_point(as_of, "as_of")


# `as_of` as calendar.AsOfQuery reads it, with out-of-range instants a 422 rather than a 500.
AsOfParam = Annotated[AsOf | None, Depends(as_of_query)]
