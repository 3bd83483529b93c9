from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from erp.finance.domain.money import capacity
from erp.finance.schemas.common import (
    RATE,
    Code,
    InCurrency,
    Input,
    Memo,
    Party,
    Sku,
)
from erp.platform.db.types import QUANTITY, UNIT_PRICE

InvoiceStatus = Literal["draft", "pending", "issued", "on_hold", "partially_paid", "paid", "void"]
# Bounded by their columns on both databases (what a line's product may reach is checked by
# the domain).
Quantity = Annotated[
    Decimal, Field(gt=0, le=capacity(QUANTITY), decimal_places=4, allow_inf_nan=False)
]
UnitPrice = Annotated[
    Decimal, Field(ge=0, le=capacity(UNIT_PRICE), decimal_places=4, allow_inf_nan=False)
]
TaxCodeText = Annotated[
    str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]
TaxRate = Annotated[
    Decimal,
    Field(
        ge=0,
        le=100,
        max_digits=8,
        decimal_places=4,
        allow_inf_nan=False,
        description="Percent, e.g. 20 for 20%.",
    ),
]
WAREHOUSE = "The warehouse the goods are issued from."
STATUS = (
    "`draft`; `pending` once issued, until inventory has issued the goods; then `issued`, and"
    " `partially_paid` and `paid` as payments come in; `on_hold` when inventory could not issue"
    " the goods (nothing was posted; issuing again asks again); `void`."
)


class InvoiceLineIn(Input):
    sku: Sku
    warehouse: Code = Field(description=WAREHOUSE)
    quantity: Quantity = Field(description="How many units.", examples=["3"])
    unit_price: UnitPrice = Field(description="Net price per unit, in the invoice's currency.")
    tax_rate: TaxRate = Decimal(0)
    tax_code: TaxCodeText | None = Field(
        None,
        description="An output tax code: the line takes its rate (a `tax_rate` given must"
        " equal it) and the tax report counts the line under it.",
    )


class InvoiceCreate(InCurrency):
    customer: Party = Field(
        description="The code of an active customer (any case); the invoice keeps the"
        " customer's own code. Its currency is the customer's when none is given.",
        examples=["ACME"],
    )
    date: dt.date | None = Field(None, description="Defaults to today.")
    due_date: dt.date | None = Field(
        None,
        description="When it is to be paid; from the customer's terms when omitted. Not"
        " before `date`.",
    )
    lines: list[InvoiceLineIn] = Field(min_length=1, max_length=200, description="What is sold.")


class InvoiceIssue(Input):
    date: dt.date | None = Field(
        None,
        description="A new invoice date, which the goods and the posting take; the invoice date"
        " when omitted. It must be after the closed periods. The due date moves with it.",
    )
    credit_override: Memo | None = Field(
        None,
        min_length=1,
        description="Why the invoice may take the customer beyond their credit limit; kept"
        " with who allowed it. Without it such an issue is a 409 naming `credit_limit`.",
    )


class InvoiceVoid(Input):
    date: dt.date | None = Field(None, description="Date of the reversal; defaults to today.")
    reason: Memo | None = Field(None, description="Why it is voided; kept on the invoice.")


class InvoiceLineRead(BaseModel):
    line_no: int = Field(description="The line's place on the invoice, from 1.")
    sku: str
    warehouse: str = Field(description=WAREHOUSE)
    quantity: Decimal = Field(description="How many units.")
    unit_price: Decimal = Field(description="Net price per unit, in the invoice's currency.")
    tax_rate: Decimal = Field(description="Percent.")
    net: Decimal = Field(description="Quantity times unit price, rounded to the currency.")
    tax: Decimal = Field(description="Tax on the net amount, rounded to the currency.")
    tax_code: str | None = Field(None, description="Its tax code, if it names one.")


class InvoiceRead(BaseModel):
    id: int
    customer: str = Field(description="Who is invoiced.")
    currency: str = Field(description="ISO 4217 code.", examples=["EUR"])
    rate: Decimal = Field(description=RATE)
    date: dt.date = Field(description="The invoice date.")
    due_date: dt.date = Field(description="When it is to be paid; its age counts from here.")
    status: InvoiceStatus = Field(description=STATUS)
    hold_reason: str | None = Field(
        description="Why inventory could not issue the goods (on hold), or why it was voided."
    )
    issue_no: int = Field(
        description="How many times its goods were asked for (a hold, then a new issue)."
    )
    subtotal: Decimal = Field(description="Sum of the lines' net amounts.")
    tax_total: Decimal = Field(description="Sum of the lines' tax.")
    total: Decimal = Field(description="Subtotal plus tax, in the invoice's currency.")
    paid_amount: Decimal = Field(description="Payments received so far.")
    open_amount: Decimal = Field(description="Still to be paid; 0 until it is issued.")
    created_at: dt.datetime
    updated_at: dt.datetime
    lines: list[InvoiceLineRead] = Field(description="What is sold.")
