"""Customer credit notes against issued invoices, and how their customer credit is settled."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from erp.finance.schemas.common import BASE, ENTRY, RATE, AccountCode, Input, Memo, PositiveAmount
from erp.finance.schemas.invoices import Quantity
from erp.platform.db.tables import MAX_ID

UNAPPLIED = (
    "The customer credit still to settle: what the invoice's open amount could not take"
    " (it was paid beyond what remained), less refunds and allocations."
)
CASH_ACCOUNT = "The account the refund is paid from: one marked `cash_or_bank`."


class CreditNoteLineIn(Input):
    line_no: int = Field(
        ge=1, le=2**31 - 1, description="The invoice line credited (its `line_no`).", examples=[1]
    )
    quantity: Quantity = Field(
        description="How many of the line's units are credited; at most what was invoiced less"
        " what earlier credit notes credited.",
        examples=["1"],
    )
    return_goods: bool = Field(
        True,
        description="Whether the goods come back to stock (at the cost they left with); false"
        " for a price allowance or goods the customer keeps or scraps.",
    )


class CreditNoteCreate(Input):
    invoice: int = Field(ge=1, le=MAX_ID, description="The issued invoice credited.", examples=[42])
    date: dt.date | None = Field(
        None,
        description="Defaults to today; not before the invoice date, not after today, in an open"
        " period.",
    )
    reason: Memo | None = Field(
        None, description="Why it is credited (damaged, returned...); kept in the entry's memo."
    )
    lines: list[CreditNoteLineIn] = Field(
        min_length=1, max_length=200, description="The invoice lines and quantities credited."
    )


class CreditNoteRefund(Input):
    amount: PositiveAmount = Field(
        description="In the credit note's currency; at most its unapplied credit.",
        examples=["10.00"],
    )
    date: dt.date | None = Field(
        None, description="Defaults to today; not before the credit note's date."
    )
    account: AccountCode | None = Field(None, description=CASH_ACCOUNT + " Default 1100.")


class CreditNoteAllocate(Input):
    invoice: int = Field(
        ge=1,
        le=MAX_ID,
        description="Another issued or partly paid invoice of the same customer and currency.",
        examples=[43],
    )
    amount: PositiveAmount = Field(
        description="In the credit note's currency; at most its unapplied credit and the"
        " invoice's open amount.",
        examples=["10.00"],
    )
    date: dt.date | None = Field(
        None, description="Defaults to today; not before the credit note's or the invoice's date."
    )


class CreditNoteLineRead(BaseModel):
    line_no: int = Field(description="The line's place on the credit note, from 1.")
    invoice_line: int = Field(description="The invoice line it credits.")
    sku: str = Field(description="The invoice line's item.")
    warehouse: str = Field(description="Where returned goods go back to: the invoice line's.")
    quantity: Decimal = Field(description="Units credited.")
    net: Decimal = Field(description="Net amount credited, in the credit note's currency.")
    tax: Decimal = Field(description="Tax credited, in the credit note's currency.")
    net_base: Decimal = Field(description="Sales reversed. " + BASE)
    tax_base: Decimal = Field(description="Tax payable reversed. " + BASE)
    return_goods: bool = Field(description="Whether the goods come back to stock.")


class SettlementRead(BaseModel):
    id: int = Field(description="The settlement's id.")
    kind: Literal["refund", "allocation"] = Field(
        description="`refund`: paid out; `allocation`: applied to another invoice."
    )
    invoice_id: int | None = Field(description="The invoice an allocation was applied to.")
    account: str | None = Field(description="The cash or bank account a refund was paid from.")
    date: dt.date = Field(description="Its date.")
    amount: Decimal = Field(description="In the credit note's currency.")
    base_amount: Decimal = Field(description="What it relieved of the customer credit. " + BASE)
    entry_id: int = Field(description=ENTRY)
    created_at: dt.datetime = Field(description="When it was recorded.")
    created_by: str = Field(description="Who recorded it.")


class CreditNoteRead(BaseModel):
    id: int = Field(description="The credit note's id.")
    invoice: int = Field(description="The invoice it credits.")
    customer: str = Field(description="The invoice's customer.")
    currency: str = Field(description="The invoice's currency.", examples=["EUR"])
    rate: Decimal = Field(description=RATE + " The invoice's rate.")
    date: dt.date = Field(description="The credit note's date; its entry's date.")
    reason: str | None = Field(description="Why it was credited.")
    subtotal: Decimal = Field(description="Net amounts credited.")
    tax_total: Decimal = Field(description="Tax credited.")
    total: Decimal = Field(description="Subtotal plus tax: what the receivable was credited.")
    applied: Decimal = Field(description="What reduced the invoice's open amount.")
    unapplied: Decimal = Field(description=UNAPPLIED)
    entry_id: int | None = Field(description=ENTRY)
    created_at: dt.datetime = Field(description="When it was posted.")
    created_by: str = Field(description="Who posted it.")
    lines: list[CreditNoteLineRead] = Field(description="The invoice lines credited.")
    settlements: list[SettlementRead] = Field(
        description="Refunds and allocations of its customer credit, oldest first."
    )
