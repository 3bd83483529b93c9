from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from erp.finance.schemas.common import (
    AccountCode,
    Amount,
    Currency,
    Input,
    Memo,
    Party,
    Rate,
    Sku,
)

Source = Literal["manual", "invoice", "payment", "stock"]


class JournalLineIn(Input):
    account: AccountCode
    debit: Amount = Decimal(0)
    credit: Amount = Decimal(0)
    party: Party | None = None
    sku: Sku | None = None


class JournalEntryCreate(Input):
    date: dt.date
    memo: Memo = ""
    currency: Currency | None = Field(None, description="Defaults to the base currency.")
    rate: Rate | None = Field(None, description="Required when currency is not the base one.")
    lines: list[JournalLineIn] = Field(min_length=2, max_length=500)


class JournalEntryReverse(Input):
    date: dt.date | None = Field(None, description="Defaults to today.")
    memo: Memo | None = None


class JournalLineRead(BaseModel):
    line_no: int
    account: str
    debit: Decimal
    credit: Decimal
    amount: Decimal = Field(description="Signed, in the entry's currency (+ debit).")
    party: str | None
    sku: str | None
    invoice_id: int | None


class JournalEntryRead(BaseModel):
    id: int
    date: dt.date
    memo: str
    source: Source
    source_ref: str | None
    currency: str
    rate: Decimal
    reverses: int | None
    reversed_by: int | None
    posted_at: dt.datetime
    posted_by: str
    total_debit: Decimal
    total_credit: Decimal
    lines: list[JournalLineRead]
