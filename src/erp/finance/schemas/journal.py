from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from erp.finance.schemas.common import (
    BASE,
    RATE,
    AccountCode,
    Amount,
    InCurrency,
    Input,
    Memo,
    Party,
    Sku,
)

Source = Literal[
    "manual",
    "invoice",
    "payment",
    "stock",
    "year-end",
    "bill",
    "bill-payment",
    "credit-note",
    "debit-note",
]
IN_CURRENCY = "In the entry's currency; a line has a debit or a credit, not both."
PARTY = "The customer it concerns, if any."


class JournalLineIn(Input):
    account: AccountCode = Field(description="The code of an active account.")
    debit: Amount = Field(Decimal(0), description=IN_CURRENCY, examples=["100.00"])
    credit: Amount = Field(Decimal(0), description=IN_CURRENCY, examples=["0"])
    party: Party | None = Field(None, description=PARTY)
    sku: Sku | None = None


class JournalEntryCreate(InCurrency):
    date: dt.date = Field(description="Posting date; must be after the closed periods.")
    memo: Memo = Field("", description="What the entry is for.")
    lines: list[JournalLineIn] = Field(
        min_length=2, max_length=500, description="Balanced: debits equal credits."
    )


class JournalEntryReverse(Input):
    date: dt.date | None = Field(None, description="Of the reversal; defaults to today.")
    reason: Memo | None = Field(
        None,
        description="Why it is reversed: the reversal's memo (`reversal of entry <id>`"
        " when omitted).",
    )


class JournalLineRead(BaseModel):
    line_no: int = Field(description="The line's place in the entry, from 1.")
    account: str = Field(description="The account's code.", examples=["1100"])
    debit: Decimal = Field(description=BASE)
    credit: Decimal = Field(description=BASE)
    amount: Decimal = Field(description="Signed, in the entry's currency (+ debit).")
    party: str | None = Field(description=PARTY)
    sku: str | None = Field(description="The item it concerns, if any.")
    invoice_id: int | None = Field(description="The invoice it concerns, if any.")


class JournalEntryRead(BaseModel):
    id: int
    date: dt.date = Field(description="Posting date.")
    memo: str = Field(description="What the entry is for.")
    source: Source = Field(
        description="What posted it: `manual`, or an `invoice`, `payment` or `stock` movement."
    )
    source_ref: str | None = Field(
        description="The document behind it, e.g. `invoice:42`.", examples=["invoice:42"]
    )
    currency: str = Field(description="ISO 4217 code.", examples=["EUR"])
    rate: Decimal = Field(description=RATE)
    reverses: int | None = Field(description="The entry this one reverses.")
    reversed_by: int | None = Field(description="The entry that reverses this one.")
    posted_at: dt.datetime = Field(description="When it was posted (UTC).")
    posted_by: str = Field(description="Who posted it.", examples=["alice"])
    total_debit: Decimal = Field(description="Sum of the debits; base currency.")
    total_credit: Decimal = Field(description="Sum of the credits; equal to the debits.")
    lines: list[JournalLineRead] = Field(description="The lines, in order.")
