"""Field types shared by the inventory schemas."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Sku = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")]
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Quantity = Annotated[Decimal, Field(max_digits=18, decimal_places=4, allow_inf_nan=False)]
PositiveQuantity = Annotated[
    Decimal, Field(gt=0, max_digits=18, decimal_places=4, allow_inf_nan=False)
]
NonNegativeQuantity = Annotated[
    Decimal, Field(ge=0, max_digits=18, decimal_places=4, allow_inf_nan=False)
]
UnitCost = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4, allow_inf_nan=False)]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]


class Input(BaseModel):
    """Request bodies refuse unknown fields, so a typo is a 422 naming it, not a silent no-op."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
