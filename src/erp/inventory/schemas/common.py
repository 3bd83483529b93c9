"""Field types shared by the inventory schemas."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Sku = Annotated[
    str,
    Field(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$", examples=["BOLT-M8"]
    ),
]
Code = Annotated[
    str,
    Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", examples=["MAIN"]),
]
Quantity = Annotated[Decimal, Field(max_digits=18, decimal_places=4, allow_inf_nan=False)]
PositiveQuantity = Annotated[
    Decimal, Field(gt=0, max_digits=18, decimal_places=4, allow_inf_nan=False)
]
NonNegativeQuantity = Annotated[
    Decimal, Field(ge=0, max_digits=18, decimal_places=4, allow_inf_nan=False)
]
UnitCost = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4, allow_inf_nan=False)]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]

# What a field means, wherever it stands (request or answer); decimals are exact strings in JSON.
WAREHOUSE = "The warehouse's code."
REORDER_POINT = (
    "A movement taking a warehouse's stock of the item below this raises a low-stock alert;"
    " 0 never does."
)
ALLOW_NEGATIVE = "Whether outflows may take on-hand stock here below zero."
Uom = Annotated[
    str, Field(min_length=1, max_length=16, description="Unit of measure.", examples=["ea"])
]
Reference = Annotated[
    str | None,
    Field(
        max_length=200,
        description="Free text naming the document behind it (an order, a delivery note).",
        examples=["order:1017"],
    ),
]


class Input(BaseModel):
    """Request bodies refuse unknown fields, so a typo is a 422 naming it, not a silent no-op."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CatalogUpdate(Input):
    """A change to an item or a warehouse: fields left out (or null) keep their value."""

    name: Text200 | None = None
    active: bool | None = Field(
        None,
        description="An inactive one takes no new movements or reservations; its stock and"
        " history stay.",
    )
