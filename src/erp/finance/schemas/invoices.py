from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from erp.finance.schemas.common import Amount, Code, Currency, Input, Memo, Party, Rate, Sku

InvoiceStatus = Literal["draft", "issued", "on_hold", "partially_paid", "paid", "void"]
Quantity = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=4, allow_inf_nan=False)]
TaxRate = Annotated[
    Decimal,
    Field(ge=0, le=100, max_digits=8, decimal_places=4, description="Percent, e.g. 20 for 20%."),
]


class InvoiceLineIn(Input):
    sku: Sku
    warehouse: Code
    quantity: Quantity
    unit_price: Amount
    tax_rate: TaxRate = Decimal(0)


class InvoiceCreate(Input):
    customer: Party
    currency: Currency | None = Field(None, description="Defaults to the base currency.")
    rate: Rate | None = Field(None, description="Required when currency is not the base one.")
    date: dt.date | None = Field(None, description="Defaults to today.")
    lines: list[InvoiceLineIn] = Field(min_length=1, max_length=200)


class InvoiceIssue(Input):
    date: dt.date | None = Field(None, description="Posting date; defaults to the invoice date.")


class InvoiceVoid(Input):
    date: dt.date | None = Field(None, description="Date of the reversal; defaults to today.")
    reason: Memo | None = None


class InvoiceLineRead(BaseModel):
    line_no: int
    sku: str
    warehouse: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    net: Decimal
    tax: Decimal


class InvoiceRead(BaseModel):
    id: int
    customer: str
    currency: str
    rate: Decimal
    date: dt.date
    status: InvoiceStatus
    hold_reason: str | None
    issue_no: int
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    paid_amount: Decimal
    open_amount: Decimal
    created_at: dt.datetime
    updated_at: dt.datetime
    lines: list[InvoiceLineRead]
