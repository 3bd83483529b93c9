from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from erp.inventory.schemas.common import WAREHOUSE, Code, Input, PositiveQuantity, Reference, Sku

MAX_HOLD_SECONDS = 30 * 24 * 3600


class ReservationCreate(Input):
    sku: Sku
    warehouse: Code = Field(description=WAREHOUSE)
    quantity: PositiveQuantity = Field(description="How much to hold.", examples=["5"])
    reference: Reference = None
    expires_in_seconds: int | None = Field(
        None,
        ge=1,
        le=MAX_HOLD_SECONDS,
        description="How long the hold lasts unless issued or released (at most 30 days);"
        " the service's default (`ERP_RESERVATION_HOLD_SECONDS`, 15 minutes) when neither this"
        " nor `expires_at` is given.",
        examples=[3600],
    )
    expires_at: datetime | None = Field(
        None,
        description="When the hold ends instead (RFC 3339, UTC without a zone): in the future,"
        " at most 30 days ahead. Not together with `expires_in_seconds`.",
        examples=["2026-12-08T17:00:00Z"],
    )


class ReservationRead(BaseModel):
    id: int
    sku: str
    warehouse: str = Field(description=WAREHOUSE, examples=["MAIN"])
    quantity: Decimal = Field(
        description="What is left of the hold: the quantity reserved less what issues took"
        " from it (0 once consumed). While `active` this is what it holds.",
        examples=["5.0000"],
    )
    initial_quantity: Decimal = Field(description="The quantity first held.", examples=["8.0000"])
    consumed_quantity: Decimal = Field(
        description="What issues naming it took so far.", examples=["3.0000"]
    )
    reference: Reference
    status: Literal["active", "released", "consumed", "expired"] = Field(
        description="`active` while it holds stock (an issue taking part of it leaves the rest"
        " held); then `consumed` once issues took all of it, `released`, or `expired` once"
        " `expires_at` passed."
    )
    expires_at: datetime = Field(description="When an unused hold stops holding (UTC).")
    created_at: datetime
    closed_at: datetime | None = Field(description="When it was consumed or released.")
    consumed_by: int | None = Field(
        description="The id of the last issue movement that drew on it."
    )
