"""Field types shared by the finance schemas."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from erp.finance.domain.money import MAX_MONEY, capacity
from erp.platform.db import types as columns

_CODE = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
AccountCode = Annotated[str, Field(min_length=1, max_length=16, pattern=_CODE, examples=["1100"])]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code.")]
# Non-negative amounts, at most what a money column holds on either database; the currency's
# minor unit is checked by the domain (no silent rounding).
Amount = Annotated[Decimal, Field(ge=0, le=MAX_MONEY, decimal_places=4, allow_inf_nan=False)]
PositiveAmount = Annotated[
    Decimal, Field(gt=0, le=MAX_MONEY, decimal_places=4, allow_inf_nan=False)
]
Rate = Annotated[
    Decimal,
    Field(
        gt=0,
        le=capacity(columns.RATE),
        decimal_places=8,
        allow_inf_nan=False,
        description="Base-currency units per one unit of the document's currency.",
    ),
]
Party = Annotated[str, Field(min_length=1, max_length=200, examples=["ACME Ltd"])]
Sku = Annotated[
    str,
    Field(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$", examples=["BOLT-M8"]
    ),
]
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=_CODE, examples=["MAIN"])]
Memo = Annotated[str, Field(max_length=500)]

# What a field means, wherever it stands (request or answer); amounts are exact decimal strings
# in JSON.
CURRENCY = "ISO 4217 code."
DEFAULT_CURRENCY = "ISO 4217 code; the base currency when omitted."
RATE = "Base-currency units per one unit of the document's currency."
NEEDS_RATE = RATE + " Required when the currency is not the base one."
BASE = "In the base currency."
ENTRY = "The journal entry it posted."


class Input(BaseModel):
    """Request bodies refuse unknown fields, so a typo is a 422 naming it, not a silent no-op."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class InCurrency(Input):
    """A document in a currency that may not be the base one."""

    currency: Currency | None = Field(None, description=DEFAULT_CURRENCY)
    rate: Rate | None = Field(None, description=NEEDS_RATE)
